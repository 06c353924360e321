import assert from "node:assert/strict";
import type { LockOutcome, Notice } from "./lock_table.ts";
import { formatTimestamp, timestampGrain, TimestampResource } from "./timestamp.ts";
import { newTable, request, START } from "./_testing.ts";
import { parseResourceName, type ResourceName } from "./names.ts";

function element(outcome: LockOutcome | Notice): string {
  assert.equal(outcome.rc, 0);
  return (outcome as { element: string }).element;
}

Deno.test("timestampGrain() takes the finest fraction marker, else the finest time field", {
  permissions: "none",
}, () => {
  const cases: [string, number | undefined][] = [
    ["a%S#ffffff", 1],
    ["%S#fffff", 10],
    ["%S#ffff", 100],
    ["%H#fff", 1_000],
    ["%M#ff", 10_000],
    ["%S#f", 100_000],
    ["x#f#fff", 1_000],
    ["a%S", 1_000_000],
    ["%c", 1_000_000],
    ["%r", 1_000_000],
    ["%s", 1_000_000],
    ["%T", 1_000_000],
    ["%X", 1_000_000],
    ["%M", 60_000_000],
    ["%R", 60_000_000],
    ["%H", 3_600_000_000],
    ["%I", 3_600_000_000],
    ["invalid%a%A%b%B%C%d%D%e%F%g%G%h%j%k%l%m%n%p%u%U%V%w%W%x%y%Y%z%Z", undefined],
  ];
  for (const [format, grain] of cases) assert.equal(timestampGrain(format), grain, format);
});

Deno.test("formatTimestamp() replaces #f markers with truncated microseconds", {
  permissions: "none",
}, () => {
  const at = START + 5_123.987; // 10:20:35.123987
  assert.equal(formatTimestamp("%S#fff", at), "35.123");
  assert.equal(
    formatTimestamp("%S#ffffff|#f|#ff|#ffff|#fffff", at),
    "35.123987|.1|.12|.1239|.12398",
  );
  assert.equal(formatTimestamp("#fffffff", at), ".123987f");
  assert.equal(formatTimestamp("tmstmp%s", at), `tmstmp${(START + 5_000) / 1000}`);
  const local = new Date(START + 5_000);
  const hh = String(local.getHours()).padStart(2, "0");
  assert.equal(formatTimestamp("%H", at), hh);
});

Deno.test("TimestampResource cannot be created from a format without a time field", {
  permissions: "none",
}, () => {
  const { table } = newTable();
  const name = "_t_invalid%a%A%b%B%C%d%D%e%F%g%G%h%j%k%l%m%n%p%u%U%V%w%W%x%y%Y%z%Z[1]";
  assert.deepEqual(table.lock(1, request(name)).outcome, { rc: -25 });
  assert.ok(table.isEmpty);
  const fine = name.replace("[1]", "#f[1]");
  assert.equal(table.lock(1, request(fine)).outcome.rc, 0);
});

Deno.test("TimestampResource grants at most once per grain, waiters at the next boundary", {
  permissions: "none",
}, () => {
  const { table, clock } = newTable();
  clock.advance(250); // 10:20:30.250
  const name = "_t_tmstmp%S[3]";
  assert.equal(element(table.lock(1, request(name)).outcome), "tmstmp30");
  assert.deepEqual(table.lock(2, request(name, { wait: false })).outcome, { rc: 4 });
  assert.deepEqual(table.lock(2, request(name)).outcome, { rc: 1 });
  assert.deepEqual(table.lock(3, request(name)).outcome, { rc: 1 });
  assert.equal(table.nextDeadline(), START + 1000);
  clock.advance(749);
  assert.deepEqual(table.tick(), []);
  clock.advance(1);
  const [first, ...rest] = table.tick();
  assert.deepEqual(rest, []);
  assert.deepEqual(first, { conn: 2, rc: 0, element: "tmstmp31" });
  assert.equal(table.nextDeadline(), START + 2000);
  clock.advance(1000);
  assert.deepEqual(table.tick(), [{ conn: 3, rc: 0, element: "tmstmp32" }]);
  assert.equal(table.nextDeadline(), undefined);
});

