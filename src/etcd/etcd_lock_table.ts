/**
 * The lock table of a stateless daemon: every lock request is a key in etcd, so that daemons on
 * several hosts pointing at one etcd cluster lock against each other (README, "Across hosts
 * without a single point of failure").
 *
 * Layout, under the prefix: `<prefix><resource>/<lease>/<connection>` per request (the request
 * as JSON: name, mode, quantity, granted), attached to the daemon's lease, so that the requests
 * of a daemon that died vanish when its lease expires; and `<prefix><resource>/v`, the resource's
 * version key, which every write of the resource rewrites in the same txn. The version key also
 * holds what the resource remembers (a sequence's counter, a timestamp's last grant) and its idle
 * time (`-i`): while requests use the resource it has no lease, so that no daemon's death takes
 * that memory from the others; once the last request has left, it moves to a lease that ends
 * after the idle time, and with it the resource is retired, as the in-memory table retires one.
 * `<resource>` is the lock key of the name (`/a` for `/a/b/c`) URI-encoded, so that no
 * resource's keys lie inside another one's range; `<lease>` is the lease's id in hex,
 * `<connection>` zero-padded.
 *
 * A decision reads the resource's keys, decides (decision.ts: the in-memory rules replayed on
 * the holders, then the waiters in create-revision order, then the new requests) and records
 * what it decided in a txn that succeeds only if the version key has not changed since the read;
 * otherwise it reads again. A request removed by a lease's expiry does not rewrite the version
 * key, but a removal only frees what a decision took as taken, so a decision made before it
 * stays safe. Each daemon grants only its own requests; waiters watch their resource's keys
 * instead of polling (and wait for a timestamp's next grain on a timer: the clock changes no
 * key). Every grant carries the revision of its txn as its fencing token: etcd's revisions grow
 * with every write of the cluster, so tokens strictly increase per resource, across daemons and
 * restarts.
 */
import { RC } from "../protocol/return_codes.ts";
import type { LockRequestInput } from "../resources/lock_table.ts";
import { lockKey, parseResourceName, requestParameter } from "../resources/names.ts";
import type { ConnId, Notice } from "../resources/resource.ts";
import { admissible } from "../resources/resource_kinds.ts";
import { timestampGrain } from "../resources/timestamp.ts";
import type {
  ParkedView,
  RequestView,
  ResourceView,
  TableSnapshot,
} from "../resources/table_snapshot.ts";
import type { ConnectionInfo } from "../status/build_snapshot.ts";
import type { WaitInfo } from "../protocol/messages.ts";
import { NO_TRACE, TraceModule, type Tracer } from "../trace/trace.ts";
import type { EtcdClient, KeyValue, TxnOp } from "./client.ts";
import { prefixEnd } from "./json_gateway.ts";
import type { StoredRequest } from "./replay.ts";
import {
  decide,
  type Decision,
  keepsKey,
  NO_LEASE,
  type OwnRequest,
  versionValue,
  waitInfo,
} from "./decision.ts";

/** An answer the daemon sends: at step 16 (the first one) or 24, with the grant's token. */
export interface EtcdNotice extends Notice {
  step: 16 | 24;
  fencingToken?: string;
  /** On an "enqueued" answer: who blocks the request. */
  wait?: WaitInfo;
}

/** Options of {@link EtcdLockTable.open}. */
export interface EtcdLockTableOptions {
  /** Where the keys live; ends with `/`. @default "/flom/" */
  prefix?: string;
  /** The lease of the daemon's requests, in seconds. @default 10 */
  leaseTtl?: number;
  /** Sends answers decided after `lock()` returned, and the grants of waiters. */
  deliver: (notices: EtcdNotice[]) => void;
  /** Told once when the lease could not be renewed before it expired: every lock is gone. */
  leaseLost?: (reason: string) => void;
  /**
   * The clock of timestamps and status views: epoch milliseconds, the fractional part being
   * sub-millisecond. @default performance's
   */
  now?: () => number;
  /** Who a connection is, recorded with its request for the other daemons' status views. */
  who?: (conn: ConnId) => ConnectionInfo | undefined;
  tracer?: Tracer;
}

