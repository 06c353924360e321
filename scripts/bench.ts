/**
 * flom's performance figures, each next to its floor (what Deno itself costs for the same work)
 * or baseline, measured in this run, with the ratio and the target (README, "Performance").
 * Usage: deno run -A scripts/bench.ts [--quick]
 */
import { cpuPerPair, LOADS } from "./bench/cpu.ts";
import { measureCli, wallMs } from "./bench/cli.ts";
import { acquire, requestBytes } from "./bench/load.ts";
import { cliLockPath } from "../tests/module_graph.ts";
import { bundleCli } from "./bundle.ts";
import { measureHandOffs, tracedHandOffs } from "./bench/handoff.ts";
import {
  denoRun,
  type MeasuredProcess,
  ROOT,
  startDaemon,
  startFloorServer,
} from "./bench/processes.ts";
import { drainWaiters, type HeldLevel, measureHeld } from "./bench/scale.ts";
import { measureEtcd } from "./bench/etcd.ts";
import { pairsWhileWatched } from "./bench/status_watch.ts";
import { median, quantile } from "./bench/stats.ts";
import { type Figure, formatTable, ratioFigure } from "./bench/table.ts";

const quick = Deno.args.includes("--quick");
const PAIRS = quick ? 3000 : 20000;
// Floor and flom alternate this many times per load; the median of each is reported.
const ROUNDS = quick ? 1 : 3;
const CLI_RUNS = quick ? 10 : 40;
const DAEMON_STARTS = quick ? 5 : 15;
const HAND_OFFS = quick ? 500 : 3000;
const HELD_LEVELS = quick ? [1000, 2000, 4000] : [5000, 10000, 19000];
const WAITERS = quick ? 500 : 1000;
// Rounds of lock traffic with and without a status watcher, in alternating order, each long
// enough for several of the watcher's redraws.
const WATCH_ROUNDS = quick ? 4 : 6;
const WATCH_PAIRS = quick ? 10000 : PAIRS;

const dir = Deno.makeTempDirSync({ prefix: "flombench" });
const figures: Figure[] = [];
const progress = (line: string) => console.error(`bench: ${line}`);

async function withServers<T>(
  run: (servers: { flom: MeasuredProcess; floor: MeasuredProcess }) => Promise<T>,
  trace?: string,
): Promise<T> {
  const tag = crypto.randomUUID().slice(0, 8);
  await using flom = await startDaemon(
    `${dir}/flom${tag}`,
    trace === undefined ? {} : { trace: { file: trace, mask: "0x100" } },
  );
  await using floor = await startFloorServer(`${dir}/floor${tag}`);
  return await run({ flom, floor });
}

