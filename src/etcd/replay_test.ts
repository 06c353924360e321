import assert from "node:assert/strict";
import { RC } from "../protocol/return_codes.ts";
import { LockMode } from "../resources/lock_mode.ts";
import { replay, type StoredRequest } from "./replay.ts";

function simple(mode: LockMode, granted: boolean, wait = true): StoredRequest {
  return { name: "db", mode, quantity: 0, wait, granted };
}

function units(quantity: number, granted: boolean, wait = true): StoredRequest {
  return { name: "pool[4]", mode: 0, quantity, wait, granted };
}

Deno.test("replay() grants a new request compatible with the holders and queues the others", () => {
  const held = [simple(LockMode.ProtectedRead, true)];
  const { grantable, added } = replay(held, [
    simple(LockMode.ProtectedRead, false),
    simple(LockMode.Exclusive, false),
    simple(LockMode.Exclusive, false, false),
  ]);
  assert.deepEqual(grantable, []);
  assert.deepEqual(added.map((result) => result.rc), [
    RC.OK,
    RC.LOCK_ENQUEUED,
    RC.LOCK_BUSY,
  ]);
});

Deno.test("replay() grants waiters once the holder is gone, in FIFO order", () => {
  const stored = [
    simple(LockMode.Exclusive, false),
    simple(LockMode.Exclusive, false),
    simple(LockMode.ProtectedRead, false),
  ];
  assert.deepEqual(replay(stored, []).grantable, [{ index: 0 }]);
  // A waiter the rules grant counts as a holder for the requests behind it.
  const { added } = replay(stored, [simple(LockMode.NullLock, false)]);
  assert.deepEqual(added.map((result) => result.rc), [RC.OK]);
});

Deno.test("replay() lets a compatible waiter overtake a blocked one, as the lock table does", () => {
  const stored = [
    simple(LockMode.ProtectedRead, true),
    simple(LockMode.Exclusive, false),
    simple(LockMode.ProtectedRead, false),
  ];
  assert.deepEqual(replay(stored, []).grantable, [{ index: 2 }]);
});

Deno.test("replay() never grants more units than a numeric resource has", () => {
  const stored = [units(3, true), units(2, false), units(1, false)];
  assert.deepEqual(replay(stored, []).grantable, [{ index: 2 }]);
  const { added } = replay(stored, [units(1, false), units(5, false)]);
  assert.deepEqual(added.map((result) => result.rc), [RC.LOCK_ENQUEUED, RC.LOCK_IMPOSSIBLE]);
});

Deno.test("replay() applies the hierarchy: a holder of /a blocks /a/b, not /c", () => {
  const stored: StoredRequest[] = [
    { name: "/a", mode: LockMode.Exclusive, quantity: 0, wait: true, granted: true },
  ];
  const request = (name: string): StoredRequest => ({
    name,
    mode: LockMode.Exclusive,
    quantity: 0,
    wait: false,
    granted: false,
  });
  const { added } = replay(stored, [request("/a/b")]);
  assert.deepEqual(added.map((result) => result.rc), [RC.LOCK_BUSY]);
});

/** A request of a kind with elements (sets, sequences): held with `element`, or waiting. */
function withElement(name: string, granted: boolean, element?: string): StoredRequest {
  return {
    name,
    mode: 0,
    quantity: 0,
    wait: true,
    granted,
    ...(element === undefined ? {} : { element }),
  };
}

const member = (granted: boolean, element?: string) =>
  withElement("red.green.red", granted, element);

Deno.test("replay() keeps a set's holders on the members they were given, and hands out the others", () => {
  // Green is held: a fresh set would hand out red first, then green again.
  const { added } = replay([member(true, "green")], [member(false), member(false), member(false)]);
  assert.deepEqual(added, [
    { rc: RC.OK, element: "red" },
    { rc: RC.OK, element: "red" }, // the name's second red is a member of its own
    { rc: RC.LOCK_ENQUEUED },
  ]);
});

