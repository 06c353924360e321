import assert from "node:assert/strict";
import { newTable, request } from "./_testing.ts";

const RGB = "red.green.blue";

Deno.test("SetResource hands members out round-robin, the scan start advancing by one", {
  permissions: "none",
}, () => {
  const { table } = newTable();
  assert.deepEqual(table.lock(1, request(RGB)).outcome, { rc: 0, element: "red" });
  assert.deepEqual(table.lock(2, request(RGB)).outcome, { rc: 0, element: "green" });
  assert.deepEqual(table.lock(3, request(RGB)).outcome, { rc: 0, element: "blue" });
  assert.deepEqual(table.lock(4, request(RGB, { wait: false })).outcome, { rc: 4 });
  // The scan restarts at red (index 0): red is busy, green is free.
  table.unlock(2, RGB, false);
  assert.deepEqual(table.lock(4, request(RGB)).outcome, { rc: 0, element: "green" });
  // Index 1 now: green and blue busy, red freed.
  table.unlock(1, RGB, false);
  assert.deepEqual(table.lock(5, request(RGB)).outcome, { rc: 0, element: "red" });
});

Deno.test("SetResource gives a freed member to the waiter (Use case 13 1/2)", {
  permissions: "none",
}, () => {
  const { table } = newTable();
  for (const conn of [1, 2, 3]) table.lock(conn, request(RGB));
  assert.deepEqual(table.lock(4, request(RGB, { wait: false })).outcome, { rc: 4 });
  table.drop(4);
  assert.deepEqual(table.lock(5, request(RGB)).outcome, { rc: 1 });
  assert.deepEqual(table.unlock(1, RGB, false).notices, [{ conn: 5, rc: 0, element: "red" }]);
});

Deno.test("SetResource serves green again after green was released (Use case 13 2/2)", {
  permissions: "none",
}, () => {
  const { table } = newTable();
  for (const conn of [1, 2, 3]) table.lock(conn, request(RGB));
  table.unlock(2, RGB, false);
  table.drop(2);
  assert.deepEqual(table.lock(4, request(RGB)).outcome, { rc: 0, element: "green" });
});

Deno.test("SetResource keeps its index between successive holders", { permissions: "none" }, () => {
  const { table } = newTable();
  assert.deepEqual(table.lock(1, request(RGB)).outcome, { rc: 0, element: "red" });
  table.unlock(1, RGB, false);
  table.drop(1);
  assert.deepEqual(table.lock(2, request(RGB)).outcome, { rc: 0, element: "green" });
});

Deno.test("SetResource treats duplicate members as distinct slots", { permissions: "none" }, () => {
  const { table } = newTable();
  assert.deepEqual(table.lock(1, request("a.a")).outcome, { rc: 0, element: "a" });
  assert.deepEqual(table.lock(2, request("a.a")).outcome, { rc: 0, element: "a" });
  assert.deepEqual(table.lock(3, request("a.a", { wait: false })).outcome, { rc: 4 });
});
