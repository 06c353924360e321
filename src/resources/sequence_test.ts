import assert from "node:assert/strict";
import type { LockTable } from "./lock_table.ts";
import { newTable, request } from "./_testing.ts";

/**
 * Runs `flom -i 1000 -r NAME -- COMMAND` once per command, one after the other, and returns what
 * the echo commands print (the value flom appends): rollback = the command failed.
 */
function runCommands(table: LockTable, name: string, commands: string[]): string[] {
  const printed: string[] = [];
  commands.forEach((command, conn) => {
    const { outcome } = table.lock(conn, request(name, { lifespan: 1000 }));
    assert.equal(outcome.rc, 0);
    if (command === "echo") printed.push((outcome as { element: string }).element);
    assert.deepEqual(table.unlock(conn, name, command === "false"), { ok: true, notices: [] });
    table.drop(conn);
  });
  return printed;
}

// Use case 18 (3/6) and (4/6).
const COMMANDS = "true,true,true,echo,true,true,echo,false,echo,false,echo,true,echo".split(",");

Deno.test("SequenceResource _S_ reuses rolled-back values (Use case 18 3/6)", {
  permissions: "none",
}, () => {
  const { table } = newTable();
  assert.deepEqual(runCommands(table, "_S_a[1]", COMMANDS), ["4", "7", "8", "9", "11"]);
});

Deno.test(
  "SequenceResource _s_ never reuses a value (Use case 18 4/6)",
  { permissions: "none" },
  () => {
    const { table } = newTable();
    assert.deepEqual(runCommands(table, "_s_a[1]", COMMANDS), ["4", "7", "9", "11", "13"]);
  },
);

Deno.test(
  "SequenceResource _S_ rolls back the value of a dropped holder",
  { permissions: "none" },
  () => {
    const { table } = newTable();
    assert.deepEqual(table.lock(1, request("_S_a[2]")).outcome, { rc: 0, element: "1" });
    table.drop(1);
    assert.deepEqual(table.lock(2, request("_S_a[2]")).outcome, { rc: 0, element: "1" });
    const plain = newTable().table;
    plain.lock(1, request("_s_a[2]"));
    plain.drop(1);
    assert.deepEqual(plain.lock(2, request("_s_a[2]")).outcome, { rc: 0, element: "2" });
  },
);

Deno.test(
  "SequenceResource _S_ hands rolled-back values out oldest first",
  { permissions: "none" },
  () => {
    const { table } = newTable();
    for (const conn of [1, 2, 3]) table.lock(conn, request("_S_a[3]"));
    table.unlock(2, "_S_a[3]", true);
    table.unlock(1, "_S_a[3]", true);
    table.unlock(3, "_S_a[3]", false);
    const values = [4, 5, 6].map((conn) => table.lock(conn, request("_S_a[3]")).outcome);
    assert.deepEqual(values, [
      { rc: 0, element: "2" },
      { rc: 0, element: "1" },
      { rc: 0, element: "4" },
    ]);
  },
);

Deno.test("SequenceResource admits N holders and gives a freed slot the next value", {
  permissions: "none",
}, () => {
  const { table } = newTable();
  assert.deepEqual(table.lock(1, request("_s_a[2]")).outcome, { rc: 0, element: "1" });
  assert.deepEqual(table.lock(2, request("_s_a[2]")).outcome, { rc: 0, element: "2" });
  assert.deepEqual(table.lock(3, request("_s_a[2]", { wait: false })).outcome, { rc: 4 });
  assert.deepEqual(table.lock(4, request("_s_a[2]")).outcome, { rc: 1 });
  assert.deepEqual(table.unlock(2, "_s_a[2]", false).notices, [{ conn: 4, rc: 0, element: "3" }]);
});

Deno.test("SequenceResource with N=0 never grants", { permissions: "none" }, () => {
  const { table } = newTable();
  assert.deepEqual(table.lock(1, request("_s_a[0]")).outcome, { rc: 1 });
  assert.deepEqual(table.lock(2, request("_s_a[0]", { wait: false })).outcome, { rc: 4 });
});

Deno.test("SequenceResource refuses an unlock from a connection that does not hold it", {
  permissions: "none",
}, () => {
  const { table } = newTable();
  table.lock(1, request("_S_a[1]"));
  table.lock(2, request("_S_a[1]"));
  assert.deepEqual(table.unlock(2, "_S_a[1]", false), { ok: false, notices: [] });
  // The daemon then drops the waiter: dequeued, nothing granted.
  assert.deepEqual(table.drop(2), []);
  assert.deepEqual(table.unlock(1, "_S_a[1]", false), { ok: true, notices: [] });
  assert.deepEqual(table.unlock(1, "_S_a[1]", false), { ok: false, notices: [] });
  assert.deepEqual(table.unlock(1, "_S_b[1]", false), { ok: false, notices: [] });
});

Deno.test("SequenceResource restarts at 1 once its idle resource was retired", {
  permissions: "none",
}, () => {
  const { table, clock } = newTable();
  runCommands(table, "_s_a[1]", ["true", "true"]);
  clock.advance(1999);
  assert.deepEqual(table.lock(5, request("_s_a[1]")).outcome, { rc: 0, element: "3" });
  table.drop(5);
  clock.advance(2000);
  assert.deepEqual(table.lock(6, request("_s_a[1]")).outcome, { rc: 0, element: "1" });
});
