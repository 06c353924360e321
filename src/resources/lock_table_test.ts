import assert from "node:assert/strict";
import { FakeClock, newTable, request, START } from "./_testing.ts";
import { LockTable } from "./lock_table.ts";

Deno.test("LockTable.lock() answers -14 to a name of no kind", { permissions: "none" }, () => {
  const { table } = newTable();
  for (const name of ["123RA", "a_b", "/a/", "_s_x", "abc\nxyz", ""]) {
    assert.deepEqual(table.lock(1, request(name)).outcome, { rc: -14 }, name);
  }
  assert.ok(table.isEmpty);
});

Deno.test("LockTable.lock() rejects a mode outside 0..5 where the kind uses the mode", {
  permissions: "none",
}, () => {
  const { table } = newTable();
  for (const mode of [-1, 6, 2.5]) {
    assert.deepEqual(table.lock(1, request("R", { mode })).outcome, { rc: -13 });
    assert.deepEqual(table.lock(1, request("/R", { mode })).outcome, { rc: -13 });
  }
  // The wire carries no mode for the other kinds.
  assert.deepEqual(table.lock(1, request("N[1]", { mode: 9 })).outcome, { rc: 0 });
});

Deno.test("LockTable.lock() rejects a second request from a holder, a waiter or a parked one", {
  permissions: "none",
}, () => {
  const { table } = newTable();
  table.lock(1, request("R"));
  table.lock(2, request("R"));
  table.lock(3, request("P", { create: false }));
  for (const conn of [1, 2, 3]) {
    assert.deepEqual(table.lock(conn, request("S")).outcome, { rc: -13 });
  }
  assert.deepEqual(table.stats(), { resources: 1, holders: 1, waiters: 1, parked: 1 });
});

Deno.test("LockTable.lock() accepts a new request after a refusal or a release", {
  permissions: "none",
}, () => {
  const { table } = newTable();
  table.lock(1, request("R"));
  assert.deepEqual(table.lock(2, request("R", { wait: false })).outcome, { rc: 4 });
  assert.deepEqual(table.lock(2, request("S")).outcome, { rc: 0 });
  table.unlock(2, "S", false);
  assert.deepEqual(table.lock(2, request("R", { wait: false })).outcome, { rc: 4 });
  assert.deepEqual(table.stats(), { resources: 2, holders: 1, waiters: 0, parked: 0 });
});

Deno.test("LockTable.lock() without create answers 5, or 2 and parks when it may wait", {
  permissions: "none",
}, () => {
  const { table } = newTable();
  assert.deepEqual(table.lock(1, request("R", { create: false, wait: false })).outcome, { rc: 5 });
  assert.ok(table.isEmpty);
  assert.deepEqual(table.lock(1, request("R", { create: false })).outcome, { rc: 2 });
  assert.ok(!table.isEmpty);
  assert.deepEqual(table.stats(), { resources: 0, holders: 0, waiters: 0, parked: 1 });
});

Deno.test(
  "LockTable.lock() without create uses an existing resource",
  { permissions: "none" },
  () => {
    const { table } = newTable();
    table.lock(1, request("R", { mode: 3 }));
    assert.deepEqual(table.lock(2, request("R", { mode: 3, create: false })).outcome, { rc: 0 });
  },
);

Deno.test("LockTable.lock() serves parked requests after the creator's own request", {
  permissions: "none",
}, () => {
  const { table } = newTable();
  table.lock(1, request("a.b", { create: false }));
  table.lock(2, request("a.b", { create: false }));
  table.lock(3, request("a.b", { create: false }));
  table.lock(4, request("c.d", { create: false }));
  const { outcome, notices } = table.lock(5, request("a.b"));
  assert.deepEqual(outcome, { rc: 0, element: "a" });
  assert.deepEqual(notices, [
    { conn: 1, rc: 0, element: "b" },
    { conn: 2, rc: 1 },
    { conn: 3, rc: 1 },
  ]);
  assert.deepEqual(table.stats(), { resources: 1, holders: 2, waiters: 2, parked: 1 });
  assert.deepEqual(table.drop(5), [{ conn: 2, rc: 0, element: "a" }]);
});

Deno.test("LockTable.lock() hands every parked path of a tree to the root's creator", {
  permissions: "none",
}, () => {
  const { table } = newTable();
  table.lock(1, request("/bar/foo", { create: false }));
  table.lock(2, request("/bar/foo/goofy", { create: false }));
  table.lock(3, request("/baz", { create: false }));
  const { outcome, notices } = table.lock(4, request("/bar/x"));
  assert.deepEqual(outcome, { rc: 0 });
  assert.deepEqual(notices, [{ conn: 1, rc: 0 }, { conn: 2, rc: 1 }]);
});