try {
  progress("daemon CPU per lock + unlock pair");
  {
    await using flom = await startDaemon(`${dir}/cpuflom`);
    await using canned = await startFloorServer(`${dir}/cpucanned`);
    await using queueing = await startFloorServer(`${dir}/cpuqueueing`, { queue: true });
    const floors = { canned, queueing };
    for (const load of LOADS) {
      const samples = { flom: [] as number[], canned: [] as number[], queueing: [] as number[] };
      for (let round = 0; round < ROUNDS; round++) {
        for (const kind of load.floors) {
          samples[kind].push((await cpuPerPair(floors[kind], load, PAIRS)).microseconds);
        }
        samples.flom.push((await cpuPerPair(flom, load, PAIRS)).microseconds);
      }
      for (const kind of load.floors) {
        figures.push(
          ratioFigure(
            `daemon CPU per pair, ${load.label}` + (kind === "queueing" ? " (queueing floor)" : ""),
            median(samples.flom),
            median(samples[kind]),
            "µs",
            1.3,
          ),
        );
      }
    }
  }

  progress("lock pairs while flom --status --watch 100 runs");
  {
    await using flom = await startDaemon(`${dir}/watchflom`);
    const load = LOADS.find((load) => load.clients === 64)!;
    const rates = await pairsWhileWatched(flom, load, {
      pairs: WATCH_PAIRS,
      rounds: WATCH_ROUNDS,
    });
    figures.push({
      name: `lock pairs/s while \`flom --status --watch 100\` runs, ${load.label}`,
      flom: rates.watched,
      floor: rates.alone,
      unit: "pairs/s",
      target: "≥ 0.9× without",
      met: rates.watched >= 0.9 * rates.alone,
    });
  }

  progress("CLI wall time");
  await withServers(async ({ flom }) => {
    const modules = cliLockPath().size;
    const { main } = await bundleCli(`${dir}/bundle`);
    const cli = await measureCli(flom.socket, CLI_RUNS, { dir, modules, bundle: main });
    figures.push(
      ratioFigure("`flom -r R -- true`, daemon running", cli.flom, cli.floor, "ms", 1.25),
      ratioFigure(
        `the same, against the floor split into ${modules} modules like flom's lock path`,
        cli.flom,
        cli.modularFloor,
        "ms",
        1.25,
      ),
      ratioFigure(
        "the same, bundled as `deno task compile` compiles it",
        cli.bundled,
        cli.floor,
        "ms",
        1.25,
      ),
      ratioFigure(
        "the same bundle, against the floor that also takes and releases the lock",
        cli.bundled,
        cli.lockFloor,
        "ms",
        1.25,
      ),
    );
  });

  progress("daemon start");
  {
    const samples = { start: [] as number[], hello: [] as number[] };
    for (let i = 0; i < DAEMON_STARTS; i++) {
      samples.hello.push(await wallMs(denoRun(`${ROOT}scripts/bench/hello.ts`, [])));
      const begin = performance.now();
      await using daemon = await startDaemon(`${dir}/start${i}`);
      const { lock, unlock } = requestBytes("first");
      await (await acquire(daemon.socket, lock)).release(unlock);
      samples.start.push(performance.now() - begin);
    }
    figures.push(
      {
        ...ratioFigure(
          "daemon start: launched to first grant sent",
          median(samples.start),
          median(samples.hello),
          "ms",
          2,
        ),
        target: "≤ 2× hello world",
      },
    );
  }

  progress("hand-off latency");
  const trace = `${dir}/handoff.trace`;
  const clientView = await withServers(
    ({ flom }) => measureHandOffs(flom.socket, HAND_OFFS),
    trace,
  );
  const daemonView = tracedHandOffs(Deno.readTextFileSync(trace));
  for (const [view, values] of [["daemon", daemonView], ["client", clientView]] as const) {
    const limits = view === "daemon" ? [100, 1000] : [undefined, undefined];
    for (
      const [label, fraction, limit] of [["p50", 0.5, limits[0]], ["p99", 0.99, limits[1]]] as const
    ) {
      const value = quantile(values, fraction);
      figures.push({
        name: `hand-off ${label}, ${view} view (${values.length} hand-offs)`,
        flom: value,
        unit: "µs",
        target: limit === undefined ? "reported" : `≤ ${limit} µs`,
        met: limit === undefined || value <= limit,
      });
    }
  }

  progress("held locks");
  const held = await withServers(async ({ flom, floor }) => ({
    floor: await measureHeld(floor, HELD_LEVELS),
    flom: await measureHeld(flom, HELD_LEVELS),
  }));
  const slope = (levels: HeldLevel[]) =>
    (levels.at(-1)!.residentKiB - levels[0]!.residentKiB) / (levels.at(-1)!.held - levels[0]!.held);
  figures.push(
    ratioFigure("memory per held lock (slope)", slope(held.flom), slope(held.floor), "KiB", 1.3),
  );
  for (const level of held.flom) {
    figures.push({
      name: `${level.held} held locks: resident memory; new client's -o 0 answer`,
      flom: level.residentKiB / 1024,
      unit: `MiB; ${level.probeMs.toFixed(2)} ms`,
      target: "answer < 10 ms",
      met: level.probeMs < 10,
    });
  }
  const last = held.flom.at(-1)!;
  figures.push({
    name: "100,000 held locks, projected from the slope",
    flom: (last.residentKiB + (100_000 - last.held) * slope(held.flom)) / 1024,
    unit: "MiB",
    target: "reported",
    met: true,
  });

  progress("draining waiters");
  const drains = await withServers(async ({ flom }) => ({
    small: await drainWaiters(flom.socket, WAITERS),
    large: await drainWaiters(flom.socket, WAITERS * 10),
  }));
  figures.push({
    name: `drain ${WAITERS * 10} waiters vs 10 × drain ${WAITERS}` +
      (drains.small.fifo && drains.large.fifo ? ", FIFO" : ", NOT FIFO"),
    flom: drains.large.ms,
    floor: drains.small.ms * 10,
    unit: "ms",
    target: "≤ 2× baseline, FIFO",
    met: drains.large.ms <= 2 * drains.small.ms * 10 && drains.small.fifo && drains.large.fifo,
  });

  progress("locks through etcd");
  const etcd = await measureEtcd(dir, {
    pairs: quick ? 300 : 2000,
    handOffs: quick ? 50 : 300,
    cliRuns: quick ? 5 : 20,
  });
  if (etcd === undefined) progress("no etcd installed: the etcd figures are left out");
  else figures.push(...etcd);
} finally {
  Deno.removeSync(dir, { recursive: true });
}

console.log(formatTable(figures));
