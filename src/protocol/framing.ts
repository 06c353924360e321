/**
 * Splits a byte stream into messages (docs/compatibility.md, "Wire protocol"): a message ends at
 * the first
 * `</msg>`, with no length prefix and nothing in between messages.
 */

import { ProtocolError } from "../errors.ts";
import { RC } from "./return_codes.ts";
import { encodeUtf8 } from "./binary_string.ts";

// Not the runtime's TextEncoder, whose first use costs every short-lived client a quarter of a
// millisecond (see binary_string.ts).
const TERMINATOR = encodeUtf8("</msg>");
const TERMINATOR_START = 0x3c; // "<", which occurs only once in the terminator

/** Cuts a stream at each `</msg>`, refusing messages longer than a limit. */
export class MessageFramer {
  readonly #maxBytes: number;
  // The pending part never exceeds the limit, so a buffer of that size is enough. Made only
  // when a message arrives in pieces: most arrive whole, and a daemon holds a framer for each
  // of its many idle connections.
  #pending: Uint8Array | undefined;
  #pendingLength = 0;
  // How many terminator bytes end the pending part, so a split terminator is found without
  // scanning old bytes again.
  #matched = 0;

  /** `maxBytes` is the longest message accepted, terminator included. */
  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  /**
   * Appends bytes; returns every complete message (each ending with `</msg>`, the terminator
   * included), in order. Bytes after the last terminator are kept for the next call. A message
   * that lies wholly in `chunk` is a view of it, not a copy: read it before `chunk` changes.
   *
   * @throws {ProtocolError} `RC.BUFFER_OVERFLOW` from the push that makes a message, or the
   * pending, unterminated part, longer than `maxBytes` (terminator included).
   * Messages completed earlier in the same chunk are lost with it; the stream is unusable after.
   */
  push(chunk: Uint8Array): Uint8Array[] {
    const messages: Uint8Array[] = [];
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      if (this.#matched === 0) {
        // Outside a terminator only its first byte matters: the runtime's native search finds
        // it, where a loop over every byte in JavaScript cost the daemon a microsecond a pair.
        i = chunk.indexOf(TERMINATOR_START, i);
        if (i === -1) break;
      }
      const byte = chunk[i];
      if (byte === TERMINATOR[this.#matched]) this.#matched++;
      else this.#matched = byte === TERMINATOR_START ? 1 : 0;
      if (this.#matched === TERMINATOR.length) {
        const length = this.#pendingLength + i + 1 - start;
        if (length > this.#maxBytes) throw this.#overflow();
        if (this.#pendingLength === 0) {
          messages.push(chunk.subarray(start, i + 1));
        } else {
          const message = new Uint8Array(length);
          message.set(this.#pending!.subarray(0, this.#pendingLength));
          message.set(chunk.subarray(start, i + 1), this.#pendingLength);
          messages.push(message);
        }
        this.#pendingLength = 0;
        this.#matched = 0;
        start = i + 1;
      }
    }
    if (start < chunk.length) {
      if (this.#pendingLength + chunk.length - start > this.#maxBytes) throw this.#overflow();
      this.#pending ??= new Uint8Array(this.#maxBytes);
      this.#pending.set(chunk.subarray(start), this.#pendingLength);
      this.#pendingLength += chunk.length - start;
    }
    return messages;
  }

  #overflow(): ProtocolError {
    return new ProtocolError(RC.BUFFER_OVERFLOW, `message longer than ${this.#maxBytes} bytes`);
  }

  /**
   * Bytes received but not yet part of a complete message (a half message at EOF is an error for
   * the caller).
   */
  get pendingBytes(): number {
    return this.#pendingLength;
  }
}
