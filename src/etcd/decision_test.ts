import assert from "node:assert/strict";
import { RC } from "../protocol/return_codes.ts";
import type { LockRequestInput } from "../resources/lock_table.ts";
import { LockMode } from "../resources/lock_mode.ts";
import { decide, type OwnRequest, waitInfo } from "./decision.ts";
import type { KeyValue } from "./json_gateway.ts";
import type { StoredRequest } from "./replay.ts";

const DIR = "/flom/db/";
const VERSION_KEY = `${DIR}v`;
const NOW = 1_800_000_000_000;

function request(overrides: Partial<LockRequestInput> = {}): LockRequestInput {
  return {
    name: "db",
    mode: LockMode.Exclusive,
    quantity: 0,
    wait: true,
    create: true,
    lifespan: 0,
    ...overrides,
  };
}

/** A request of this daemon (lease a) not written yet. */
function add(conn: number, overrides: Partial<LockRequestInput> = {}): OwnRequest {
  return { key: `${DIR}a/${conn}`, request: request(overrides), state: "adding", who: undefined };
}

/** A key of the resource as etcd returns it; revisions in the order of `revision`. */
function kv(key: string, value: StoredRequest | object, revision: number, lease = "7"): KeyValue {
  return {
    key,
    value: JSON.stringify(value),
    createRevision: revision,
    modRevision: revision,
    version: 1,
    lease,
  };
}

function stored(granted: boolean, overrides: Partial<StoredRequest> = {}): StoredRequest {
  return { name: "db", mode: LockMode.Exclusive, quantity: 0, wait: true, granted, ...overrides };
}

function decideOn(kvs: KeyValue[], adds: OwnRequest[], removals = new Map<string, boolean>()) {
  return decide({ kvs, versionKey: VERSION_KEY, removals, adds, own: adds, now: () => NOW });
}

Deno.test("decide() grants a request on a new resource, whose version key then has no lease", () => {
  const first = add(1, { lifespan: 3000 });
  const decision = decideOn([], [first]);
  assert.equal(decision.write, true);
  assert.deepEqual(decision.added, [{ rc: RC.OK }]);
  assert.deepEqual(decision.puts.map(({ key, value }) => [key, value.granted]), [[
    first.key,
    true,
  ]]);
  // In use: no daemon's death may take what the resource remembers; idle for -i + 1 s later.
  assert.deepEqual(decision.version, { modRevision: 0, value: { idle: 4000 }, lease: "none" });
  assert.equal(decision.exists, true);
});

Deno.test("decide() puts the version key on an idle lease when the last request leaves", () => {
  const held = `${DIR}a/1`;
  const kvs = [kv(VERSION_KEY, { idle: 2000 }, 5, "0"), kv(held, stored(true), 5)];
  const decision = decideOn(kvs, [], new Map([[held, false]]));
  assert.deepEqual(decision.deletes, [held]);
  assert.deepEqual(decision.version, { modRevision: 5, value: { idle: 2000 }, lease: "idle" });
  // An idle resource still exists: a request that may not create it is served.
  const later = decideOn([kv(VERSION_KEY, { idle: 2000 }, 6, "9")], [add(2, { create: false })]);
  assert.deepEqual(later.added, [{ rc: RC.OK }]);
  assert.equal(later.version.lease, "none");
});

Deno.test("decide() retires a resource whose last requests vanished with their daemon's lease", () => {
  // No request left, and the version key without a lease: nobody would ever let it go.
  const stranded = decideOn([kv(VERSION_KEY, { idle: 2000 }, 5, "0")], []);
  assert.equal(stranded.write, true);
  assert.equal(stranded.version.lease, "idle");
  // Already on its idle lease: nothing to write.
  assert.equal(decideOn([kv(VERSION_KEY, { idle: 2000 }, 5, "9")], []).write, false);
});

Deno.test("decide() parks a request that may not create a resource that does not exist", () => {
  const parked = decideOn([], [add(1, { create: false })]);
  assert.deepEqual(parked.added, [{ rc: RC.LOCK_WAIT_RESOURCE }]);
  assert.equal(parked.puts[0]!.value.parked, true);
  // Only parked requests: the version key holds nothing and goes with this daemon.
  assert.deepEqual(parked.version, { modRevision: 0, value: {}, lease: "daemon" });
  assert.equal(parked.exists, false);
  assert.deepEqual(decideOn([], [add(2, { create: false, wait: false })]).added, [
    { rc: RC.LOCK_CANT_WAIT },
  ]);
});

Deno.test("decide() tells a queued request who blocks it, another daemon's holder by its lease", () => {
  const kvs = [
    kv(VERSION_KEY, { idle: 2000 }, 3, "0"),
    kv(`${DIR}b/1`, stored(true, { since: NOW - 1500, who: { peer: "local" } }), 3, "11"),
    kv(`${DIR}b/2`, stored(false), 4, "11"),
  ];
  const decision = decideOn(kvs, [add(5), add(6)]);
  assert.deepEqual(decision.added.map(({ rc }) => rc), [RC.LOCK_ENQUEUED, RC.LOCK_ENQUEUED]);
  assert.deepEqual(decision.added.map(({ blockers }) => blockers?.ahead), [1, 2]);
  assert.deepEqual(
    waitInfo(decision.added[0]!.blockers!, NOW, { prefix: "/flom/", leaseHex: "a" }),
    {
      holders: 1,
      ahead: 1,
      heldMs: 1500,
      holder: { peer: "daemon b: local" },
    },
  );
});

Deno.test("decide() grants this daemon's waiter once the holder's key is removed, not another's", () => {
  const waiting: OwnRequest = { ...add(2), state: "waiting" };
  const kvs = [
    kv(VERSION_KEY, { idle: 2000 }, 3, "0"),
    kv(`${DIR}a/1`, stored(true), 3),
    kv(`${DIR}b/9`, stored(false), 4, "11"),
    kv(waiting.key, stored(false), 5),
  ];
  const removals = new Map([[`${DIR}a/1`, false]]);
  // The other daemon's waiter came first: it is granted in the replay, and only its daemon writes
  // that grant; this daemon's waiter stays queued behind it.
  const decision = decide({
    kvs,
    versionKey: VERSION_KEY,
    removals,
    adds: [],
    own: [waiting],
    now: () => NOW,
  });
  assert.deepEqual(decision.grants, []);
  const alone = decide({
    kvs: kvs.filter((entry) => !entry.key.includes("/b/")),
    versionKey: VERSION_KEY,
    removals,
    adds: [],
    own: [waiting],
    now: () => NOW,
  });
  assert.deepEqual(alone.grants, [{ own: waiting }]);
  assert.deepEqual(alone.puts.map(({ key, value }) => [key, value.granted]), [[waiting.key, true]]);
});
