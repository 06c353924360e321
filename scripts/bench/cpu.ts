/**
 * Daemon CPU per lock + unlock pair: the server process's own user + system time (from /proc),
 * divided by the pairs done, for flom's daemon and for the floor server under the same load.
 */
import { LockMode } from "../../src/resources/lock_mode.ts";
import { runPairs } from "./load.ts";
import type { MeasuredProcess } from "./processes.ts";

/** Which floor server a load is compared with (scripts/bench/floor_server.ts). */
export type FloorKind = "canned" | "queueing";

/** A load: how many concurrent clients, on which names, in which mode. */
export interface Load {
  label: string;
  clients: number;
  names: string[];
  mode: LockMode;
  /**
   * The floors to compare with: the canned grant always; the queueing floor too where clients
   * contend for one exclusive lock, whose waiters take a second answer and a hand-off each.
   */
  floors: FloorKind[];
}

const ONE_RESOURCE = ["bench"];

export const LOADS: Load[] = [
  {
    label: "1 client",
    clients: 1,
    names: ONE_RESOURCE,
    mode: LockMode.Exclusive,
    floors: ["canned"],
  },
  {
    label: "16 clients, one resource, EX",
    clients: 16,
    names: ONE_RESOURCE,
    mode: LockMode.Exclusive,
    floors: ["canned", "queueing"],
  },
  {
    label: "16 clients, one resource, PR",
    clients: 16,
    names: ONE_RESOURCE,
    mode: LockMode.ProtectedRead,
    floors: ["canned"],
  },
  {
    label: "64 clients, distinct resources",
    clients: 64,
    names: Array.from({ length: 64 }, (_, i) => `bench${i}`),
    mode: LockMode.Exclusive,
    floors: ["canned"],
  },
];

/** Microseconds of `server`'s CPU per pair, and pairs per second, over `pairs` pairs. */
export async function cpuPerPair(
  server: MeasuredProcess,
  load: Load,
  pairs: number,
): Promise<{ microseconds: number; pairsPerSecond: number }> {
  const options = { clients: load.clients, names: load.names, mode: load.mode };
  await runPairs(server.socket, { ...options, pairs: Math.ceil(pairs / 10) }); // warm up
  const before = server.cpuMs();
  const elapsed = await runPairs(server.socket, { ...options, pairs });
  return {
    microseconds: (server.cpuMs() - before) * 1000 / pairs,
    pairsPerSecond: pairs / elapsed * 1000,
  };
}
