import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { Alarm, type Timers } from "./alarm.ts";

/** A fake clock with fake timers: `advance` fires what has come, in order. */
function fakeTime() {
  let now = 0;
  let next = 1;
  const pending = new Map<number, { at: number; callback: () => void }>();
  const armed: number[] = [];
  const timers: Timers = {
    set(callback, delayMs) {
      armed.push(now + delayMs);
      pending.set(next, { at: now + delayMs, callback });
      return next++;
    },
    clear: (timer) => void pending.delete(timer as number),
  };
  const advance = (to: number) => {
    for (;;) {
      const due = [...pending].filter(([, t]) => t.at <= to).sort((a, b) => a[1].at - b[1].at)[0];
      if (due === undefined) break;
      pending.delete(due[0]);
      now = due[1].at;
      due[1].callback();
    }
    now = to;
  };
  return { now: () => now, timers, advance, armed, pending };
}

Deno.test("Alarm rings once at its deadline", { permissions: "none" }, () => {
  const time = fakeTime();
  const rings: number[] = [];
  const alarm = new Alarm(time.now, () => rings.push(time.now()), time.timers);
  alarm.set(100);
  time.advance(99);
  deepStrictEqual(rings, []);
  time.advance(1000);
  deepStrictEqual(rings, [100]);
});

Deno.test("Alarm moved later or dropped arms no new timer until the armed one fires", {
  permissions: "none",
}, () => {
  const time = fakeTime();
  const rings: number[] = [];
  const alarm = new Alarm(time.now, () => rings.push(time.now()), time.timers);
  alarm.set(100);
  for (let at = 101; at < 1000; at++) alarm.set(at);
  alarm.set(undefined);
  alarm.set(500);
  deepStrictEqual(time.armed, [100]);
  time.advance(2000);
  // The early timer re-armed once for the deadline it found.
  deepStrictEqual(time.armed, [100, 500]);
  deepStrictEqual(rings, [500]);
});

Deno.test("Alarm moved earlier re-arms at once", { permissions: "none" }, () => {
  const time = fakeTime();
  const rings: number[] = [];
  const alarm = new Alarm(time.now, () => rings.push(time.now()), time.timers);
  alarm.set(1000);
  alarm.set(10);
  time.advance(20);
  deepStrictEqual(rings, [10]);
  strictEqual(time.pending.size, 0);
});

Deno.test("Alarm dropped before its timer fires does not ring", { permissions: "none" }, () => {
  const time = fakeTime();
  let rang = false;
  const alarm = new Alarm(time.now, () => rang = true, time.timers);
  alarm.set(10);
  alarm.set(undefined);
  time.advance(100);
  strictEqual(rang, false);
  alarm.set(200);
  alarm.cancel();
  time.advance(300);
  strictEqual(rang, false);
  strictEqual(time.pending.size, 0);
});
