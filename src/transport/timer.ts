/**
 * A timer that costs a starting process next to nothing and never keeps a process alive by
 * itself. Deno's global setTimeout is Node.js's, whose first use costs a fresh process about
 * 14 ms (README, "Performance"): more than a whole lock takes. `Atomics.waitAsync` with a time
 * limit is a timer of the JavaScript engine itself (a fraction of a millisecond to arm), fires
 * while the process waits for anything else, and lets it exit when nothing else is pending.
 */

/** A running timer; `cancel` makes sure its callback is not called. */
export interface Timer {
  cancel(): void;
}

/** Calls `callback` once, `delayMs` milliseconds from now (at the earliest), unless cancelled. */
export function startTimer(delayMs: number, callback: () => void): Timer {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  let cancelled = false;
  const fire = () => {
    if (!cancelled) callback();
  };
  const wait = Atomics.waitAsync(cell, 0, 0, Math.max(0, Math.ceil(delayMs)));
  if (wait.async) {
    wait.value.then((outcome) => outcome === "timed-out" && fire());
  } else {
    queueMicrotask(fire); // a zero delay times out at once
  }
  return {
    cancel() {
      cancelled = true;
      Atomics.notify(cell, 0); // ends the wait: nothing stays behind
    },
  };
}
