/**
 * One decision of an etcd-backed daemon on one resource, as data: from the resource's keys as
 * read from etcd and this daemon's requests, what to write (in one txn that the version key
 * guards) and what to answer once the write has succeeded. Pure: etcd_lock_table.ts reads,
 * writes and answers; replay.ts applies the resource's rules.
 */
import type { WaitInfo } from "../protocol/messages.ts";
import { RC } from "../protocol/return_codes.ts";
import { idleTimeout, type LockRequestInput } from "../resources/lock_table.ts";
import type { ConnectionInfo } from "../status/build_snapshot.ts";
import type { KeyValue } from "./json_gateway.ts";
import { replay, type StoredRequest } from "./replay.ts";

/** etcd's lease id of a key attached to none. */
export const NO_LEASE = "0";

/** One of this daemon's requests on the resource. */
export interface OwnRequest {
  /** Its key in etcd. */
  readonly key: string;
  readonly request: LockRequestInput;
  /** `adding`: not written yet; `parked`: waiting for the resource's creation (`-e no`). */
  readonly state: "adding" | "parked" | "waiting" | "held";
  /** Who asked (its peer, and what a flom client says of itself). */
  readonly who: ConnectionInfo | undefined;
}

/** What a resource's version key holds (JSON). */
export interface VersionValue {
  /**
   * Set while the resource exists: how long it outlives its last request, in ms (from the `-i`
   * of the request that created it).
   */
  idle?: number;
  /** What the kind remembers after the last decision (Resource.state). */
  state?: unknown;
}

/** What a decision starts from. */
export interface DecisionInput<R extends OwnRequest> {
  /** Every key of the resource, as read. */
  kvs: readonly KeyValue[];
  versionKey: string;
  /** The keys of requests that left, each with whether its release rolls back. */
  removals: ReadonlyMap<string, boolean>;
  /** New requests, in arrival order. */
  adds: readonly R[];
  /** Every request of this daemon on the resource, the adds among them. */
  own: Iterable<R>;
  /** The daemon's clock, epoch milliseconds with a fraction (timestamps, status views). */
  now: () => number;
}

/** Who blocks a request that a decision queued (`flom -V`). */
export interface Blockers {
  /** Every holder once the decision is written. */
  holders: { key: string; request: StoredRequest }[];
  /** How many requests wait before it. */
  ahead: number;
}

/** An answer to a new request. */
export interface AddedOutcome {
  rc: number;
  element?: string;
  /** On an "enqueued" answer. */
  blockers?: Blockers;
}

/** What to write and what to answer. */
export interface Decision<R extends OwnRequest> {
  /** Whether a txn must run; if not, the decision changes nothing in etcd. */
  write: boolean;
  /** Request keys to delete. */
  deletes: string[];
  /** Request keys to write, on the daemon's lease. */
  puts: { key: string; value: StoredRequest }[];
  /**
   * The version key: its mod revision as read (the txn's guard), and what to write there, on
   * which lease: none while requests use the resource, so that no daemon's death takes what it
   * remembers from the others; an idle one (ending after `value.idle`) once none does, also
   * when the last ones vanished with their daemon's lease; the daemon's while only parked
   * requests wait for the resource.
   */
  version: { modRevision: number; value: VersionValue; lease: "none" | "idle" | "daemon" };
  /** Waiters of this daemon granted now, with what they get. */
  grants: { own: R; element?: string }[];
  /** Parked requests of this daemon that the resource's existence turned into waiters. */
  unparked: R[];
  /** The answer to each of `adds`, in order. */
  added: AddedOutcome[];
  /** Whether the resource exists after the decision. */
  exists: boolean;
  /** When waiters may become grantable by the clock (a timestamp's next grain), epoch ms. */
  deadline?: number;
}

// The outcomes of a request that leave its key in etcd: held, queued, or parked.
const KEPT_OUTCOMES: ReadonlySet<number> = new Set([
  RC.OK,
  RC.LOCK_ENQUEUED,
  RC.LOCK_WAIT_RESOURCE,
]);

/** Whether a new request with outcome `rc` keeps a key in etcd (held, queued, or parked). */
export function keepsKey(rc: number): boolean {
  return KEPT_OUTCOMES.has(rc);
}

/**
 * Decides: replays the resource's holders and waiters (in the order etcd created their keys)
 * and the new requests through the resource's rules, on the state the version key keeps.
 */
