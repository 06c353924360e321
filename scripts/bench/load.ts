/**
 * Lean protocol clients for the benchmarks: canned request bytes, raw reads and a substring
 * test for the grant, so that the clients cost the machine little next to the server measured.
 */
import { encodeMessage } from "../../src/protocol/codec.ts";
import { LockMode } from "../../src/resources/lock_mode.ts";

const decoder = new TextDecoder();

/** The bytes of a lock request (exclusive, waiting, creating) and of its unlock. */
export function requestBytes(name: string, mode: LockMode = LockMode.Exclusive) {
  return {
    lock: encodeMessage({
      kind: "lock",
      peerId: "",
      name,
      mode,
      wait: true,
      create: true,
      lifespan: 0,
    }),
    unlock: encodeMessage({ kind: "unlock", name, rollback: false }),
  };
}

/** A connection that has sent its lock request and received the grant. */
export class HeldLock {
  constructor(readonly conn: Deno.Conn, readonly buffer: Uint8Array) {}

  /** Sends the unlock and closes gracefully (half-close, then wait for the daemon's close). */
  async release(unlock: Uint8Array): Promise<void> {
    await this.conn.write(unlock);
    await this.conn.closeWrite();
    try {
      while ((await this.conn.read(this.buffer)) !== null) {
        // Nothing more is expected.
      }
    } finally {
      this.conn.close();
    }
  }

  /** Closes without unlocking: the daemon releases the lock. */
  drop(): void {
    this.conn.close();
  }
}

/** Connects, sends `lock` and resolves once the grant has arrived. */
export async function acquire(socket: string, lock: Uint8Array): Promise<HeldLock> {
  const conn = await Deno.connect({ transport: "unix", path: socket });
  const buffer = new Uint8Array(1024);
  await conn.write(lock);
  await awaitAnswer(conn, buffer, 0);
  return new HeldLock(conn, buffer);
}

/**
 * Reads answers until one with reason code `rc`: 0 for the grant, which an enqueued answer (1)
 * may precede, or 1 for the enqueued answer itself. Any other code is an error.
 */
export async function awaitAnswer(conn: Deno.Conn, buffer: Uint8Array, rc: 0 | 1): Promise<void> {
  let text = "";
  for (;;) {
    const n = await conn.read(buffer);
    if (n === null) throw new Error(`the server closed the connection after '${text}'`);
    text += decoder.decode(buffer.subarray(0, n));
    if (text.includes(` rc="${rc}"`)) return;
    if (/ rc="(?![01]")/.test(text)) throw new Error(`refused: ${text}`);
  }
}

/**
 * Runs lock + unlock pairs, each on a fresh connection as the CLI and libflom do, from
 * `clients` concurrent clients until `pairs` have been done in all. Client i locks
 * `names[i % names.length]`. Resolves with the elapsed milliseconds.
 */
export async function runPairs(
  socket: string,
  options: { clients: number; pairs: number; names: string[]; mode?: LockMode },
): Promise<number> {
  const requests = options.names.map((name) => requestBytes(name, options.mode));
  let started = 0;
  const begin = performance.now();
  await Promise.all(Array.from({ length: options.clients }, async (_, i) => {
    const { lock, unlock } = requests[i % requests.length]!;
    while (started < options.pairs) {
      started++;
      const held = await acquire(socket, lock);
      await held.release(unlock);
    }
  }));
  return performance.now() - begin;
}
