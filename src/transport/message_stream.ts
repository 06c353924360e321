import { decodeMessage, encodeMessage } from "../protocol/codec.ts";
import { MessageFramer } from "../protocol/framing.ts";
import type { Message } from "../protocol/messages.ts";
import { ProtocolError, RC } from "../protocol/return_codes.ts";
import { type StreamConn, writeAll } from "./stream_conn.ts";

// Enough for any message a daemon accepts in one read; longer answers take two. The framer
// enforces the real per-message limit. Every idle connection of a daemon holds one.
const READ_CHUNK_BYTES = 512;

/**
 * A stream of framed protocol messages over one connection, for both sides. Reads never consume
 * more than they frame, so pipelined messages are never lost; writes are serialised so that
 * messages sent from different event-loop turns never interleave.
 */
export class MessageStream {
  readonly conn: StreamConn;
  #framer: MessageFramer;
  /** Messages framed but not yet returned: `#ready[#next]` onwards. */
  #ready: Uint8Array[] = [];
  #next = 0;
  #buffer = new Uint8Array(READ_CHUNK_BYTES);
  /** Writes not yet handed to the kernel, and the promise that settles after the last one. */
  #writesInFlight = 0;
  #lastWrite: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(conn: StreamConn, maxMessageBytes: number) {
    this.conn = conn;
    this.#framer = new MessageFramer(maxMessageBytes);
  }

  /**
   * The next message, or `null` on a clean end of stream. Throws ProtocolError for an oversized,
   * malformed or truncated message (code -126 RECV_ERROR for EOF in the middle of one), and the
   * connection's own errors (reset, closed) as they are.
   */
  async read(): Promise<Message | null> {
    while (this.#next === this.#ready.length) {
      const n = await this.conn.read(this.#buffer);
      if (n === null) {
        if (this.#framer.pendingBytes > 0) {
          throw new ProtocolError(RC.RECV_ERROR, "connection closed in the middle of a message");
        }
        return null;
      }
      this.#ready = this.#framer.push(this.#buffer.subarray(0, n));
      this.#next = 0;
    }
    return decodeMessage(this.#ready[this.#next++]!);
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
    const done = this.#writesInFlight === 0
      ? writeAll(this.conn, bytes)
      : this.#lastWrite.then(() => writeAll(this.conn, bytes));
    this.#writesInFlight++;
    // A failed write must not poison later writes' ordering chain; the caller sees the error.
    const settled = () => void this.#writesInFlight--;
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
}
