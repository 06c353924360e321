import type { Socket } from "node:net";
import type { StreamConn } from "./stream_conn.ts";

/**
 * A node:net socket (or a node:tls one, its handshake done) as a StreamConn. Reads pull from the
 * socket's buffer (paused mode) instead of receiving "data" events, so a peer that sends faster
 * than flom reads is held back by TCP flow control, as with a Deno.Conn. One read at a time, as
 * MessageStream does.
 */
export class NodeSocketConn implements StreamConn {
  readonly remoteAddr: Deno.Addr;
  protected readonly socket: Socket;
  // Bytes that did not fit into the caller's last buffer.
  #pending: Uint8Array | undefined;
  #ended = false;
  #error: Error | undefined;
  #wake: (() => void) | undefined;

  /** `transport` is the one under the socket: a node socket over a UNIX path does not tell. */
  constructor(socket: Socket, transport: "unix" | "tcp") {
    this.socket = socket;
    this.remoteAddr = transport === "unix"
      ? { transport, path: "" }
      : { transport, hostname: socket.remoteAddress ?? "", port: socket.remotePort ?? 0 };
    const wake = () => {
      const resolve = this.#wake;
      this.#wake = undefined;
      resolve?.();
    };
    socket.on("readable", wake);
    socket.on("end", () => {
      this.#ended = true;
      wake();
    });
    socket.on("close", () => {
      this.#ended = true;
      wake();
    });
    // Without a listener an error event would be thrown; it is reported by the next read.
    socket.on("error", (error) => {
      this.#error = error;
      wake();
    });
  }

  /** Reads bytes; null at the end of the stream; readError() of the socket's error when it breaks. */
  async read(buffer: Uint8Array): Promise<number | null> {
    let chunk = this.#pending;
    this.#pending = undefined;
    while (chunk === undefined) {
      const data: Uint8Array | null = this.socket.read();
      if (data !== null) {
        chunk = data;
      } else if (this.#error !== undefined) {
        throw this.readError(this.#error);
      } else if (this.#ended) {
        return null;
      } else {
        await new Promise<void>((resolve) => this.#wake = resolve);
      }
    }
    const count = Math.min(buffer.length, chunk.length);
    buffer.set(chunk.subarray(0, count));
    if (count < chunk.length) this.#pending = chunk.subarray(count);
    return count;
  }

  /**
   * Writes all of `data`; resolves once it is handed to the socket. A socket that closes first
   * (a TLS peer refusing our certificate) may never call back: the write then counts as done, and
   * the next read reports what happened, as it does on a plain socket whose peer went away.
   */
  write(data: Uint8Array): Promise<number> {
    return new Promise((resolve, reject) => {
      if (this.socket.destroyed) return resolve(data.length);
      const gone = () => resolve(data.length);
      this.socket.once("close", gone).once("error", gone).once("end", gone);
      this.socket.write(data, (error) => {
        this.socket.off("close", gone).off("error", gone).off("end", gone);
        if (error) reject(error);
        else resolve(data.length);
      });
    });
  }

  /** Sends the end of the stream (after TLS close_notify on a TLS socket); the peer may still send. */
  closeWrite(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      // A socket destroyed meanwhile never finishes its end(): its close ends the wait too.
      this.socket.once("close", () => resolve());
      this.socket.end(() => resolve());
    });
  }

  close(): void {
    this.socket.destroy();
  }

  /** The error a read reports for a broken socket. */
  protected readError(error: Error): Error {
    return error;
  }
}
