import assert from "node:assert/strict";
import { LockMode } from "./lock_mode.ts";
import type { LockTable } from "./lock_table.ts";
import { newTable, request } from "./_testing.ts";

const { ConcurrentRead: CR, ProtectedRead: PR, ProtectedWrite: PW, Exclusive: EX } = LockMode;

function lock(table: LockTable, conn: number, name: string, mode: LockMode = EX): number {
  return table.lock(conn, request(name, { mode })).outcome.rc;
}

Deno.test("HierarchicalResource keeps sibling roots independent (Use case 14 1/6)", {
  permissions: "none",
}, () => {
  const { table } = newTable();
  assert.deepEqual([lock(table, 1, "/apple"), lock(table, 2, "/pear"), lock(table, 3, "/banana")], [
    0,
    0,
    0,
  ]);
  assert.equal(table.stats().resources, 3);
});

Deno.test("HierarchicalResource makes descendants wait for a locked parent (Use case 14 2/6)", {
  permissions: "none",
}, () => {
  const { table } = newTable();
  assert.equal(lock(table, 1, "/apple"), 0);
  assert.equal(lock(table, 2, "/apple/pear"), 1);
  assert.equal(lock(table, 3, "/apple/pear/banana"), 1);
  assert.deepEqual(table.unlock(1, "/apple", false).notices, [{ conn: 2, rc: 0 }]);
  assert.deepEqual(table.unlock(2, "/apple/pear", false).notices, [{ conn: 3, rc: 0 }]);
});

Deno.test("HierarchicalResource makes ancestors wait for a locked child (Use case 14 3/6)", {
  permissions: "none",
}, () => {
  const { table } = newTable();
  assert.equal(lock(table, 1, "/apple/pear/banana"), 0);
  assert.equal(lock(table, 2, "/apple/pear"), 1);
  assert.equal(lock(table, 3, "/apple"), 1);
  assert.deepEqual(table.drop(1), [{ conn: 2, rc: 0 }]);
  assert.deepEqual(table.drop(2), [{ conn: 3, rc: 0 }]);
});

Deno.test("HierarchicalResource lets compatible modes share one path (Use case 14 4/6 and 5/6)", {
  permissions: "none",
}, () => {
  const { table } = newTable();
  assert.equal(lock(table, 1, "/apple", CR), 0);
  assert.equal(lock(table, 2, "/apple/pear/banana", PW), 0);
  assert.equal(lock(table, 3, "/apple/pear", CR), 0);
  const other = newTable().table;
  assert.equal(lock(other, 1, "/apple", CR), 0);
  assert.equal(lock(other, 2, "/apple/pear", CR), 0);
  assert.equal(lock(other, 3, "/apple/pear/banana", PR), 0);
});

Deno.test("HierarchicalResource ignores locks on other branches (Use case 14 6/6)", {
  permissions: "none",
}, () => {
  const { table } = newTable();
  assert.equal(lock(table, 1, "/apple/pear/banana"), 0);
  assert.equal(lock(table, 2, "/apple/watermelon"), 0);
  assert.equal(lock(table, 3, "/apple/watermelon/bilberry"), 1);
  assert.deepEqual(table.drop(2), [{ conn: 3, rc: 0 }]);
});

Deno.test("HierarchicalResource checks ancestors, itself and descendants (Use case 15)", {
  permissions: "none",
}, () => {
  const { table } = newTable();
  assert.equal(lock(table, 1, "/foo/bar", PR), 0);
  assert.equal(lock(table, 2, "/foo/blue/apple", EX), 0); // 15-1: other branch
  assert.equal(lock(table, 3, "/foo/bar/apple", EX), 1); // 15-2: ancestor PR conflicts
  assert.equal(lock(table, 4, "/foo/bar/fruit/apple", EX), 1); // 15-4
  assert.equal(lock(table, 5, "/foo", PR), 1); // EX held below /foo
  table.drop(2);
  // Now /foo PR is granted, and a new EX below /foo is blocked by it.
  assert.deepEqual(table.stats().holders, 2);
  assert.equal(lock(table, 6, "/foo/blue/apple", EX), 1);
  assert.deepEqual(table.drop(1), []);
  assert.deepEqual(table.drop(5), [{ conn: 3, rc: 0 }, { conn: 4, rc: 0 }, { conn: 6, rc: 0 }]);
});

Deno.test(
  "HierarchicalResource queues an ancestor behind a locked descendant (Use case 15 3/8, 5/8)",
  { permissions: "none" },
  () => {
    const { table } = newTable();
    assert.equal(lock(table, 1, "/foo/bar/apple", EX), 0);
    assert.equal(lock(table, 2, "/foo/bar", PR), 1);
    assert.equal(lock(table, 3, "/foo/bar/fruit/apple", EX), 0);
    assert.deepEqual(table.drop(1), []);
    assert.deepEqual(table.drop(3), [{ conn: 2, rc: 0 }]);
  },
);

Deno.test("HierarchicalResource shares PR along one path (Use case 15 6/8)", {
  permissions: "none",
}, () => {
  const { table } = newTable();
  assert.equal(lock(table, 1, "/foo/bar", PR), 0);
  assert.equal(lock(table, 2, "/foo/bar/fruit", PR), 0);
  assert.equal(lock(table, 3, "/foo", PR), 0);
  assert.equal(lock(table, 4, "/foo/blue", EX), 1);
});

Deno.test("HierarchicalResource releases by connection, whatever path the unlock names", {
  permissions: "none",
}, () => {
  const { table } = newTable();
  assert.equal(lock(table, 1, "/a/b"), 0);
  assert.equal(lock(table, 2, "/a"), 1);
  // The original accepts this unlock and releases nothing (a leak); ours releases /a/b.
  assert.deepEqual(table.unlock(1, "/a", false), { ok: true, notices: [{ conn: 2, rc: 0 }] });
  assert.deepEqual(table.unlock(2, "/b", false), { ok: false, notices: [] });
  assert.deepEqual(table.drop(2), []);
  // The tree was pruned: the root can be locked exclusively again.
  assert.equal(lock(table, 3, "/a"), 0);
});

Deno.test("HierarchicalResource serves waiters queued behind an exclusive root in order", {
  permissions: "none",
}, () => {
  const { table } = newTable();
  assert.equal(lock(table, 1, "/r"), 0);
  assert.equal(lock(table, 2, "/r/x", PR), 1);
  assert.equal(lock(table, 3, "/r/y", EX), 1);
  assert.equal(lock(table, 4, "/r/x", PW), 1);
  assert.deepEqual(table.drop(1), [{ conn: 2, rc: 0 }, { conn: 3, rc: 0 }]);
  assert.deepEqual(table.drop(2), [{ conn: 4, rc: 0 }]);
});
