/**
 * Locks through etcd (README, "Across hosts without a single point of failure"): lock + unlock
 * pairs per second and hand-off latency through an etcd-backed daemon on a 3-member loopback
 * cluster, next to the in-memory daemon, and the wall time of `flom -r R -- true` through it next
 * to `etcdctl lock R true` on the same cluster. Reported, not targets: etcd's consensus (a read
 * and a transaction per decision, each a round of the cluster) sets the pace.
 */
import { EtcdCluster, etcdInstalled } from "../../tests/etcd_cluster.ts";
import { wallMs } from "./cli.ts";
import { measureHandOffs } from "./handoff.ts";
import { runPairs } from "./load.ts";
import { denoRun, ROOT, startDaemon } from "./processes.ts";
import { median, quantile } from "./stats.ts";
import type { Figure } from "./table.ts";

/** How much of each is measured. */
export interface EtcdBenchOptions {
  pairs: number;
  handOffs: number;
  cliRuns: number;
}

const CLIENTS = 8;

/** The figures, or undefined when etcd is not installed. */
export async function measureEtcd(
  dir: string,
  options: EtcdBenchOptions,
): Promise<Figure[] | undefined> {
  if (!etcdInstalled()) return undefined;
  await using cluster = await EtcdCluster.start();
  await using etcd = await startDaemon(`${dir}/etcdflom`, {
    settings: { etcdEndpoints: cluster.endpoints },
  });
  await using memory = await startDaemon(`${dir}/memoryflom`);
  const figures: Figure[] = [];

  const names = Array.from({ length: CLIENTS }, (_, i) => `etcd${i}`);
  const rate = async (socket: string, pairs: number) =>
    pairs / (await runPairs(socket, { clients: CLIENTS, pairs, names })) * 1000;
  await rate(etcd.socket, Math.ceil(options.pairs / 10)); // warm up
  figures.push({
    name: `lock + unlock pairs/s, ${CLIENTS} clients, distinct resources: etcd-backed daemon`,
    flom: await rate(etcd.socket, options.pairs),
    floor: await rate(memory.socket, options.pairs * 10),
    unit: "pairs/s",
    target: "reported (baseline: in memory)",
    met: true,
  });

  const handOffs = {
    etcd: await measureHandOffs(etcd.socket, options.handOffs),
    memory: await measureHandOffs(memory.socket, options.handOffs),
  };
  for (const [label, fraction] of [["p50", 0.5], ["p99", 0.99]] as const) {
    figures.push({
      name: `hand-off ${label}, client view, etcd-backed daemon (${options.handOffs} hand-offs)`,
      flom: quantile(handOffs.etcd, fraction) / 1000,
      floor: quantile(handOffs.memory, fraction) / 1000,
      unit: "ms",
      target: "reported (baseline: in memory)",
      met: true,
    });
  }

  const flom = denoRun(`${ROOT}main.ts`, ["-s", etcd.socket, "-r", "R", "--", "true"]);
  const etcdctl = new Deno.Command("etcdctl", {
    args: ["--endpoints", cluster.endpoints, "lock", "R", "true"],
    stdout: "null",
    stderr: "null",
  });
  const times = { flom: [] as number[], etcdctl: [] as number[] };
  for (let i = 0; i < options.cliRuns; i++) {
    times.etcdctl.push(await wallMs(etcdctl));
    times.flom.push(await wallMs(flom));
  }
  figures.push({
    name: "`flom -r R -- true` through the etcd-backed daemon; baseline `etcdctl lock R true`",
    flom: median(times.flom),
    floor: median(times.etcdctl),
    unit: "ms",
    target: "reported",
    met: true,
  });
  return figures;
}
