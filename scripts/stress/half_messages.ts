/**
 * Stalls: connections that send half a message and stay silent must not slow anybody else down,
 * and the daemon must free them when they close. One client's lock + unlock pairs (a fresh
 * connection each, as the CLI and libflom do) are timed with and without the silent
 * connections, in alternating order, and the daemon's descriptors are counted from /proc.
 */
import { acquire, requestBytes } from "../bench/load.ts";
import { quantile } from "../bench/stats.ts";
import { startStressDaemon, type StressDaemon } from "./daemon.ts";

/** What the check does. */
export interface HalfMessageOptions {
  /** Silent connections, each with half a lock request. @default 1000 */
  connections?: number;
  /** Timed pairs per round and condition. @default 1000 */
  pairs?: number;
  /** Rounds, each measuring both conditions (the order alternates). @default 10 */
  rounds?: number;
  progress?: (line: string) => void;
}

/** What the check measured. */
export interface HalfMessageReport {
  connections: number;
  pairs: number;
  /** Lock + unlock latency of the other client, ms. */
  p50Without: number;
  p99Without: number;
  p50With: number;
  p99With: number;
  /** The daemon's CPU time per pair, µs (from /proc, in 10 ms ticks summed over the rounds). */
  cpuWithout: number;
  cpuWith: number;
  /** The daemon's descriptors: idle, with the silent connections open, after they closed. */
  descriptorsIdle: number;
  descriptorsWith: number;
  descriptorsAfter: number;
  /** The longest time the daemon took to free the silent connections once they closed, ms. */
  slowestFreeMs: number;
}

// How long the daemon may take to count or free the silent connections before the check fails.
const DESCRIPTOR_LIMIT_MS = 10000;

/** Runs the check against a daemon started in `dir`, then stops it. */
export async function halfMessageStalls(
  dir: string,
  options: HalfMessageOptions = {},
): Promise<HalfMessageReport> {
  const connections = options.connections ?? 1000;
  const pairs = options.pairs ?? 1000;
  const socket = `${dir}/half`;
  await using daemon = await startStressDaemon(socket);
  const request = requestBytes("half").lock;
  const half = request.subarray(0, Math.floor(request.length / 2));
  const without: number[] = [];
  const withHalves: number[] = [];
  const cpu = { without: 0, with: 0 };
  const measure = async (condition: "without" | "with") => {
    const before = daemon.cpuMs();
    (condition === "with" ? withHalves : without).push(...await timePairs(socket, pairs));
    cpu[condition] += daemon.cpuMs() - before;
  };
  const descriptorsIdle = daemon.openDescriptors();
  // Warm-up: the first connections of a process pay for code not yet optimised.
  await timePairs(socket, Math.min(pairs, 500));
  await descriptorsReach(daemon, (n) => n <= descriptorsIdle);
  let descriptorsWith = 0;
  let descriptorsAfter = 0;
  let slowestFreeMs = 0;
  const rounds = options.rounds ?? 10;
  for (let round = 0; round < rounds; round++) {
    const withFirst = round % 2 === 1;
    if (!withFirst) await measure("without");
    const silent: Deno.Conn[] = [];
    try {
      for (let i = 0; i < connections; i++) {
        const conn = await Deno.connect({ transport: "unix", path: socket });
        silent.push(conn);
        await conn.write(half);
      }
      descriptorsWith = await descriptorsReach(daemon, (n) => n >= descriptorsIdle + connections);
      await measure("with");
    } finally {
      for (const conn of silent) conn.close();
    }
    const closed = performance.now();
    descriptorsAfter = await descriptorsReach(daemon, (n) => n <= descriptorsIdle);
    slowestFreeMs = Math.max(slowestFreeMs, performance.now() - closed);
    if (withFirst) await measure("without");
    options.progress?.(
      `round ${round + 1}: p99 ${quantile(without, 0.99).toFixed(2)} ms without, ${
        quantile(withHalves, 0.99).toFixed(2)
      } ms with ${connections} silent connections`,
    );
  }
  return {
    connections,
    pairs: without.length,
    p50Without: quantile(without, 0.5),
    p99Without: quantile(without, 0.99),
    p50With: quantile(withHalves, 0.5),
    p99With: quantile(withHalves, 0.99),
    cpuWithout: cpu.without * 1000 / without.length,
    cpuWith: cpu.with * 1000 / withHalves.length,
    descriptorsIdle,
    descriptorsWith,
    descriptorsAfter,
    slowestFreeMs,
  };
}

/** Latencies of `pairs` lock + unlock pairs, one after the other, ms. */
async function timePairs(socket: string, pairs: number): Promise<number[]> {
  const { lock, unlock } = requestBytes("other");
  const latencies: number[] = [];
  for (let i = 0; i < pairs; i++) {
    const start = performance.now();
    const held = await acquire(socket, lock);
    await held.release(unlock);
    latencies.push(performance.now() - start);
  }
  return latencies;
}

/** The daemon's descriptor count once `wanted` holds of it; throws after the limit. */
async function descriptorsReach(
  daemon: StressDaemon,
  wanted: (count: number) => boolean,
): Promise<number> {
  const deadline = performance.now() + DESCRIPTOR_LIMIT_MS;
  for (;;) {
    const count = daemon.openDescriptors();
    if (wanted(count)) return count;
    if (performance.now() > deadline) {
      throw new Error(`the daemon's descriptors stay at ${count}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