const INVALID_REQUEST = { rc: RC.PROTOCOL_ERROR };
const INVALID_NAME = { rc: RC.INVALID_RESOURCE_NAME };
const CANNOT_CREATE = { rc: RC.INVALID_TIMESTAMP_FORMAT };

// A txn refused because a key of the resource changed since the read: read and decide again.
const STALE_READ = new Error("the resource changed since it was read");

// After a failed read or txn (a member stopping, an election), the next attempt waits this long.
const RETRY_PAUSE_MS = 200;

/** One request of a connection of this daemon. */
interface Local extends OwnRequest {
  readonly conn: ConnId;
  readonly resource: ResourceState;
  state: OwnRequest["state"];
  since: number;
  /** What its grant handed out (a set's member). */
  element?: string;
}

/** This daemon's requests on one resource, and the work it has to do there. */
interface ResourceState {
  readonly lockKey: string;
  /** `<prefix><resource>/`: every key of the resource lies in [dir, prefixEnd(dir)). */
  readonly dir: string;
  readonly versionKey: string;
  readonly locals: Set<Local>;
  /** Requests not yet written, in arrival order. */
  adds: Local[];
  /**
   * Keys to delete: released or cancelled requests, each with whether its release rolls back
   * (a transactional sequence's value goes back to the pool).
   */
  removals: Map<string, boolean>;
  dirty: boolean;
  running: boolean;
  watch: AbortController | undefined;
  /** The revision of the last decision: a watch starts after it. */
  lastRevision: number;
  /** Decides again when a waiter may become grantable by the clock (a timestamp's next grain). */
  wake: ReturnType<typeof setTimeout> | undefined;
}

/** A lease that idle resources' version keys share, and until when a key may still join it. */
interface IdleLease {
  id: string;
  /** performance.now() after which a key attached to it could vanish before its idle time. */
  usableUntil: number;
}

/** The lock table over etcd; the daemon's server uses it as it uses the in-memory one. */
export class EtcdLockTable implements AsyncDisposable {
  readonly #client: EtcdClient;
  readonly #prefix: string;
  readonly #lease: string;
  readonly #leaseHex: string;
  readonly #deliver: (notices: EtcdNotice[]) => void;
  readonly #now: () => number;
  readonly #who: (conn: ConnId) => ConnectionInfo | undefined;
  readonly #tracer: Tracer;
  readonly #connections = new Map<ConnId, Local>();
  readonly #resources = new Map<string, ResourceState>();
  readonly #keepAlive: ReturnType<typeof setInterval>;
  /** Idle leases by their idle time in whole seconds. */
  readonly #idleLeases = new Map<number, IdleLease>();
  #closed = false;
  /** The lease ended unrenewed: the daemon has been told, and stops. */
  #lost = false;
  #stopExpiry: () => void = () => {};

