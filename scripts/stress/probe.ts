/**
 * A normal client's lock + unlock, timed: the probe that tells whether a daemon under stress
 * still serves.
 */
import { awaitAnswer, requestBytes } from "../bench/load.ts";
import { startTimer } from "../../src/transport/timer.ts";

/** How long a probe waits at most before it gives up (a daemon that does not serve). */
export const PROBE_LIMIT_MS = 5000;

/**
 * Locks `name` (exclusive, waiting) on a fresh connection, unlocks it and disconnects gracefully.
 * Resolves with the milliseconds from the connect to the grant read, or Infinity when no grant
 * came within `limitMs`.
 */
export async function probeGrant(
  socket: string,
  name: string,
  limitMs = PROBE_LIMIT_MS,
): Promise<number> {
  const { lock, unlock } = requestBytes(name);
  const start = performance.now();
  let conn: Deno.UnixConn | undefined;
  let timedOut = false;
  const timer = startTimer(limitMs, () => {
    timedOut = true;
    try {
      conn?.close();
    } catch {
      // Closed already.
    }
  });
  try {
    conn = await Deno.connect({ transport: "unix", path: socket });
    if (timedOut) {
      conn.close();
      return Infinity;
    }
    const buffer = new Uint8Array(1024);
    await conn.write(lock);
    await awaitAnswer(conn, buffer, 0);
    const granted = performance.now() - start;
    await conn.write(unlock);
    await conn.closeWrite();
    while ((await conn.read(buffer)) !== null) {
      // Nothing more is expected.
    }
    conn.close();
    return granted;
  } catch (error) {
    if (timedOut) return Infinity;
    try {
      conn?.close();
    } catch {
      // Closed already.
    }
    throw error;
  } finally {
    timer.cancel();
  }
}
