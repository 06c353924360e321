/**
 * The lock table's cost per operation, as ratios against a baseline in the same run: a lock and
 * an unlock of a free resource, a hand-off to a waiter, and creating and retiring resources.
 * Run with `deno task bench`.
 */
import { LockTable } from "./lock_table.ts";

const EXCLUSIVE = { mode: 5, quantity: 1, wait: true, create: true, lifespan: 0 };
let clock = 0;
const now = () => clock;

Deno.bench("baseline: Map set + delete", { group: "lock-unlock", baseline: true }, () => {
  const map = new Map<string, number>();
  for (let i = 0; i < 1000; i++) {
    map.set(`r${i}`, i);
    map.delete(`r${i}`);
  }
});

Deno.bench("lock + unlock of 1000 free simple resources", { group: "lock-unlock" }, () => {
  const table = new LockTable({ now });
  for (let i = 0; i < 1000; i++) {
    table.lock(i, { ...EXCLUSIVE, name: `r${i}` });
    table.unlock(i, `r${i}`, false);
    table.drop(i);
  }
});

Deno.bench("hand-off: 1000 waiters granted one after another", { group: "lock-unlock" }, () => {
  const table = new LockTable({ now });
  for (let conn = 0; conn <= 1000; conn++) table.lock(conn, { ...EXCLUSIVE, name: "hot" });
  for (let conn = 0; conn < 1000; conn++) table.drop(conn);
});

Deno.bench("100,000 held resources, then retired", { n: 3 }, () => {
  const table = new LockTable({ now });
  for (let i = 0; i < 100_000; i++) table.lock(i, { ...EXCLUSIVE, name: `r${i}` });
  for (let i = 0; i < 100_000; i++) table.drop(i);
  clock += 10_000;
  table.tick();
});