Deno.test("LockTable.lock() refuses a parked numeric request larger than the created pool", {
  permissions: "none",
}, () => {
  const { table } = newTable();
  table.lock(1, request("N[2]", { create: false, quantity: 3 }));
  const { notices } = table.lock(2, request("N[2]"));
  assert.deepEqual(notices, [{ conn: 1, rc: 6 }]);
  assert.deepEqual(table.stats(), { resources: 1, holders: 1, waiters: 0, parked: 0 });
});

Deno.test("LockTable.drop() forgets a parked connection", { permissions: "none" }, () => {
  const { table } = newTable();
  table.lock(1, request("R", { create: false }));
  assert.deepEqual(table.drop(1), []);
  assert.ok(table.isEmpty);
  assert.deepEqual(table.lock(2, request("R")).notices, []);
});

Deno.test("LockTable.unlock() cancels a parked request", { permissions: "none" }, () => {
  const { table } = newTable();
  table.lock(1, request("R", { create: false }));
  assert.deepEqual(table.unlock(1, "S", false), { ok: false, notices: [] });
  assert.deepEqual(table.unlock(1, "R", false), { ok: true, notices: [] });
  assert.ok(table.isEmpty);
  assert.deepEqual(table.lock(1, request("S")).outcome, { rc: 0 });
});

Deno.test("LockTable.unlock() requires the locked name (the root for trees)", {
  permissions: "none",
}, () => {
  const { table } = newTable();
  assert.deepEqual(table.unlock(9, "R", false), { ok: false, notices: [] });
  table.lock(1, request("R"));
  assert.deepEqual(table.unlock(1, "S", false), { ok: false, notices: [] });
  assert.deepEqual(table.unlock(1, "/R", false), { ok: false, notices: [] });
  assert.deepEqual(table.unlock(1, "bad name", false), { ok: false, notices: [] });
  table.lock(2, request("/t/a"));
  assert.deepEqual(table.unlock(2, "/t/b/c", false), { ok: true, notices: [] });
  assert.deepEqual(table.stats().holders, 1);
});

Deno.test("LockTable.unlock() takes a waiter off the queue and grants nothing", {
  permissions: "none",
}, () => {
  const { table } = newTable();
  table.lock(1, request("R"));
  table.lock(2, request("R"));
  assert.deepEqual(table.unlock(2, "R", false), { ok: true, notices: [] });
  assert.deepEqual(table.unlock(1, "R", false), { ok: true, notices: [] });
  // Unlocking again is harmless for kinds other than sequences.
  assert.deepEqual(table.unlock(1, "R", false), { ok: true, notices: [] });
  assert.deepEqual(table.stats(), { resources: 1, holders: 0, waiters: 0, parked: 0 });
});

Deno.test("LockTable.drop() releases a holder's lock and grants the next waiter", {
  permissions: "none",
}, () => {
  const { table } = newTable();
  table.lock(1, request("R"));
  table.lock(2, request("R"));
  table.lock(3, request("R"));
  assert.deepEqual(table.drop(2), []);
  assert.deepEqual(table.drop(1), [{ conn: 3, rc: 0 }]);
  assert.deepEqual(table.drop(1), []);
  assert.deepEqual(table.stats(), { resources: 1, holders: 1, waiters: 0, parked: 0 });
});

Deno.test("LockTable retires a resource 2 s after its last connection left (idle lifespan 0)", {
  permissions: "none",
}, () => {
  const { table, clock } = newTable();
  table.lock(1, request("R"));
  table.unlock(1, "R", false);
  // A connection that released but is still open keeps the resource.
  assert.equal(table.nextDeadline(), undefined);
  clock.advance(10_000);
  table.drop(1);
  assert.equal(table.nextDeadline(), START + 12_000);
  clock.advance(1999);
  assert.deepEqual(table.tick(), []);
  assert.equal(table.stats().resources, 1);
  clock.advance(1);
  assert.deepEqual(table.tick(), []);
  assert.ok(table.isEmpty);
  assert.equal(table.nextDeadline(), undefined);
});

Deno.test("LockTable retires a resource its idle lifespan + 1 s after its last connection left", {
  permissions: "none",
}, () => {
  const { table, clock } = newTable();
  table.lock(1, request("R", { lifespan: 5000 }));
  // Only the creating request's lifespan counts.
  table.lock(2, request("R", { lifespan: 100, mode: 0 }));
  table.drop(1);
  table.drop(2);
  assert.equal(table.nextDeadline(), START + 6000);
  clock.advance(5999);
  table.tick();
  assert.ok(!table.isEmpty);
  clock.advance(1);
  table.tick();
  assert.ok(table.isEmpty);
});

