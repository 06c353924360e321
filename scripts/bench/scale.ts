/**
 * Scale: many locks held at once (one connection each, distinct resources), the memory each
 * costs the server and how fast a new client is still answered; and many waiters on one
 * resource, drained in FIFO order.
 */
import { encodeMessage } from "../../src/protocol/codec.ts";
import { acquire, awaitAnswer, HeldLock, requestBytes } from "./load.ts";
import type { MeasuredProcess } from "./processes.ts";

// How many connections are being set up at once while filling a server.
const PARALLEL_CONNECTS = 32;

/** One level of held locks: the server's resident memory and a new client's answer time. */
export interface HeldLevel {
  held: number;
  residentKiB: number;
  /** Slowest of a few `-o 0` lock + answer exchanges of a new client, milliseconds. */
  probeMs: number;
}

/**
 * Fills `server` with held locks up to each of `levels` in turn (ascending), measuring at each
 * level; releases them all at the end.
 */
export async function measureHeld(server: MeasuredProcess, levels: number[]): Promise<HeldLevel[]> {
  const held: HeldLock[] = [];
  const results: HeldLevel[] = [];
  try {
    for (const level of levels) {
      let next = held.length;
      await Promise.all(Array.from({ length: PARALLEL_CONNECTS }, async () => {
        while (next < level) {
          const { lock } = requestBytes(`held${next++}`);
          held.push(await acquire(server.socket, lock));
        }
      }));
      results.push({
        held: held.length,
        residentKiB: server.residentKiB(),
        probeMs: await probe(server.socket),
      });
    }
  } finally {
    for (const lock of held) lock.drop();
  }
  return results;
}

const PROBE = encodeMessage({
  kind: "lock",
  peerId: "",
  name: "probe",
  mode: 5,
  wait: false,
  create: true,
  lifespan: 0,
});

/** The slowest of five lock requests that may not wait (`-o 0`), connect to answer, in ms. */
async function probe(socket: string): Promise<number> {
  let slowest = 0;
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    const lock = await acquire(socket, PROBE);
    slowest = Math.max(slowest, performance.now() - start);
    lock.drop();
  }
  return slowest;
}

/**
 * Queues `count` waiters on one held resource, then releases it: each waiter unlocks as soon as
 * it is granted. Resolves with the milliseconds from the release to the last grant, and whether
 * the grants came in the order the waiters were enqueued.
 */
export async function drainWaiters(
  socket: string,
  count: number,
): Promise<{ ms: number; fifo: boolean }> {
  const { lock, unlock } = requestBytes("queue");
  const holder = await acquire(socket, lock);
  const waiters: Deno.Conn[] = [];
  for (let i = 0; i < count; i++) {
    const conn = await Deno.connect({ transport: "unix", path: socket });
    await conn.write(lock);
    await awaitAnswer(conn, new Uint8Array(1024), 1);
    waiters.push(conn);
  }
  const order: number[] = [];
  const start = performance.now();
  const granted = waiters.map(async (conn, index) => {
    const buffer = new Uint8Array(1024);
    await awaitAnswer(conn, buffer, 0);
    order.push(index);
    await new HeldLock(conn, buffer).release(unlock);
  });
  await holder.release(unlock);
  await Promise.all(granted);
  return { ms: performance.now() - start, fifo: order.every((index, i) => index === i) };
}
