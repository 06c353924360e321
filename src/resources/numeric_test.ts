import assert from "node:assert/strict";
import { newTable, request } from "./_testing.ts";

Deno.test("NumericResource lets two 1-unit holders in and queues a third (Use case 10 1/3)", {
  permissions: "none",
}, () => {
  const { table } = newTable();
  assert.deepEqual(table.lock(1, request("foo[2]")).outcome, { rc: 0 });
  assert.deepEqual(table.lock(2, request("foo[2]")).outcome, { rc: 0 });
  assert.deepEqual(table.lock(3, request("foo[2]")).outcome, { rc: 1 });
  assert.deepEqual(table.unlock(1, "foo[2]", false).notices, [{ conn: 3, rc: 0 }]);
});

Deno.test("NumericResource refuses 2 units while 2 of 2 are held (Use case 10 2/3)", {
  permissions: "none",
}, () => {
  const { table } = newTable();
  assert.deepEqual(table.lock(1, request("foo[2]", { quantity: 2 })).outcome, { rc: 0 });
  const { outcome } = table.lock(2, request("foo[2]", { quantity: 2, wait: false }));
  assert.deepEqual(outcome, { rc: 4 });
});

Deno.test(
  "NumericResource keeps 2 units waiting until both 1-unit holders left (Use case 10 3/3)",
  { permissions: "none" },
  () => {
    const { table } = newTable();
    table.lock(1, request("foo[2]"));
    table.lock(2, request("foo[2]"));
    assert.deepEqual(table.lock(3, request("foo[2]", { wait: false })).outcome, { rc: 4 });
    assert.deepEqual(table.lock(4, request("foo[2]", { quantity: 2 })).outcome, { rc: 1 });
    assert.deepEqual(table.drop(1), []);
    assert.deepEqual(table.drop(2), [{ conn: 4, rc: 0 }]);
  },
);

Deno.test(
  "NumericResource answers impossible when the quantity exceeds the total, even to a waiter",
  { permissions: "none" },
  () => {
    const { table } = newTable();
    assert.deepEqual(table.lock(1, request("foo[2]", { quantity: 3 })).outcome, { rc: 6 });
    assert.deepEqual(table.lock(2, request("foo[0]")).outcome, { rc: 6 });
    // A refused connection may try again.
    assert.deepEqual(table.lock(1, request("foo[2]", { quantity: 2 })).outcome, { rc: 0 });
  },
);

Deno.test("NumericResource rejects a quantity below 1 as an invalid request", {
  permissions: "none",
}, () => {
  const { table } = newTable();
  for (const quantity of [0, -1, 1.5]) {
    assert.deepEqual(table.lock(1, request("foo[2]", { quantity })).outcome, { rc: -13 });
  }
  assert.ok(table.isEmpty);
});

Deno.test(
  "NumericResource lets a small waiter overtake a large one",
  { permissions: "none" },
  () => {
    const { table } = newTable();
    table.lock(1, request("foo[3]", { quantity: 2 }));
    table.lock(2, request("foo[3]"));
    assert.deepEqual(table.lock(3, request("foo[3]", { quantity: 2 })).outcome, { rc: 1 });
    assert.deepEqual(table.lock(4, request("foo[3]")).outcome, { rc: 1 });
    assert.deepEqual(table.unlock(2, "foo[3]", false).notices, [{ conn: 4, rc: 0 }]);
    assert.deepEqual(table.unlock(1, "foo[3]", false).notices, [{ conn: 3, rc: 0 }]);
  },
);

Deno.test("NumericResource still serves waiters after the smallest one left", {
  permissions: "none",
}, () => {
  const { table } = newTable();
  table.lock(1, request("foo[3]", { quantity: 2 }));
  table.lock(2, request("foo[3]"));
  table.lock(3, request("foo[3]"));
  table.lock(4, request("foo[3]", { quantity: 2 }));
  table.drop(3);
  assert.deepEqual(table.unlock(2, "foo[3]", false).notices, []);
  assert.deepEqual(table.unlock(1, "foo[3]", false).notices, [{ conn: 4, rc: 0 }]);
  table.lock(5, request("foo[3]", { quantity: 2 }));
  assert.deepEqual(table.unlock(4, "foo[3]", false).notices, [{ conn: 5, rc: 0 }]);
});

Deno.test("NumericResource treats names with different digits as different pools", {
  permissions: "none",
}, () => {
  const { table } = newTable();
  table.lock(1, request("foo[2]", { quantity: 2 }));
  assert.deepEqual(table.lock(2, request("foo[02]", { quantity: 2 })).outcome, { rc: 0 });
  assert.equal(table.stats().resources, 2);
});