Deno.test("replay() grants a set's waiter the member a holder freed", () => {
  const stored = [member(true, "red"), member(true, "red"), member(false)];
  assert.deepEqual(replay(stored, []).grantable, [{ index: 2, element: "green" }]);
  const full = [member(true, "red"), member(true, "green"), member(true, "red"), member(false)];
  assert.deepEqual(replay(full, []).grantable, []);
});

const sequence = withElement;

Deno.test("replay() hands out a sequence's values from the state the last decision left", () => {
  const fresh = replay([], [sequence("_s_seq[3]", false), sequence("_s_seq[3]", false)]);
  assert.deepEqual(fresh.added, [{ rc: RC.OK, element: "1" }, { rc: RC.OK, element: "2" }]);
  assert.deepEqual(fresh.state, { next: 3 });
  const later = replay(
    [sequence("_s_seq[3]", true, "1"), sequence("_s_seq[3]", true, "2")],
    [sequence("_s_seq[3]", false), sequence("_s_seq[3]", false)],
    { state: fresh.state },
  );
  assert.deepEqual(later.added, [{ rc: RC.OK, element: "3" }, { rc: RC.LOCK_ENQUEUED }]);
  assert.deepEqual(later.state, { next: 4 });
});

Deno.test("replay() gives a rolled-back value of a transactional sequence to the next request", () => {
  const holder = sequence("_S_seq[2]", true, "1");
  for (const [rollback, element] of [[true, "1"], [false, "3"]] as const) {
    const { added, state } = replay([], [sequence("_S_seq[2]", false)], {
      state: { next: 3 },
      released: [{ request: holder, rollback }],
    });
    assert.deepEqual(added, [{ rc: RC.OK, element }]);
    assert.deepEqual(state, { next: element === "1" ? 3 : 4 });
  }
  // A value given back and not yet handed out stays in the state.
  const { state } = replay([], [], {
    state: { next: 3 },
    released: [{ request: holder, rollback: true }],
  });
  assert.deepEqual(state, { next: 3, rolledBack: [1] });
});

Deno.test("replay() ignores a state that is not the kind's", () => {
  const { added } = replay([], [sequence("_s_seq[2]", false)], { state: { next: "x" } });
  assert.deepEqual(added, [{ rc: RC.OK, element: "1" }]);
});

Deno.test("replay() spaces a timestamp's grants by its grain from the last decision's state", () => {
  const stamp = (granted: boolean, element?: string) =>
    withElement("_t_x%S#f[3]", granted, element);
  // 10:00:05.230 UTC on some day, in epoch ms; the grain of #f is a tenth of a second.
  const at = Date.UTC(2026, 11, 7, 10, 0, 5, 230);
  const first = replay([], [stamp(false), stamp(false)], { now: () => at });
  assert.equal(first.added[0]!.rc, RC.OK);
  assert.deepEqual(first.added[1], { rc: RC.LOCK_ENQUEUED });
  assert.deepEqual(first.state, { last: at * 1000 });
  // The waiter may have the next tenth.
  assert.equal(first.deadline, Date.UTC(2026, 11, 7, 10, 0, 5, 300));
  const held = (first.added[0] as { element: string }).element;
  const stored = [stamp(true, held), stamp(false)];
  // Another daemon deciding within the same tenth grants nothing, even with its clock behind.
  assert.deepEqual(replay(stored, [], { state: first.state, now: () => at + 50 }).grantable, []);
  assert.deepEqual(replay(stored, [], { state: first.state, now: () => at - 2000 }).grantable, []);
  const later = replay(stored, [], { state: first.state, now: () => at + 80 });
  assert.equal(later.grantable.length, 1);
  assert.notEqual(later.grantable[0]!.element, held);
  assert.deepEqual(later.state, { last: (at + 80) * 1000 });
  assert.equal(later.deadline, undefined);
});
