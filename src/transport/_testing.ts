/**
 * Test helpers for discovery and cancellation: a UDP socket of this host's loopback that plays
 * the daemon's part in a discovery (queries sent to 127.0.0.1 never leave the host), and a
 * deadline for outcomes that must come before a wait they cut short.
 */

/** A UDP socket on 127.0.0.1 that receives discovery queries; closed at the end of its scope. */
export interface LoopbackResponder extends Disposable {
  readonly port: number;
  /** The next datagram, with its sender; rejects once the socket is closed. */
  receive(): Promise<[Uint8Array, Deno.Addr]>;
  send(data: Uint8Array, to: Deno.Addr): Promise<number>;
  /** Closes the socket, unless closed already. */
  [Symbol.dispose](): void;
}

/** A LoopbackResponder on a port the system chooses. */
export function loopbackResponder(): LoopbackResponder {
  const socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  let closed = false;
  return {
    port: (socket.addr as Deno.NetAddr).port,
    receive: () => socket.receive(),
    send: (data, to) => socket.send(data, to),
    [Symbol.dispose]() {
      if (closed) return;
      closed = true;
      socket.close();
    },
  };
}

/**
 * Whether the UDP port of 127.0.0.1 that `sender` used is free: a socket there (without
 * SO_REUSEADDR) can be bound only once the sender's own socket is closed.
 */
export function isClosed(sender: Deno.Addr): boolean {
  try {
    const { port } = sender as Deno.NetAddr;
    Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port }).close();
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) return false;
    throw error;
  }
}

/**
 * `promise`, or a rejection when it has not settled within `ms`: a deadline that fails a test
 * whose outcome comes only after the wait it should have cut short.
 */
export async function settlesBefore<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not settled within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
