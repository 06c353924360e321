/**
 * A runtime timer for a deadline that moves often and rarely comes: moving it later or dropping
 * it costs nothing (the armed timer fires early, finds nothing due and re-arms), and only an
 * earlier deadline re-arms at once. Lock traffic moves the daemon's deadlines on every message;
 * clearing and setting a runtime timer each time was a measurable share of its CPU per lock.
 */
import { startTimer, type Timer } from "../transport/timer.ts";

/** The runtime's timer functions; injected by tests. */
export interface Timers {
  set(callback: () => void, delayMs: number): unknown;
  clear(timer: unknown): void;
}

// Timers that cost a starting daemon nothing to load (transport/timer.ts); the daemon's
// pending accept keeps it alive while they run.
const RUNTIME_TIMERS: Timers = {
  set: (callback, delayMs) => startTimer(delayMs, callback),
  clear: (timer) => (timer as Timer).cancel(),
};

export class Alarm {
  readonly #now: () => number;
  readonly #ring: () => void;
  readonly #timers: Timers;
  /** When it should ring (epoch ms); undefined: never. */
  #at: number | undefined;
  /** When the runtime timer fires; undefined: none is armed. */
  #armedAt: number | undefined;
  #timer: unknown;

  /** `ring` is called once each time a deadline given to `set` has come. */
  constructor(now: () => number, ring: () => void, timers: Timers = RUNTIME_TIMERS) {
    this.#now = now;
    this.#ring = ring;
    this.#timers = timers;
  }

  /** Rings at `at` (epoch milliseconds), or never. Replaces the previous deadline. */
  set(at: number | undefined): void {
    this.#at = at;
    if (at === undefined || (this.#armedAt !== undefined && this.#armedAt <= at)) return;
    if (this.#timer !== undefined) this.#timers.clear(this.#timer);
    this.#arm(at);
  }

  /** Disarms for good (until the next `set`). */
  cancel(): void {
    if (this.#timer !== undefined) this.#timers.clear(this.#timer);
    this.#at = this.#armedAt = this.#timer = undefined;
  }

  #arm(at: number): void {
    this.#armedAt = at;
    this.#timer = this.#timers.set(() => this.#fire(), Math.max(0, at - this.#now()));
  }

  #fire(): void {
    this.#armedAt = this.#timer = undefined;
    const at = this.#at;
    if (at === undefined) return;
    if (at > this.#now()) {
      this.#arm(at);
      return;
    }
    this.#at = undefined;
    this.#ring();
  }
}
