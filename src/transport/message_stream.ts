import { ProtocolError } from "../errors.ts";
import { decodeMessage, encodeMessage } from "../protocol/codec.ts";
import { MessageFramer } from "../protocol/framing.ts";
import type { Message } from "../protocol/messages.ts";
import { RC } from "../protocol/return_codes.ts";
import { type StreamConn, writeAll } from "./stream_conn.ts";

// Enough for any message a daemon accepts in one read; longer answers take two. The framer
// enforces the real per-message limit. Every idle connection of a daemon holds one.
const READ_CHUNK_BYTES = 512;

const NOTHING_FRAMED: readonly Uint8Array[] = [];

/** Receives the messages of a stream that `MessageStream.pump` reads. */
export interface MessageHandler {
  /** One message; returns false to stop reading. */
  onMessage(message: Message): boolean;
  /**
   * Reading has ended, once: at the end of the stream or when `onMessage` returned false (no
   * `error`), or because of an error (as `MessageStream.read` throws).
   */
  onEnd(error?: unknown): void;
}

/**
 * A stream of framed protocol messages over one connection, for both sides. Reads never consume
 * more than they frame, so pipelined messages are never lost; writes are serialised so that
 * messages sent from different event-loop turns never interleave. `using` closes it at the end of
 * its scope.
 */
export class MessageStream implements Disposable {
  readonly conn: StreamConn;
  #framer: MessageFramer;
  /** Messages framed but not yet returned: `#ready[#next]` onwards. */
  #ready: readonly Uint8Array[] = NOTHING_FRAMED;
  #next = 0;
  #buffer: Uint8Array;
  /** Writes not yet handed to the kernel, and the promise that settles after the last one. */
  #writesInFlight = 0;
  #lastWrite: Promise<void> | undefined;
  #closed = false;

  /**
   * `readBuffer` (at least 512 bytes) may come from a stream that has ended, to save the
   * allocation: a daemon recycles them (see `readBuffer`).
   */
  constructor(conn: StreamConn, maxMessageBytes: number, readBuffer?: Uint8Array) {
    this.conn = conn;
    this.#framer = new MessageFramer(maxMessageBytes);
    this.#buffer = readBuffer ?? new Uint8Array(READ_CHUNK_BYTES);
  }

  /** The buffer reads go to: free for another stream once reading has ended. */
  get readBuffer(): Uint8Array {
    return this.#buffer;
  }

  /**
   * The next message, or `null` on a clean end of stream. Throws ProtocolError for an oversized,
   * malformed or truncated message (code -126 RECV_ERROR for EOF in the middle of one), and the
   * connection's own errors (reset, closed) as they are.
   */
  async read(): Promise<Message | null> {
    while (this.#next === this.#ready.length) {
      if (!this.#frame(await this.conn.read(this.#buffer))) return null;
    }
    return this.#take();
  }

  /**
   * Reads until the end of the stream, handing each message to `handler`. While it waits, a
   * connection costs its pending read and this one suspended call, no closure or promise chain
   * of its own: a daemon holds thousands of connections.
   */
  async pump(handler: MessageHandler): Promise<void> {
    let failure: unknown;
    try {
      reading: for (;;) {
        while (this.#next < this.#ready.length) {
          if (!handler.onMessage(this.#take())) break reading;
        }
        if (!this.#frame(await this.conn.read(this.#buffer))) break;
      }
    } catch (error) {
      failure = error;
    }
    handler.onEnd(failure);
  }

  /** Frames the `n` bytes just read into the buffer; false at a clean end of stream. */
  #frame(n: number | null): boolean {
    if (n === null) {
      if (this.#framer.pendingBytes > 0) {
        throw new ProtocolError(RC.RECV_ERROR, "connection closed in the middle of a message");
      }
      return false;
    }
    this.#ready = this.#framer.push(this.#buffer.subarray(0, n));
    this.#next = 0;
    return true;
  }

  /** Decodes the next framed message; the consumed bytes are not kept. */
  #take(): Message {
    const bytes = this.#ready[this.#next++]!;
    if (this.#next === this.#ready.length) {
      this.#ready = NOTHING_FRAMED;
      this.#next = 0;
    }
    return decodeMessage(bytes);
  }

  /** Sends one message as one buffer; resolves when it has been handed to the kernel. */
  write(message: Message): Promise<void> {
    return this.writeBytes(encodeMessage(message));
  }

  /**
   * Sends the bytes of whole messages. With no write in flight they go to the connection at once,
   * within this call, not in a later turn: a hand-off reaches the kernel in the event-loop turn
   * that decided it.
   */
  writeBytes(bytes: Uint8Array): Promise<void> {
    const done = this.#lastWrite === undefined
      ? writeAll(this.conn, bytes)
      : this.#lastWrite.then(() => writeAll(this.conn, bytes));
    this.#writesInFlight++;
    // A failed write must not poison later writes' ordering chain; the caller sees the error.
    const settled = () => {
      if (--this.#writesInFlight === 0) this.#lastWrite = undefined;
    };
    this.#lastWrite = done.then(settled, settled);
    return done;
  }

  /** Half-closes: tells the peer no more messages follow. Errors (peer gone) are ignored. */
  async closeWrite(): Promise<void> {
    await this.#lastWrite;
    try {
      await this.conn.closeWrite();
    } catch {
      // The peer may already have closed; nothing is left to tell it.
    }
  }

  /** Closes the connection once; later calls do nothing. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.conn.close();
    } catch {
      // Already closed by the runtime after an error.
    }
  }

  /** Closes, as close() does. */
  [Symbol.dispose](): void {
    this.close();
  }
}
