/**
 * Fencing tokens: every grant of a daemon gets a number greater than every number the daemon
 * gave before, and than every number an earlier daemon gave, so that a storage service can refuse
 * a write that carries an older token than one it has seen (the holder it came from has lost the
 * lock since).
 *
 * The scheme: token = max(previous token + 1, milliseconds since the epoch × 2^22). Within a
 * daemon the tokens strictly increase. A daemon started later starts above every token of an
 * earlier one as long as the clock has not gone back between the two starts and the earlier one
 * gave, on average, fewer than 2^22 (4,194,304) tokens per millisecond of its life, which no
 * daemon comes near. Tokens are decimal text: they exceed 2^53.
 */

// 2^22 tokens per millisecond of headroom.
const PER_MILLISECOND = 1n << 22n;

/** The token source of one daemon; `now` is the clock (epoch milliseconds). */
export class FencingTokens {
  readonly #now: () => number;
  #last = 0n;

  constructor(now: () => number) {
    this.#now = now;
  }

  /** The next token. */
  next(): string {
    const floor = BigInt(Math.floor(this.#now())) * PER_MILLISECOND;
    this.#last = this.#last >= floor ? this.#last + 1n : floor;
    return this.#last.toString();
  }
}