Deno.test("TimestampResource gives five waiters five distinct tenths of a second", {
  permissions: "none",
}, () => {
  const { table, clock } = newTable();
  const name = "_t_tmstmp%S#f[4]";
  const values = [element(table.lock(0, request(name)).outcome)];
  for (let conn = 1; conn < 5; conn++) assert.equal(table.lock(conn, request(name)).outcome.rc, 1);
  for (let conn = 1; conn < 5; conn++) {
    clock.time = table.nextDeadline()!;
    const notices = table.tick();
    assert.deepEqual(notices.map((n) => n.conn), [conn]);
    values.push(element(notices[0]!));
    // Four slots: the fifth waiter also needs the first holder gone.
    if (conn === 3) table.drop(0);
  }
  assert.deepEqual(values, ["tmstmp30.0", "tmstmp30.1", "tmstmp30.2", "tmstmp30.3", "tmstmp30.4"]);
});

Deno.test("TimestampResource grants a waiter on release when the grain has changed", {
  permissions: "none",
}, () => {
  const { table, clock } = newTable();
  const name = "_t_a%S[1]";
  table.lock(1, request(name));
  assert.deepEqual(table.lock(2, request(name)).outcome, { rc: 1 });
  // No free slot: only a release can help.
  assert.equal(table.nextDeadline(), undefined);
  clock.advance(1500);
  assert.deepEqual(table.unlock(1, name, false).notices, [{ conn: 2, rc: 0, element: "a31" }]);
});

Deno.test("TimestampResource serves a waiter freed within the same grain at the boundary", {
  permissions: "none",
}, () => {
  const { table, clock } = newTable();
  const name = "_t_a%S[1]";
  table.lock(1, request(name));
  table.lock(2, request(name));
  clock.advance(300);
  assert.deepEqual(table.unlock(1, name, false).notices, []);
  assert.equal(table.nextDeadline(), START + 1000);
  clock.advance(700);
  assert.deepEqual(table.tick(), [{ conn: 2, rc: 0, element: "a31" }]);
});

Deno.test(
  "TimestampResource wakes up punctually on a microsecond grain",
  { permissions: "none" },
  () => {
    const { table, clock } = newTable();
    clock.advance(0.0123); // 12.3 µs past the second
    const name = "_t_x%S#ffffff[2]";
    assert.equal(element(table.lock(1, request(name)).outcome), "x30.000012");
    assert.deepEqual(table.lock(2, request(name)).outcome, { rc: 1 });
    clock.time = table.nextDeadline()!;
    assert.deepEqual(table.tick(), [{ conn: 2, rc: 0, element: "x30.000013" }]);
  },
);

Deno.test("TimestampResource keeps its last grant as state, and books holders granted elsewhere", {
  permissions: "none",
}, () => {
  const at = Date.UTC(2026, 11, 7, 10, 20, 30, 250);
  const name = parseResourceName("_t_x%S[2]") as Extract<ResourceName, { kind: "timestamp" }>;
  const first = TimestampResource.create(name, () => at)!;
  assert.equal(first.lock(1, name, { mode: 0, quantity: 0, wait: true }).rc, 0);
  assert.deepEqual(first.state(), { last: at * 1000 });
  // Another copy of the resource, rebuilt from that state and its holder, grants nothing more in
  // this second and has one slot left; a state that is not one is ignored.
  const copy = TimestampResource.create(name, () => at + 500)!;
  copy.restoreState({ last: "soon" });
  copy.restoreState(first.state());
  assert.equal(copy.restore(1, "x30"), true);
  assert.deepEqual(copy.lock(2, name, { mode: 0, quantity: 0, wait: false }), { rc: 4 });
  assert.equal(copy.restore(3, "x29"), true);
  assert.equal(copy.restore(4, "x28"), false);
});
