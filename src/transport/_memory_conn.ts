/**
 * Connections and a listener in memory, for tests of the daemon and the client without sockets:
 * each side's writes become the other side's reads, in order, with the end of the stream after a
 * half-close or a close.
 */
import type { StreamConn, StreamListener } from "./stream_conn.ts";

/** One direction of a connection: bytes written and not yet read, and whether it has ended. */
class Pipe {
  #chunks: Uint8Array[] = [];
  #ended = false;
  #wake: (() => void) | undefined;

  push(bytes: Uint8Array): void {
    if (this.#ended) throw new Deno.errors.BrokenPipe("the connection is closed");
    this.#chunks.push(bytes.slice());
    this.#wake?.();
  }

  end(): void {
    this.#ended = true;
    this.#wake?.();
  }

  async read(buffer: Uint8Array): Promise<number | null> {
    while (this.#chunks.length === 0) {
      if (this.#ended) return null;
      await new Promise<void>((resolve) => this.#wake = resolve);
      this.#wake = undefined;
    }
    const chunk = this.#chunks[0]!;
    const n = Math.min(buffer.length, chunk.length);
    buffer.set(chunk.subarray(0, n));
    if (n === chunk.length) this.#chunks.shift();
    else this.#chunks[0] = chunk.subarray(n);
    return n;
  }
}

const MEMORY_ADDR: Deno.UnixAddr = { transport: "unix", path: "" };

function end(incoming: Pipe, outgoing: Pipe): StreamConn {
  return {
    remoteAddr: MEMORY_ADDR,
    read: (buffer) => incoming.read(buffer),
    write: (data) => {
      outgoing.push(data);
      return Promise.resolve(data.length);
    },
    closeWrite: () => {
      outgoing.end();
      return Promise.resolve();
    },
    close: () => {
      outgoing.end();
      incoming.end();
    },
  };
}

/** Two connected ends. */
export function memoryConnPair(): [StreamConn, StreamConn] {
  const there = new Pipe();
  const back = new Pipe();
  return [end(back, there), end(there, back)];
}

/** A listener whose `connect()` hands the server end of a new pair to `accept()`. */
export class MemoryListener implements StreamListener {
  readonly addr = MEMORY_ADDR;
  #waiting: StreamConn[] = [];
  #accepting: PromiseWithResolvers<StreamConn> | undefined;
  #closed = false;

  /** A new connection: returns the client's end. */
  connect(): StreamConn {
    const [client, server] = memoryConnPair();
    if (this.#accepting !== undefined) {
      this.#accepting.resolve(server);
      this.#accepting = undefined;
    } else {
      this.#waiting.push(server);
    }
    return client;
  }

  accept(): Promise<StreamConn> {
    if (this.#closed) return Promise.reject(new Deno.errors.BadResource("listener closed"));
    const waiting = this.#waiting.shift();
    if (waiting !== undefined) return Promise.resolve(waiting);
    this.#accepting = Promise.withResolvers();
    return this.#accepting.promise;
  }

  close(): void {
    this.#closed = true;
    this.#accepting?.reject(new Deno.errors.BadResource("listener closed"));
    this.#accepting = undefined;
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
