/**
 * The bytes of the daemon's lock answers, encoded once where they repeat: answers without an
 * element are the same bytes every time, and grants differ only in their fencing token, so the
 * hot path copies bytes instead of encoding.
 */
import { encodeMessage } from "../protocol/codec.ts";
import { encodeUtf8 } from "../protocol/binary_string.ts";
import { MAX_CLIENT_MESSAGE_BYTES, type WaitInfo } from "../protocol/messages.ts";
import { RC } from "../protocol/return_codes.ts";

type Step = 16 | 24;

/** The answers of one daemon, whose first answers (step 16) carry its unique id. */
export class AnswerBytes {
  readonly #peerId: string;
  /** Answers without an element, keyed step * 1024 + rc (reason codes lie within ±512). */
  readonly #answers = new Map<number, Uint8Array>();
  /** Grants without an element, as the bytes before and after their token, keyed by step. */
  readonly #grants = new Map<Step, [Uint8Array, Uint8Array]>();

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
    const token = encodeUtf8(fencingToken);
    const bytes = new Uint8Array(parts[0].length + token.length + parts[1].length);
    bytes.set(parts[0]);
    bytes.set(token, parts[0].length);
    bytes.set(parts[1], parts[0].length + token.length);
    return bytes;
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
