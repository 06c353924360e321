/**
 * Hand-off latency: from a holder's unlock to the next waiter's grant, seen inside the daemon
 * (its own trace of each hand-off, LOCKER module) and from the clients (the unlock written, the
 * grant read, both in this process).
 */
import { acquire, awaitAnswer, HeldLock, requestBytes } from "./load.ts";

/** Runs `rounds` hand-offs on one resource; returns the client-side latencies in microseconds. */
export async function measureHandOffs(socket: string, rounds: number): Promise<number[]> {
  const { lock, unlock } = requestBytes("handoff");
  const latencies: number[] = [];
  let holder = await acquire(socket, lock);
  for (let i = 0; i < rounds; i++) {
    const conn = await Deno.connect({ transport: "unix", path: socket });
    const buffer = new Uint8Array(1024);
    await conn.write(lock);
    await awaitAnswer(conn, buffer, 1);
    const start = performance.now();
    const released = holder.release(unlock);
    await awaitAnswer(conn, buffer, 0);
    latencies.push((performance.now() - start) * 1000);
    await released;
    holder = new HeldLock(conn, buffer);
  }
  await holder.release(unlock);
  return latencies;
}

/** The daemon's own hand-off latencies (microseconds), read from its trace file. */
export function tracedHandOffs(traceText: string): number[] {
  return [...traceText.matchAll(/hand-off: .* granted (\d+) µs after the release was read/g)]
    .map((match) => Number(match[1]));
}