  private constructor(
    client: EtcdClient,
    lease: { id: string; ttl: number; sentAt: number },
    options: EtcdLockTableOptions,
  ) {
    this.#client = client;
    this.#prefix = options.prefix ?? "/flom/";
    this.#lease = lease.id;
    this.#leaseHex = BigInt(lease.id).toString(16);
    this.#deliver = options.deliver;
    this.#now = options.now ?? (() => performance.timeOrigin + performance.now());
    this.#who = options.who ?? (() => undefined);
    this.#tracer = options.tracer ?? NO_TRACE;
    // The lease ends at the latest TTL seconds after the sending of the last renewal etcd
    // granted (etcd counts from its receipt, which is later). Unrenewed past that moment, every
    // lock of this daemon may be another daemon's already: they are lost, even while etcd cannot
    // be reached to say so.
    let expiresAt = lease.sentAt + 1000 * lease.ttl;
    let expiry: ReturnType<typeof setTimeout> | undefined;
    const lose = (reason: string) => {
      if (this.#closed || this.#lost) return;
      this.#lost = true;
      clearInterval(this.#keepAlive);
      clearTimeout(expiry);
      options.leaseLost?.(reason);
    };
    const armExpiry = () => {
      clearTimeout(expiry);
      expiry = setTimeout(
        () => lose(`lease ${this.#lease} not renewed for ${lease.ttl} s: etcd unreachable`),
        Math.max(expiresAt - performance.now(), 0),
      );
    };
    this.#stopExpiry = () => clearTimeout(expiry);
    // Renewed every third of its TTL, as etcd's own clients do: two renewals may fail in a row.
    const renew = async () => {
      if (this.#closed || this.#lost) return;
      const sentAt = performance.now();
      const ttl = await this.#client.keepAlive(this.#lease).catch(() => undefined);
      if (ttl === undefined) return; // unreachable: the expiry decides
      if (ttl === 0) return lose(`lease ${this.#lease} expired`);
      // Answers may come out of order: only a later end counts.
      if (sentAt + 1000 * ttl > expiresAt) {
        expiresAt = sentAt + 1000 * ttl;
        armExpiry();
      }
    };
    armExpiry();
    this.#keepAlive = setInterval(renew, Math.max(1000 * lease.ttl / 3, 100));
  }

  /** Grants the daemon's lease in `client`'s cluster and returns a table over it. */
  static async open(client: EtcdClient, options: EtcdLockTableOptions): Promise<EtcdLockTable> {
    const sentAt = performance.now();
    const lease = await client.grantLease(options.leaseTtl ?? 10);
    const table = new EtcdLockTable(client, { ...lease, sentAt }, options);
    table.#retireStranded().catch((error) => {
      table.#tracer.trace(TraceModule.LOCKER, `etcd: cannot look for stranded resources: ${error}`);
    });
    return table;
  }

  /** The daemon's lease id (decimal). */
  get lease(): string {
    return this.#lease;
  }

  /** True when no connection of this daemon holds or waits. */
  get isEmpty(): boolean {
    return this.#connections.size === 0;
  }

  /** Stops renewing and revokes the lease: the daemon's locks are released at once. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#keepAlive);
    this.#stopExpiry();
    for (const resource of this.#resources.values()) {
      resource.watch?.abort();
      clearTimeout(resource.wake);
    }
    await this.#client.revokeLease(this.#lease).catch((error) => {
      this.#tracer.trace(TraceModule.LOCKER, `etcd: cannot revoke lease ${this.#lease}: ${error}`);
    });
    // The revocation took this daemon's requests away without a decision: the resources they
    // alone used go idle now, not when the next daemon starts.
    await this.#retireStranded().catch((error) => {
      this.#tracer.trace(TraceModule.LOCKER, `etcd: cannot retire unused resources: ${error}`);
    });
  }

  /**
   * A lock request from `conn`. Refusals that need no read are answered at once; otherwise the
   * outcome is undefined and the answer comes through `deliver`, at step 16.
   */
  lock(
    conn: ConnId,
    request: LockRequestInput,
  ): { outcome: { rc: number; element?: string } | undefined; notices: Notice[] } {
    if (this.#connections.has(conn)) return { outcome: INVALID_REQUEST, notices: [] };
    const name = parseResourceName(request.name);
    if (name === undefined) return { outcome: INVALID_NAME, notices: [] };
    if (!admissible(name, request)) return { outcome: INVALID_REQUEST, notices: [] };
    // As in memory: a timestamp whose format shows no time cannot be created (one that may not
    // create it is parked or refused as if someone could).
    if (
      name.kind === "timestamp" && request.create && timestampGrain(name.format) === undefined
    ) {
      return { outcome: CANNOT_CREATE, notices: [] };
    }
    const key = lockKey(name);
    let resource = this.#resources.get(key);
    if (resource === undefined) {
      const dir = `${this.#prefix}${encodeURIComponent(key)}/`;
      resource = {
        lockKey: key,
        dir,
        versionKey: `${dir}v`,
        locals: new Set(),
        adds: [],
        removals: new Map(),
        dirty: false,
        running: false,
        watch: undefined,
        lastRevision: 0,
        wake: undefined,
      };
      this.#resources.set(key, resource);
    }
    const local: Local = {
      conn,
      resource,
      key: `${resource.dir}${this.#leaseHex}/${String(conn).padStart(10, "0")}`,
      request,
      state: "adding",
      since: this.#now(),
      who: this.#who(conn),
    };
    this.#connections.set(conn, local);
    resource.locals.add(local);
    resource.adds.push(local);
    this.#schedule(resource);
    return { outcome: undefined, notices: [] };
  }

  /** An unlock: releases the lock or cancels the wait; false if `name` is not what it locked. */
  unlock(conn: ConnId, name: string, rollback: boolean): { ok: boolean; notices: Notice[] } {
    const local = this.#connections.get(conn);
    if (local === undefined) return { ok: false, notices: [] };
    const parsed = parseResourceName(name);
    if (
      name !== local.request.name &&
      (parsed === undefined || lockKey(parsed) !== local.resource.lockKey)
    ) {
      return { ok: false, notices: [] };
    }
    this.#leave(local, rollback);
    return { ok: true, notices: [] };
  }

  /**
   * A connection closed: its request goes, whatever its state; a transactional sequence's value
   * goes back to the pool, as in the in-memory table.
   */
  drop(conn: ConnId): Notice[] {
    const local = this.#connections.get(conn);
    if (local !== undefined) this.#leave(local, true);
    return [];
  }

  /** Whether `conn` holds a lock. */
  holds(conn: ConnId): boolean {
    return this.#connections.get(conn)?.state === "held";
  }

  /**
   * Who a waiter waits for, asked when the answer is immediate: never here, since every answer
   * comes after a decision, whose "enqueued" notice carries who blocks it.
   */
  blockers(_conn: ConnId): undefined {
    return undefined;
  }

  /** Nothing the server times: lease expiries come from etcd, timestamps' grains set timers. */
  nextDeadline(): undefined {
    return undefined;
  }

  tick(): Notice[] {
    return [];
  }

  /** This daemon's requests only: the others' are in their daemons' views. */
  snapshot(): TableSnapshot {
    const resources: ResourceView[] = [];
    const parked: ParkedView[] = [];
    let id = 1;
    for (const resource of this.#resources.values()) {
      const kind = parseResourceName(resource.lockKey)?.kind ?? "hierarchical";
      const view: ResourceView = {
        id: id++,
        name: resource.lockKey,
        kind,
        holders: [],
        waiters: [],
      };
      for (const local of resource.locals) {
        if (local.state === "held") view.holders.push(requestView(local));
        else if (local.state === "parked") parked.push({ ...requestView(local), kind });
        else view.waiters.push(requestView(local));
      }
      if (view.holders.length + view.waiters.length > 0) resources.push(view);
    }
    return { takenAt: this.#now(), resources, parked };
  }

  /**
   * Every daemon's requests, read from etcd in one range: this daemon's under their connection
   * numbers (the server names them), the others' under numbers below 0, named in `others` as
   * `daemon <lease>` and the peer their daemon recorded. Holders and waiters in FIFO order.
   */
  async clusterSnapshot(): Promise<
    { table: TableSnapshot; others: Map<ConnId, ConnectionInfo> }
  > {
    const { kvs } = await this.#client.range(this.#prefix, prefixEnd(this.#prefix));
    const takenAt = this.#now();
    const views = new Map<string, ResourceView>();
    const parked: ParkedView[] = [];
    const others = new Map<ConnId, ConnectionInfo>();
    const sorted = [...kvs].sort((a, b) =>
      a.createRevision - b.createRevision || (a.key < b.key ? -1 : 1)
    );
    for (const kv of sorted) {
      // `<resource>/<lease>/<connection>`, or `<resource>/v`: the version key.
      const [resource, lease, connection] = kv.key.slice(this.#prefix.length).split("/");
      if (resource === undefined || lease === undefined || connection === undefined) continue;
      const request: StoredRequest = JSON.parse(kv.value);
      const name = decodeURIComponent(resource);
      const kind = parseResourceName(name)?.kind ?? "hierarchical";
      let conn = Number(connection);
      if (lease !== this.#leaseHex) {
        conn = -(others.size + 1);
        const peer = request.who === undefined ? "" : `: ${request.who.peer}`;
        others.set(conn, {
          peer: `daemon ${lease}${peer}`,
          ...(request.who?.client === undefined ? {} : { client: request.who.client }),
        });
      }
      const parameter = requestParameter(parseResourceName(request.name)?.kind ?? "simple");
      const requestView: RequestView = {
        conn,
        name: request.name,
        ...(parameter === "mode" ? { mode: request.mode } : {}),
        ...(parameter === "quantity" ? { quantity: request.quantity } : {}),
        ...(request.element === undefined ? {} : { element: request.element }),
        since: request.since ?? takenAt,
      };
      if (request.parked) {
        parked.push({ ...requestView, kind });
        continue;
      }
      let view = views.get(name);
      if (view === undefined) {
        view = { id: views.size + 1, name, kind, holders: [], waiters: [] };
        views.set(name, view);
      }
      (request.granted ? view.holders : view.waiters).push(requestView);
    }
    return { table: { takenAt, resources: [...views.values()], parked }, others };
  }

  #leave(local: Local, rollback: boolean): void {
    this.#connections.delete(local.conn);
    const { resource } = local;
    resource.locals.delete(local);
    const pending = resource.adds.indexOf(local);
    if (pending >= 0) resource.adds.splice(pending, 1);
    else resource.removals.set(local.key, rollback);
    this.#schedule(resource);
  }

  /** Runs the resource's decisions until nothing is left to do, one at a time. */
  #schedule(resource: ResourceState): void {
    resource.dirty = true;
    if (resource.running || this.#closed) return;
    resource.running = true;
    (async () => {
      while (resource.dirty && !this.#closed) {
        resource.dirty = false;
        try {
          await this.#decide(resource);
        } catch (error) {
          this.#tracer.trace(TraceModule.LOCKER, `etcd: ${resource.dir}: ${error}`);
          resource.dirty = true;
          await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS));
        }
      }
      resource.running = false;
      this.#watchOrForget(resource);
    })();
  }

  /** One read, decision and txn; a failed txn leaves the work for the next round. */
  async #decide(resource: ResourceState): Promise<void> {
    const adds = resource.adds;
    const removals = resource.removals;
    resource.adds = [];
    resource.removals = new Map();
    let decision: Decision<Local>;
    let revision: number;
    try {
      const read = await this.#client.range(resource.dir, prefixEnd(resource.dir));
      revision = read.revision;
      decision = decide({
        kvs: read.kvs,
        versionKey: resource.versionKey,
        removals,
        adds,
        own: resource.locals,
        now: this.#now,
      });
      if (decision.write) {
        const { version } = decision;
        const lease = version.lease === "daemon"
          ? this.#lease
          : version.lease === "none"
          ? NO_LEASE
          : await this.#idleLease(version.value.idle!);
        const result = await this.#client.txn(
          [{
            key: resource.versionKey,
            target: "MOD",
            result: "EQUAL",
            value: version.modRevision,
          }],
          [
            ...decision.deletes.map((key) => ({ deleteRange: { key } })),
            ...decision.puts.map(({ key, value }) => this.#put(key, value)),
            this.#put(resource.versionKey, JSON.stringify(version.value), lease),
          ],
        );
        if (!result.succeeded) throw STALE_READ;
        revision = result.revision;
      }
    } catch (error) {
      // The work goes back to the front of the queue: the requests that are still there, the
      // removals, before whatever came meanwhile.
      resource.adds = [...adds.filter((local) => resource.locals.has(local)), ...resource.adds];
      for (const [key, rollback] of removals) resource.removals.set(key, rollback);
      resource.dirty = true;
      if (error === STALE_READ) return;
      throw error;
    }
    const notices = this.#answer(resource, adds, decision, String(revision));
    resource.lastRevision = revision;
    this.#wakeAt(resource, decision.deadline);
    // A request parked in this round while a later one of the round created the resource: the
    // next round queues it (no watch event would come for what this round wrote).
    if (decision.exists && [...resource.locals].some((local) => local.state === "parked")) {
      resource.dirty = true;
    }
    if (notices.length > 0) this.#deliver(notices);
  }

