/**
 * The bytes of the daemon's lock answers, encoded once where they repeat: answers without an
 * element are the same bytes every time, and grants differ only in their fencing token, so the
 * hot path copies bytes instead of encoding. The buffers of written grants are used again: a
 * fresh buffer for every grant cost the daemon more than the copy itself (its allocation and
 * collection).
 */
import { encodeMessage } from "../protocol/codec.ts";
import { encodeUtf8 } from "../protocol/binary_string.ts";
import { MAX_CLIENT_MESSAGE_BYTES, type WaitInfo } from "../protocol/messages.ts";
import { RC } from "../protocol/return_codes.ts";

type Step = 16 | 24;

// Grant buffers kept for reuse per length: more than are ever in flight at once in practice.
const MAX_SPARE_GRANTS = 256;

/** The answers of one daemon, whose first answers (step 16) carry its unique id. */
export class AnswerBytes {
  readonly #peerId: string;
  /** Answers without an element, keyed step * 1024 + rc (reason codes lie within ±512). */
  readonly #answers = new Map<number, Uint8Array>();
  /** Grants without an element, as the bytes before and after their token, keyed by step. */
  readonly #grants = new Map<Step, [Uint8Array, Uint8Array]>();
  /** Buffers of grants without an element whose write has ended, by length. */
  readonly #spareGrants = new Map<number, Uint8Array[]>();

  constructor(peerId: string) {
    this.#peerId = peerId;
  }

  /** An answer that is no grant: a refusal, or "enqueued". */
  answer(step: Step, rc: number): Uint8Array {
    const key = step * 1024 + rc;
    let bytes = this.#answers.get(key);
    if (bytes === undefined) {
      bytes = encodeMessage({ kind: "lockAnswer", step, ...this.#session(step), rc });
      this.#answers.set(key, bytes);
    }
    return bytes;
  }

  /** A grant with its fencing token, and the element it hands out if any. */
  grant(step: Step, element: string | undefined, fencingToken: string): Uint8Array {
    if (element !== undefined) return this.#encodeGrant(step, element, fencingToken);
    let parts = this.#grants.get(step);
    if (parts === undefined) {
      const sample = this.#encodeGrant(step, undefined, "0");
      const at = tokenOffset(sample);
      parts = [sample.slice(0, at), sample.slice(at + 1)];
      this.#grants.set(step, parts);
    }
    // Tokens are decimal digits: one byte each.
    const length = parts[0].length + fencingToken.length + parts[1].length;
    const bytes = this.#spareGrants.get(length)?.pop() ?? new Uint8Array(length);
    bytes.set(parts[0]);
    for (let i = 0, at = parts[0].length; i < fencingToken.length; i++, at++) {
      bytes[at] = fencingToken.charCodeAt(i);
    }
    bytes.set(parts[1], length - parts[1].length);
    return bytes;
  }

  /** Takes back the buffer of a grant whose write has ended. */
  recycle(bytes: Uint8Array): void {
    let spares = this.#spareGrants.get(bytes.length);
    if (spares === undefined) this.#spareGrants.set(bytes.length, spares = []);
    if (spares.length < MAX_SPARE_GRANTS) spares.push(bytes);
  }

  /**
   * The first answer to a queued request that asked who blocks it; the plain "enqueued" when
   * what the holder said about itself would make it too long for its reader.
   */
  enqueued(wait: WaitInfo | undefined): Uint8Array {
    if (wait === undefined) return this.answer(16, RC.LOCK_ENQUEUED);
    const bytes = encodeMessage({
      kind: "lockAnswer",
      step: 16,
      peerId: this.#peerId,
      rc: RC.LOCK_ENQUEUED,
      wait,
    });
    return bytes.length <= MAX_CLIENT_MESSAGE_BYTES ? bytes : this.answer(16, RC.LOCK_ENQUEUED);
  }

  #encodeGrant(step: Step, element: string | undefined, fencingToken: string): Uint8Array {
    return encodeMessage({
      kind: "lockAnswer",
      step,
      ...this.#session(step),
      rc: RC.OK,
      ...(element === undefined ? {} : { element }),
      fencingToken,
    });
  }

  #session(step: Step): { peerId?: string } {
    return step === 16 ? { peerId: this.#peerId } : {};
  }
}

// Where the sample token "0" sits in a grant's bytes: after `fencing="`.
function tokenOffset(bytes: Uint8Array): number {
  const marker = encodeUtf8(' fencing="');
  search: for (let at = 0; at + marker.length < bytes.length; at++) {
    for (let i = 0; i < marker.length; i++) if (bytes[at + i] !== marker[i]) continue search;
    return at + marker.length;
  }
  throw new Error("Cannot cache a grant: no fencing token in its bytes");
}