Deno.test("LockTable keeps an idle resource alive when a connection comes back in time", {
  permissions: "none",
}, () => {
  const { table, clock } = newTable();
  table.lock(1, request("a.b"));
  table.drop(1);
  clock.advance(1500);
  assert.deepEqual(table.lock(2, request("a.b")).outcome, { rc: 0, element: "b" });
  assert.equal(table.nextDeadline(), undefined);
  clock.advance(5000);
  table.drop(2);
  assert.equal(table.nextDeadline(), START + 8500);
});

Deno.test("LockTable frees a refused connection's resource when it locks another one", {
  permissions: "none",
}, () => {
  const { table, clock } = newTable();
  table.lock(1, request("N[1]", { quantity: 2 }));
  assert.equal(table.nextDeadline(), undefined);
  table.lock(1, request("R"));
  assert.equal(table.nextDeadline(), START + 2000);
  clock.advance(2000);
  table.tick();
  assert.equal(table.stats().resources, 1);
});

Deno.test("LockTable creates a fresh resource when the idle one expired before tick()", {
  permissions: "none",
}, () => {
  const { table, clock } = newTable();
  table.lock(1, request("a.b"));
  table.drop(1);
  clock.advance(2000);
  assert.deepEqual(table.lock(2, request("a.b", { create: false })).outcome, { rc: 2 });
  assert.deepEqual(table.lock(3, request("a.b")), {
    outcome: { rc: 0, element: "a" },
    notices: [{ conn: 2, rc: 0, element: "b" }],
  });
});

// How fast is a benchmark's question (lock_table_bench.ts, `deno task bench`), not a test's.
Deno.test("LockTable locks, releases and retires 100,000 distinct resources", {
  permissions: "none",
}, () => {
  const { table, clock } = newTable();
  const count = 100_000;
  for (let conn = 0; conn < count; conn++) {
    assert.equal(table.lock(conn, request(`R${conn}`)).outcome.rc, 0);
  }
  assert.deepEqual(table.stats(), { resources: count, holders: count, waiters: 0, parked: 0 });
  for (let conn = 0; conn < count; conn++) {
    table.unlock(conn, `R${conn}`, false);
    table.drop(conn);
  }
  clock.advance(2000);
  table.tick();
  assert.ok(table.isEmpty);
});

/** A lock table on a fake clock whose wait observer records what it is told. */
function observedTable() {
  const told: (number | "abandoned")[] = [];
  const clock = new FakeClock();
  const table = new LockTable({
    now: clock.now,
    waits: { granted: (ms) => told.push(ms), abandoned: () => told.push("abandoned") },
  });
  return { table, clock, told };
}

Deno.test("LockTable tells its wait observer how long a queued request waited for its grant", {
  permissions: "none",
}, () => {
  const { table, clock, told } = observedTable();
  table.lock(1, request("R"));
  clock.advance(100);
  table.lock(2, request("R"));
  clock.advance(250);
  table.lock(3, request("R", { mode: 3 }));
  assert.deepEqual(told, [], "immediate grants and queueing tell nothing");
  clock.advance(1000);
  assert.deepEqual(table.unlock(1, "R", false).notices, [{ conn: 2, rc: 0 }]);
  assert.deepEqual(told, [1250]);
  clock.advance(500);
  assert.deepEqual(table.drop(2), [{ conn: 3, rc: 0 }]);
  assert.deepEqual(told, [1250, 1500]);
});

Deno.test("LockTable tells its wait observer of a parked request granted when its resource came", {
  permissions: "none",
}, () => {
  const { table, clock, told } = observedTable();
  table.lock(1, request("a.b", { create: false }));
  table.lock(2, request("a.b", { create: false }));
  table.lock(3, request("a.b", { create: false }));
  clock.advance(40);
  table.lock(4, request("a.b"));
  // The first parked request gets the second member; the others queue: not granted yet.
  assert.deepEqual(told, [40]);
});

Deno.test(
  "LockTable tells its wait observer of every wait abandoned: queued or parked, dropped or unlocked",
  {
    permissions: "none",
  },
  () => {
    const { table, told } = observedTable();
    table.lock(1, request("R"));
    table.lock(2, request("R"));
    table.lock(3, request("R"));
    table.lock(4, request("P", { create: false }));
    table.lock(5, request("Q", { create: false }));
    table.drop(2);
    table.unlock(3, "R", false);
    table.drop(4);
    table.unlock(5, "Q", false);
    assert.deepEqual(told, ["abandoned", "abandoned", "abandoned", "abandoned"]);
    // A holder's release and a refused request abandon nothing.
    table.lock(6, request("R", { wait: false }));
    table.drop(6);
    table.drop(1);
    assert.equal(told.length, 4);
  },
);