  /**
   * Books what a written decision did to this daemon's requests and the answers it owes; a
   * request that left while the txn ran has its key deleted in the next round.
   */
  #answer(
    resource: ResourceState,
    adds: readonly Local[],
    decision: Decision<Local>,
    token: string,
  ): EtcdNotice[] {
    const now = this.#now();
    const notices: EtcdNotice[] = [];
    const current = (local: Local) => this.#connections.get(local.conn) === local;
    const removeLater = (local: Local) => {
      resource.removals.set(local.key, true);
      resource.dirty = true;
    };
    for (const { own: local, element } of decision.grants) {
      if (!current(local)) {
        removeLater(local);
        continue;
      }
      local.state = "held";
      local.since = now;
      if (element !== undefined) local.element = element;
      notices.push({
        conn: local.conn,
        rc: RC.OK,
        step: 24,
        fencingToken: token,
        ...(element === undefined ? {} : { element }),
      });
    }
    for (const local of decision.unparked) {
      if (!current(local)) continue; // its key goes with it
      local.state = "waiting";
      local.since = now;
      // As the in-memory table answers a request its resource's creation queued: at step 24.
      notices.push({ conn: local.conn, rc: RC.LOCK_ENQUEUED, step: 24 });
    }
    adds.forEach((local, index) => {
      const { rc, element, blockers } = decision.added[index]!;
      if (!current(local)) {
        if (keepsKey(rc)) removeLater(local);
        return;
      }
      local.since = now;
      if (rc === RC.OK) {
        local.state = "held";
        if (element !== undefined) local.element = element;
        notices.push({
          conn: local.conn,
          rc,
          step: 16,
          fencingToken: token,
          ...(element === undefined ? {} : { element }),
        });
      } else if (rc === RC.LOCK_WAIT_RESOURCE) {
        local.state = "parked";
        notices.push({ conn: local.conn, rc, step: 16 });
      } else if (rc === RC.LOCK_ENQUEUED) {
        local.state = "waiting";
        const wait = blockers && waitInfo(blockers, now, {
          prefix: this.#prefix,
          leaseHex: this.#leaseHex,
        });
        notices.push({ conn: local.conn, rc, step: 16, ...(wait === undefined ? {} : { wait }) });
      } else {
        // Refused: the connection may ask again.
        this.#connections.delete(local.conn);
        resource.locals.delete(local);
        notices.push({ conn: local.conn, rc, step: 16 });
      }
    });
    return notices;
  }

  /** Decides again at `deadline` if this daemon still has a waiter there then. */
  #wakeAt(resource: ResourceState, deadline: number | undefined): void {
    clearTimeout(resource.wake);
    resource.wake = undefined;
    if (deadline === undefined) return;
    if (![...resource.locals].some((local) => local.state === "waiting")) return;
    resource.wake = setTimeout(() => {
      resource.wake = undefined;
      this.#schedule(resource);
    }, Math.max(0, deadline - this.#now()));
  }

  /** A put of `key`, attached to `lease` (the daemon's by default). */
  #put(key: string, value: StoredRequest | string, lease = this.#lease): TxnOp {
    return {
      put: { key, value: typeof value === "string" ? value : JSON.stringify(value), lease },
    };
  }

  /**
   * A lease whose keys live at least `idleMs` from now: one granted for twice that, shared by
   * the resources that become idle until half its life has gone.
   */
  async #idleLease(idleMs: number): Promise<string> {
    const seconds = Math.ceil(idleMs / 1000);
    const cached = this.#idleLeases.get(seconds);
    const sentAt = performance.now();
    if (cached !== undefined && sentAt <= cached.usableUntil) return cached.id;
    // etcd counts the TTL from its receipt of the grant, later than its sending.
    const { id, ttl } = await this.#client.grantLease(2 * seconds);
    this.#idleLeases.set(seconds, { id, usableUntil: sentAt + 1000 * ttl - idleMs });
    return id;
  }

  /**
   * Retires the resources whose last requests vanished with their daemons' leases while no other
   * daemon looked (their version keys would stay without a lease): each gets its idle lease.
   * A daemon does it at its start and after revoking its lease; the txn changes nothing a
   * decision wrote meanwhile.
   */
  async #retireStranded(): Promise<void> {
    const { kvs } = await this.#client.range(this.#prefix, prefixEnd(this.#prefix));
    const used = new Set<string>();
    const unleased: KeyValue[] = [];
    for (const kv of kvs) {
      const dir = kv.key.slice(0, kv.key.indexOf("/", this.#prefix.length) + 1);
      if (kv.key !== `${dir}v`) used.add(dir);
      else if (kv.lease === NO_LEASE) unleased.push(kv);
    }
    for (const kv of unleased) {
      if (used.has(kv.key.slice(0, -1))) continue;
      const { idle } = versionValue(kv.value);
      const op: TxnOp = idle === undefined
        ? { deleteRange: { key: kv.key } }
        : this.#put(kv.key, kv.value, await this.#idleLease(idle));
      await this.#client.txn(
        [{ key: kv.key, target: "MOD", result: "EQUAL", value: kv.modRevision }],
        [op],
      );
    }
  }

  /** Watches a resource this daemon waits on; forgets one it no longer uses. */
  #watchOrForget(resource: ResourceState): void {
    if (this.#closed) return;
    const waits = [...resource.locals].some((local) =>
      local.state === "waiting" || local.state === "parked"
    );
    if (!waits) {
      resource.watch?.abort();
      resource.watch = undefined;
      clearTimeout(resource.wake);
      resource.wake = undefined;
      if (
        resource.locals.size === 0 && resource.removals.size === 0 && resource.adds.length === 0
      ) {
        this.#resources.delete(resource.lockKey);
      }
      return;
    }
    if (resource.watch !== undefined) return;
    const watch = resource.watch = new AbortController();
    (async () => {
      let from = resource.lastRevision + 1;
      while (!watch.signal.aborted) {
        try {
          for await (
            const message of this.#client.watch(
              resource.dir,
              prefixEnd(resource.dir),
              from,
              watch.signal,
            )
          ) {
            if (message.compactRevision > 0) from = message.compactRevision;
            const last = message.events.at(-1);
            if (last !== undefined) from = last.modRevision + 1;
            if (message.events.length > 0 || message.compactRevision > 0) this.#schedule(resource);
          }
        } catch (error) {
          if (watch.signal.aborted) return;
          this.#tracer.trace(TraceModule.LOCKER, `etcd: watch of ${resource.dir}: ${error}`);
        }
        if (watch.signal.aborted) return;
        // The stream ended (a member stopped): look again, then watch from where it was.
        this.#schedule(resource);
        await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS));
      }
    })();
  }
}

function requestView(local: Local): RequestView {
  const parameter = requestParameter(parseResourceName(local.request.name)!.kind);
  return {
    conn: local.conn,
    name: local.request.name,
    ...(parameter === "mode" ? { mode: local.request.mode } : {}),
    ...(parameter === "quantity" ? { quantity: local.request.quantity } : {}),
    ...(local.element === undefined ? {} : { element: local.element }),
    since: local.since,
  };
}