export function decide<R extends OwnRequest>(input: DecisionInput<R>): Decision<R> {
  const { removals, adds } = input;
  let modRevision = 0;
  let versionLease = NO_LEASE;
  let previous: VersionValue = {};
  const stored: { key: string; createRevision: number; request: StoredRequest }[] = [];
  const released: { request: StoredRequest; rollback: boolean }[] = [];
  for (const kv of input.kvs) {
    if (kv.key === input.versionKey) {
      modRevision = kv.modRevision;
      versionLease = kv.lease;
      previous = versionValue(kv.value);
    } else if (!removals.has(kv.key)) {
      stored.push({
        key: kv.key,
        createRevision: kv.createRevision,
        request: JSON.parse(kv.value),
      });
    } else {
      const request: StoredRequest = JSON.parse(kv.value);
      if (request.granted) released.push({ request, rollback: removals.get(kv.key)! });
    }
  }
  stored.sort((a, b) => a.createRevision - b.createRevision || (a.key < b.key ? -1 : 1));
  const own = new Map<string, R>();
  for (const request of input.own) own.set(request.key, request);

  // A request that must not create its resource (`-e no`) finds it only if someone uses it or
  // it is within its idle time; until then, one that may wait is parked, and parked requests
  // do not make it exist.
  const existed = previous.idle !== undefined || stored.some(({ request }) => !request.parked);
  let exists = existed;
  let idle = previous.idle;
  const refusals = new Map<R, number>();
  const replayed = adds.filter((add) => {
    if (!exists && add.request.create) {
      exists = true;
      idle = idleTimeout(add.request.lifespan);
    }
    if (exists) return true;
    refusals.set(add, add.request.wait ? RC.LOCK_WAIT_RESOURCE : RC.LOCK_CANT_WAIT);
    return false;
  });
  // Once it exists, parked requests wait in their place in the queue; in the round that creates
  // it they stay parked, so that its creator comes first, as in the in-memory table.
  const live = existed ? stored : stored.filter(({ request }) => !request.parked);
  const decidedAt = input.now();
  const { grantable, added: results, state, deadline } = replay(
    live.map((entry) => ({ ...entry.request, parked: false })),
    replayed.map((add) => storedRequest(add, false, decidedAt)),
    { state: previous.state, released, now: input.now },
  );
  const added: AddedOutcome[] = adds.map((add) =>
    refusals.has(add) ? { rc: refusals.get(add)! } : { ...results[replayed.indexOf(add)]! }
  );

  const puts: Decision<R>["puts"] = [];
  const grants: Decision<R>["grants"] = [];
  for (const { index, element } of grantable) {
    const waiter = own.get(live[index]!.key);
    if (waiter?.state !== "waiting" && waiter?.state !== "parked") continue;
    grants.push({ own: waiter, ...(element === undefined ? {} : { element }) });
    puts.push({ key: waiter.key, value: storedRequest(waiter, true, decidedAt, element) });
  }
  const granted = new Set(grants.map((grant) => grant.own));
  const unparked = existed
    ? [...own.values()].filter((request) => request.state === "parked" && !granted.has(request))
    : [];
  for (const request of unparked) {
    puts.push({ key: request.key, value: storedRequest(request, false, decidedAt) });
  }
  adds.forEach((add, index) => {
    const { rc, element } = added[index]!;
    if (!keepsKey(rc)) return;
    const parked = rc === RC.LOCK_WAIT_RESOURCE;
    puts.push({
      key: add.key,
      value: storedRequest(add, rc === RC.OK, decidedAt, element, parked),
    });
  });

  // Who blocks a request queued now: every holder after this decision, and the waiters before it.
  const grantedNow = new Set(grantable.map(({ index }) => index));
  const holders = [
    ...live.filter(({ request }, index) => request.granted || grantedNow.has(index)),
    ...adds.flatMap((add, index) =>
      added[index]!.rc === RC.OK
        ? [{ key: add.key, request: storedRequest(add, true, decidedAt) }]
        : []
    ),
  ].map(({ key, request }) => ({ key, request }));
  let ahead = live.filter(({ request }, index) => !request.granted && !grantedNow.has(index))
    .length;
  for (const outcome of added) {
    if (outcome.rc !== RC.LOCK_ENQUEUED) continue;
    outcome.blockers = { holders, ahead: ahead++ };
  }

  const inUse = exists && (stored.length > 0 || added.some(({ rc }) => keepsKey(rc)));
  const stranded = exists && !inUse && versionLease === NO_LEASE && modRevision > 0;
  const deletes = [...removals.keys()];
  return {
    write: deletes.length > 0 || puts.length > 0 || (exists && !existed) || stranded,
    deletes,
    puts,
    version: {
      modRevision,
      value: exists
        ? { idle: idle ?? idleTimeout(0), ...(state === undefined ? {} : { state }) }
        : {},
      lease: !exists ? "daemon" : inUse ? "none" : "idle",
    },
    grants,
    unparked,
    added,
    exists,
    ...(deadline === undefined ? {} : { deadline }),
  };
}

/**
 * What a queued request is told of its blockers: the longest holder, named as `--status` names
 * it (`daemon <lease>: <peer>` for another daemon's client, with `prefix` the keys' and
 * `leaseHex` this daemon's lease in hex); undefined when none holds.
 */
export function waitInfo(
  blockers: Blockers,
  now: number,
  names: { prefix: string; leaseHex: string },
): WaitInfo | undefined {
  let first: Blockers["holders"][number] | undefined;
  for (const holder of blockers.holders) {
    if (first === undefined || (holder.request.since ?? now) < (first.request.since ?? now)) {
      first = holder;
    }
  }
  if (first === undefined) return undefined;
  const lease = first.key.slice(names.prefix.length).split("/")[1];
  const who = first.request.who;
  const peer = who?.peer ?? "unknown";
  return {
    holders: blockers.holders.length,
    ahead: blockers.ahead,
    heldMs: Math.max(0, Math.round(now - (first.request.since ?? now))),
    holder: { peer: lease === names.leaseHex ? peer : `daemon ${lease}: ${peer}`, ...who?.client },
  };
}

/** What a version key's value says; nothing for a value that is not one's. */
export function versionValue(text: string): VersionValue {
  try {
    const value = JSON.parse(text);
    if (typeof value !== "object" || value === null) return {};
    const idle = Number.isSafeInteger(value.idle) && value.idle > 0 ? value.idle : undefined;
    return { ...(idle === undefined ? {} : { idle }), state: value.state };
  } catch {
    return {};
  }
}

/** The value of a request's key; `since`: when it entered that state (status views). */
function storedRequest(
  own: OwnRequest,
  granted: boolean,
  since: number,
  element?: string,
  parked = false,
): StoredRequest {
  const { request } = own;
  return {
    name: request.name,
    mode: request.mode,
    quantity: request.quantity,
    wait: request.wait,
    granted,
    ...(element === undefined ? {} : { element }),
    ...(own.who === undefined ? {} : { who: own.who }),
    since,
    ...(parked ? { parked } : {}),
  };
}
