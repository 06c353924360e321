import assert from "node:assert/strict";
import { newTable, request, START } from "./_testing.ts";

Deno.test("LockTable.snapshot() shows holders and waiters in queue order, with their requests and times", () => {
  const { table, clock } = newTable();
  table.lock(1, request("R", { mode: 3 }));
  clock.advance(100);
  table.lock(2, request("R", { mode: 5 }));
  clock.advance(50);
  table.lock(3, request("R", { mode: 3 }));
  table.lock(4, request("pool[5]", { quantity: 2 }));
  table.lock(5, request("a.b"));
  assert.deepEqual(table.snapshot(), {
    takenAt: START + 150,
    resources: [
      {
        id: 1,
        name: "R",
        kind: "simple",
        holders: [{ conn: 1, name: "R", mode: 3, since: START }, {
          conn: 3,
          name: "R",
          mode: 3,
          since: START + 150,
        }],
        waiters: [{ conn: 2, name: "R", mode: 5, since: START + 100 }],
      },
      {
        id: 2,
        name: "pool[5]",
        kind: "numeric",
        holders: [{ conn: 4, name: "pool[5]", quantity: 2, since: START + 150 }],
        waiters: [],
      },
      {
        id: 3,
        name: "a.b",
        kind: "set",
        holders: [{ conn: 5, name: "a.b", element: "a", since: START + 150 }],
        waiters: [],
      },
    ],
    parked: [],
  });
});

Deno.test("LockTable.snapshot() dates a grant from the hand-off, and shows what it handed out", () => {
  const { table, clock } = newTable();
  table.lock(1, request("_s_seq[3]"));
  table.lock(2, request("_s_seq[3]"));
  table.lock(3, request("_s_seq[3]"));
  table.lock(4, request("_s_seq[3]"));
  clock.advance(40);
  table.unlock(1, "_s_seq[3]", false);
  const [resource] = table.snapshot().resources;
  assert.deepEqual(resource!.holders.map(({ conn, element, since }) => [conn, element, since]), [
    [2, "2", START],
    [3, "3", START],
    [4, "4", START + 40],
  ]);
});

Deno.test("LockTable.snapshot() shows hierarchical requests under their root, parked requests and idle resources", () => {
  const { table, clock } = newTable();
  table.lock(1, request("/a/b"));
  table.lock(2, request("/a/c", { mode: 1 }));
  table.lock(3, request("later", { create: false }));
  table.lock(4, request("gone", { lifespan: 5000 }));
  table.drop(4);
  clock.advance(1000);
  const snapshot = table.snapshot();
  assert.deepEqual(
    snapshot.resources.map(({ name, kind, holders }) => [name, kind, holders.map((h) => h.name)]),
    [
      ["/a", "hierarchical", ["/a/b", "/a/c"]],
      ["gone", "simple", []],
    ],
  );
  assert.equal(snapshot.resources[1]!.idleRemainingMs, 5000);
  assert.deepEqual(snapshot.parked, [{
    conn: 3,
    name: "later",
    kind: "simple",
    mode: 5,
    since: START,
  }]);
  clock.advance(5000);
  assert.deepEqual(table.snapshot().resources.map(({ name }) => name), ["/a"]);
});

Deno.test("LockTable.blockers() names a waiter's holders, longest held first, and counts the requests ahead", () => {
  const { table, clock } = newTable();
  table.lock(1, request("R", { mode: 1 }));
  clock.advance(10);
  table.lock(2, request("R", { mode: 1 }));
  table.lock(3, request("R"));
  table.lock(4, request("R"));
  table.lock(5, request("other"));
  assert.equal(table.blockers(1), undefined);
  assert.deepEqual(table.blockers(3), {
    holders: [{ conn: 1, name: "R", mode: 1, since: START }, {
      conn: 2,
      name: "R",
      mode: 1,
      since: START + 10,
    }],
    ahead: 0,
  });
  assert.equal(table.blockers(4)?.ahead, 1);
});
