/**
 * The kill storm across etcd-backed daemons (README, "Across hosts without a single point of
 * failure"): three daemons on one 3-member etcd cluster, each flom run through one of them at
 * random, while the storm's killer signals flom runs and a second killer, every one to three
 * seconds, kills a daemon with SIGKILL (and starts it again on its socket) or kills an etcd member
 * (and starts it again over its data). The sections' records must show the lock held by one at a
 * time throughout.
 *
 * A flom whose daemon died exits 99 once its command has ended: its request stays in etcd until
 * the daemon's lease ends (`leaseTtl`, longer than any section), so no other daemon grants the
 * lock while that command runs.
 */
import { EtcdCluster } from "../../tests/etcd_cluster.ts";
import { startStressDaemon, type StressDaemon } from "./daemon.ts";
import { Random } from "./fuzz_inputs.ts";
import { killStorm, type KillStormOptions, type KillStormReport } from "./kill_storm.ts";

/** What the storm did, and what the chaos beside it did. */
export interface EtcdStormReport {
  storm: KillStormReport;
  daemonKills: number;
  memberKills: number;
}

const DAEMONS = 3;

/** Runs the storm of `options` through three etcd-backed daemons started in `dir`. */
export async function etcdStorm(
  dir: string,
  options: Omit<KillStormOptions, "sockets"> & { leaseTtl?: number },
): Promise<EtcdStormReport> {
  await using cluster = await EtcdCluster.start();
  const settings = { etcdEndpoints: cluster.endpoints, etcdLeaseTtl: options.leaseTtl ?? 2 };
  const sockets = Array.from({ length: DAEMONS }, (_, i) => `${dir}/etcd-daemon${i}`);
  const daemons: StressDaemon[] = [];
  const chaos = new AbortController();
  let daemonKills = 0;
  let memberKills = 0;
  try {
    for (const socket of sockets) daemons.push(await startStressDaemon(socket, { settings }));
    const random = new Random((options.seed ?? 1) ^ 0x5eed);
    // A pause that the storm's end cuts short, leaving no listener behind either way.
    const pause = (ms: number) =>
      new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          chaos.signal.removeEventListener("abort", done);
          resolve();
        };
        const timer = setTimeout(done, ms);
        chaos.signal.addEventListener("abort", done);
      });
    const killer = (async () => {
      while (!chaos.signal.aborted) {
        await pause(random.between(1000, 3000));
        if (chaos.signal.aborted) break;
        const index = random.below(DAEMONS);
        if (random.chance(0.5)) {
          await daemons[index]!.kill();
          daemons[index] = await startStressDaemon(sockets[index]!, { settings });
          daemonKills++;
        } else {
          await cluster.killMember(index);
          await pause(random.between(200, 1000));
          cluster.restartMember(index);
          memberKills++;
        }
        options.progress?.(`etcd chaos: ${daemonKills} daemons and ${memberKills} members killed`);
      }
    })();
    try {
      const storm = await killStorm(dir, { ...options, sockets });
      return { storm, daemonKills, memberKills };
    } finally {
      chaos.abort();
      await killer;
    }
  } finally {
    for (const daemon of daemons) await daemon.kill();
  }
}
