import assert from "node:assert/strict";
import { LockMode } from "./lock_mode.ts";
import { newTable, request } from "./_testing.ts";

const { NullLock: NL, ConcurrentRead: CR, ConcurrentWrite: CW } = LockMode;
const { ProtectedRead: PR, ProtectedWrite: PW, Exclusive: EX } = LockMode;

// resources.md §B.1, written out rather than taken from lock_mode.ts: held (row) × requested.
const MATRIX = [
  "YYYYYY",
  "YYYYYN",
  "YYYNNN",
  "YYNYNN",
  "YYNNNN",
  "YNNNNN",
];

Deno.test("SimpleResource grants a request iff its mode is compatible with the held one", {
  permissions: "none",
}, () => {
  for (let held = 0; held < 6; held++) {
    for (let wanted = 0; wanted < 6; wanted++) {
      const { table } = newTable();
      assert.deepEqual(table.lock(1, request("R", { mode: held })).outcome, { rc: 0 });
      const expected = MATRIX[held]![wanted] === "Y" ? 0 : 4;
      const { outcome } = table.lock(2, request("R", { mode: wanted, wait: false }));
      assert.deepEqual(outcome, { rc: expected }, `held ${held}, requested ${wanted}`);
    }
  }
});

Deno.test("SimpleResource checks a request against every holder", { permissions: "none" }, () => {
  const { table } = newTable();
  table.lock(1, request("R", { mode: CR }));
  table.lock(2, request("R", { mode: PR }));
  // CW is compatible with CR but not with PR.
  assert.deepEqual(table.lock(3, request("R", { mode: CW, wait: false })).outcome, { rc: 4 });
  assert.deepEqual(table.lock(4, request("R", { mode: CR, wait: false })).outcome, { rc: 0 });
});

Deno.test("SimpleResource lets a compatible request overtake a queued one (Use case 5 1/9)", {
  permissions: "none",
}, () => {
  const { table } = newTable();
  assert.deepEqual(table.lock(1, request("R", { mode: PR })).outcome, { rc: 0 });
  assert.deepEqual(table.lock(3, request("R", { mode: PW })).outcome, { rc: 1 });
  assert.deepEqual(table.lock(2, request("R", { mode: PR })).outcome, { rc: 0 });
  assert.deepEqual(table.unlock(2, "R", false), { ok: true, notices: [] });
  assert.deepEqual(table.unlock(1, "R", false), { ok: true, notices: [{ conn: 3, rc: 0 }] });
});

Deno.test("SimpleResource grants every waiter that became compatible, head to tail", {
  permissions: "none",
}, () => {
  const { table } = newTable();
  table.lock(1, request("R", { mode: EX }));
  for (const [conn, mode] of [[2, PW], [3, EX], [4, CR], [5, PW]] as const) {
    assert.deepEqual(table.lock(conn, request("R", { mode })).outcome, { rc: 1 });
  }
  // PW is granted, then CR (compatible with PW); EX and the second PW are skipped.
  const { notices } = table.unlock(1, "R", false);
  assert.deepEqual(notices, [{ conn: 2, rc: 0 }, { conn: 4, rc: 0 }]);
  assert.deepEqual(table.stats(), { resources: 1, holders: 2, waiters: 2, parked: 0 });
  // PW is compatible with the remaining CR: the later waiter overtakes the EX one again.
  assert.deepEqual(table.unlock(2, "R", false).notices, [{ conn: 5, rc: 0 }]);
  assert.deepEqual(table.unlock(4, "R", false).notices, []);
  assert.deepEqual(table.unlock(5, "R", false).notices, [{ conn: 3, rc: 0 }]);
});

Deno.test("SimpleResource grants nothing when a waiter leaves", { permissions: "none" }, () => {
  const { table } = newTable();
  table.lock(1, request("R", { mode: PR }));
  table.lock(2, request("R", { mode: EX }));
  table.lock(3, request("R", { mode: PW }));
  assert.deepEqual(table.drop(2), []);
  assert.deepEqual(table.unlock(3, "R", false), { ok: true, notices: [] });
  assert.deepEqual(table.stats(), { resources: 1, holders: 1, waiters: 0, parked: 0 });
  assert.deepEqual(table.unlock(1, "R", false).notices, []);
});

Deno.test("SimpleResource never queues a NullLock request", { permissions: "none" }, () => {
  const { table } = newTable();
  table.lock(1, request("R", { mode: EX }));
  assert.deepEqual(table.lock(2, request("R", { mode: NL, wait: false })).outcome, { rc: 0 });
});

Deno.test("SimpleResource serves a long exclusive queue one waiter per release", {
  permissions: "none",
}, () => {
  const { table } = newTable();
  const waiters = 10_000;
  for (let conn = 0; conn <= waiters; conn++) table.lock(conn, request("R"));
  assert.deepEqual(table.stats().waiters, waiters);
  const started = performance.now();
  for (let conn = 0; conn < waiters; conn++) {
    assert.deepEqual(table.drop(conn), [{ conn: conn + 1, rc: 0 }]);
  }
  assert.ok(performance.now() - started < 1000, "draining 10,000 waiters took too long");
  assert.deepEqual(table.stats(), { resources: 1, holders: 1, waiters: 0, parked: 0 });
});
