/**
 * The daemon's lock table: routes lock requests to the live resource of their name, creates
 * resources or parks requests until someone creates them, tracks which connection is bound to
 * which resource, and retires resources left idle (docs/compatibility.md, "Resources").
 *
 * Longer than most modules on purpose: bindings, parking, idle retirement and the snapshot share
 * invariants (the counts, the deadlines) that are checked by reading them together.
 */
import { RC } from "../protocol/return_codes.ts";
import { DeadlineHeap, type HeapItem } from "./deadline_heap.ts";
import {
  lockKey,
  parseResourceName,
  requestParameter,
  type ResourceKind,
  type ResourceName,
} from "./names.ts";
import type { ConnId, Notice, Resource } from "./resource.ts";
import { admissible, createResource } from "./resource_kinds.ts";
import type { ParkedView, RequestView, ResourceView, TableSnapshot } from "./table_snapshot.ts";

export type { ConnId, Notice } from "./resource.ts";
export type * from "./table_snapshot.ts";

/** A lock request as received from a client. */
export interface LockRequestInput {
  /** Resource name as a binary string (one char per byte). */
  name: string;
  /** Lock mode (simple and hierarchical names). */
  mode: number;
  /** Units wanted (numeric names). */
  quantity: number;
  /** Whether the request may wait instead of being refused. */
  wait: boolean;
  /** Whether the resource is created when it does not exist. */
  create: boolean;
  /** Idle lifespan in ms, used only by the request that creates the resource. */
  lifespan: number;
}

/** The immediate answer (step 16) to a lock request. */
export type LockOutcome =
  /** Granted; `element` for set, sequence and timestamp resources. */
  | { rc: typeof RC.OK; element?: string }
  /** Enqueued; a Notice will follow. */
  | { rc: typeof RC.LOCK_ENQUEUED }
  /** create=false, resource absent, wait=true: parked until the resource is created. */
  | { rc: typeof RC.LOCK_WAIT_RESOURCE }
  /** Busy and wait=false. */
  | { rc: typeof RC.LOCK_BUSY }
  /** create=false, resource absent, wait=false. */
  | { rc: typeof RC.LOCK_CANT_WAIT }
  /** Impossible: numeric quantity larger than the total. */
  | { rc: typeof RC.LOCK_IMPOSSIBLE }
  /** Not a valid resource name. */
  | { rc: typeof RC.INVALID_RESOURCE_NAME }
  /** Timestamp format without a time specifier: the resource cannot be created. */
  | { rc: typeof RC.INVALID_TIMESTAMP_FORMAT }
  /** Invalid request; the daemon closes the connection. */
  | { rc: typeof RC.PROTOCOL_ERROR };

/** Options of `LockTable`. */
export interface LockTableOptions {
  /** The clock: epoch milliseconds, the fractional part being sub-millisecond. */
  now: () => number;
  /** Told how waits end (the daemon's metrics); nothing is told without one. */
  waits?: WaitObserver;
}

/** What becomes of requests that wait: in a resource's queue, or parked until its creation. */
export interface WaitObserver {
  /** A waiting request was granted `waitedMs` milliseconds after it was queued or parked. */
  granted(waitedMs: number): void;
  /** A waiting request left before its grant: its connection closed, or it unlocked. */
  abandoned(): void;
}

const INVALID_REQUEST: LockOutcome = { rc: RC.PROTOCOL_ERROR };
const INVALID_NAME: LockOutcome = { rc: RC.INVALID_RESOURCE_NAME };
const CANNOT_CREATE: LockOutcome = { rc: RC.INVALID_TIMESTAMP_FORMAT };
const PARKED: LockOutcome = { rc: RC.LOCK_WAIT_RESOURCE };
const CANNOT_WAIT: LockOutcome = { rc: RC.LOCK_CANT_WAIT };

// The original retires a resource after two idle polls of its worker: the first lasts the idle
// lifespan (1000 ms when 0), the second 1000 ms.
const DEFAULT_IDLE_POLL_MS = 1000;
const LAST_IDLE_POLL_MS = 1000;

/**
 * How long a resource outlives its last connection, in ms, when the request that created it
 * asked for an idle lifespan of `lifespan` ms (`-i`).
 */
export function idleTimeout(lifespan: number): number {
  return (lifespan > 0 ? lifespan : DEFAULT_IDLE_POLL_MS) + LAST_IDLE_POLL_MS;
}

/** What a connection is doing. */
const enum State {
  Holder,
  Waiter,
  /** Refused, or released: it may send another request; it still keeps its resource alive. */
  Bound,
  Parked,
}

/** A live resource and the table's bookkeeping about it. */
class Entry implements HeapItem {
  /** The table's number for it, for status views. */
  readonly id: number;
  /** Connections bound here: holders, waiters and the others not yet dropped. */
  bound = 0;
  /** When it retires if still unbound; set when the last connection leaves. */
  expiry = 0;
  deadline = 0;
  heapIndex = -1;

  constructor(
    id: number,
    readonly key: string,
    readonly kind: ResourceKind,
    readonly resource: Resource,
    /** How long it survives without a bound connection. */
    readonly idleTimeout: number,
  ) {
    this.id = id;
  }
}

/** A connection the table knows about. */
class Binding {
  constructor(
    /** The resource it is bound to; undefined while parked. */
    public entry: Entry | undefined,
    public key: string,
    /** The name it asked for, to check unlock messages. */
    public name: string,
    public state: State,
    /** What it asked for, for status views. */
    public request: LockRequestInput,
    /** When it entered its state: granted, queued or parked (status views). */
    public since: number,
    /** What its grant handed out. */
    public element?: string,
  ) {}
}

/** A request waiting for its resource to be created. */
interface ParkedRequest {
  readonly name: ResourceName;
  readonly request: LockRequestInput;
}

function toNotice(conn: ConnId, outcome: LockOutcome): Notice {
  const element = outcome.rc === RC.OK ? outcome.element : undefined;
  return element === undefined ? { conn, rc: outcome.rc } : { conn, rc: outcome.rc, element };
}

function requestView(conn: ConnId, binding: Binding): RequestView {
  const { request } = binding;
  const kind = binding.entry?.kind ?? parseResourceName(binding.name)!.kind;
  const parameter = requestParameter(kind);
  return {
    conn,
    name: binding.name,
    ...(parameter === "mode" ? { mode: request.mode } : {}),
    ...(parameter === "quantity" ? { quantity: request.quantity } : {}),
    ...(binding.element === undefined ? {} : { element: binding.element }),
    since: binding.since,
  };
}

/**
 * Every live resource of the daemon, and every connection that locked, waits, was refused or is
 * parked. Pure: time comes from the injected clock; the daemon sends the returned answers and
 * notices and calls `tick()` at `nextDeadline()`.
 */
export class LockTable {
  readonly #now: () => number;
  readonly #waits: WaitObserver | undefined;
  readonly #resources = new Map<string, Entry>();
  readonly #connections = new Map<ConnId, Binding>();
  /** Parked requests per resource key, in arrival order. */
  readonly #parkingLot = new Map<string, Map<ConnId, ParkedRequest>>();
  readonly #deadlines = new DeadlineHeap<Entry>();
  #holders = 0;
  #waiters = 0;
  #parked = 0;
  #nextId = 1;

  constructor(options: LockTableOptions) {
    this.#now = options.now;
    this.#waits = options.waits;
  }

  /** True when there are no live resources and no parked connections. */
  get isEmpty(): boolean {
    return this.#resources.size === 0 && this.#parked === 0;
  }

  /** Counts for a status view and benchmarks. */
  stats(): { resources: number; holders: number; waiters: number; parked: number } {
    return {
      resources: this.#resources.size,
      holders: this.#holders,
      waiters: this.#waiters,
      parked: this.#parked,
    };
  }

  /**
   * Every live resource with its holders and waiters (in queue order), and the parked requests,
   * at this instant: one pass over the resources and the connections.
   */
  snapshot(): TableSnapshot {
    const now = this.#now();
    const byEntry = new Map<Entry, ResourceView>();
    for (const entry of this.#resources.values()) {
      if (entry.bound === 0 && entry.expiry <= now) continue; // retired at its next look-up
      byEntry.set(entry, {
        id: entry.id,
        name: entry.key,
        kind: entry.kind,
        holders: [],
        waiters: [],
        ...(entry.bound === 0 ? { idleRemainingMs: entry.expiry - now } : {}),
      });
    }
    const parked: ParkedView[] = [];
    // Connections are in the order of their requests, which is the order of each queue.
    for (const [conn, binding] of this.#connections) {
      const view = requestView(conn, binding);
      if (binding.entry === undefined) {
        const kind = parseResourceName(binding.name)!.kind;
        parked.push({ ...view, kind });
        continue;
      }
      const resource = byEntry.get(binding.entry);
      if (binding.state === State.Holder) resource?.holders.push(view);
      else if (binding.state === State.Waiter) resource?.waiters.push(view);
    }
    return { takenAt: now, resources: [...byEntry.values()], parked };
  }

  /** Whether `conn` holds a lock (granted, not yet released). */
  holds(conn: ConnId): boolean {
    return this.#connections.get(conn)?.state === State.Holder;
  }

  /**
   * Who a waiting connection waits for: the holders of its resource, longest held first, and how
   * many requests are queued before it. Undefined unless `conn` waits in a queue.
   */
  blockers(conn: ConnId): { holders: RequestView[]; ahead: number } | undefined {
    const waiting = this.#connections.get(conn);
    if (waiting?.state !== State.Waiter) return undefined;
    const holders: RequestView[] = [];
    let ahead = 0;
    let behind = false;
    for (const [other, binding] of this.#connections) {
      if (binding.entry !== waiting.entry) continue;
      if (binding.state === State.Holder) holders.push(requestView(other, binding));
      else if (other === conn) behind = true;
      else if (binding.state === State.Waiter && !behind) ahead++;
    }
    holders.sort((a, b) => a.since - b.since);
    return { holders, ahead };
  }

  /**
   * A lock request from `conn`. Returns the immediate answer and the notices for parked
   * connections served because this request created their resource.
   */
  lock(conn: ConnId, request: LockRequestInput): { outcome: LockOutcome; notices: Notice[] } {
    const previous = this.#connections.get(conn);
    // One lock per connection: the original would confuse its bookkeeping with a second one.
    if (previous !== undefined && previous.state !== State.Bound) {
      return { outcome: INVALID_REQUEST, notices: [] };
    }
    const name = parseResourceName(request.name);
    if (name === undefined) return { outcome: INVALID_NAME, notices: [] };
    if (!admissible(name, request)) return { outcome: INVALID_REQUEST, notices: [] };
    if (previous !== undefined) this.#unbind(conn, previous.entry!);

    const key = lockKey(name);
    let entry = this.#live(key);
    let created = false;
    if (entry === undefined) {
      if (!request.create) {
        if (!request.wait) return { outcome: CANNOT_WAIT, notices: [] };
        this.#park(conn, key, name, request);
        return { outcome: PARKED, notices: [] };
      }
      const resource = createResource(name, this.#now);
      if (resource === undefined) return { outcome: CANNOT_CREATE, notices: [] };
      entry = new Entry(this.#nextId++, key, name.kind, resource, idleTimeout(request.lifespan));
      this.#resources.set(key, entry);
      created = true;
    }
    const outcome = this.#request(conn, entry, name, request);
    const notices = created ? this.#unpark(entry) : [];
    this.#refresh(entry);
    return { outcome, notices };
  }

  /**
   * Unlock message from `conn`. ok=false means a protocol violation (name/root does not match
   * what the connection locked, or a sequence unlock from a non-holder): the daemon will close
   * the connection and then call drop(conn).
   */
  unlock(conn: ConnId, name: string, rollback: boolean): { ok: boolean; notices: Notice[] } {
    const binding = this.#connections.get(conn);
    if (binding === undefined || !this.#sameResource(binding, name)) {
      return { ok: false, notices: [] };
    }
    const entry = binding.entry;
    if (entry === undefined) {
      // Cancels a parked request, as an unlock cancels a queued one.
      this.#connections.delete(conn);
      this.#unpark1(conn, binding.key);
      this.#waits?.abandoned();
      return { ok: true, notices: [] };
    }
    if (binding.state !== State.Holder && entry.resource.strictUnlock) {
      return { ok: false, notices: [] };
    }
    const notices = this.#leave(conn, binding, entry, rollback);
    binding.state = State.Bound;
    this.#refresh(entry);
    return { ok: true, notices };
  }

  /**
   * Connection lost (EOF, error, invalid message): releases what it holds (for _S_ sequences
   * this is a rollback), removes it from any wait queue or the parking lot.
   */
  drop(conn: ConnId): Notice[] {
    const binding = this.#connections.get(conn);
    if (binding === undefined) return [];
    const entry = binding.entry;
    if (entry === undefined) {
      this.#connections.delete(conn);
      this.#unpark1(conn, binding.key);
      this.#waits?.abandoned();
      return [];
    }
    const notices = this.#leave(conn, binding, entry, true);
    this.#unbind(conn, entry);
    return notices;
  }

  /** Earliest time (epoch ms) at which tick() has work; undefined if none. */
  nextDeadline(): number | undefined {
    return this.#deadlines.peek()?.deadline;
  }

  /** Retires expired idle resources and grants timestamp waiters whose grain has come. */
  tick(): Notice[] {
    const now = this.#now();
    const due: Entry[] = [];
    for (let entry = this.#deadlines.peek(); entry !== undefined && entry.deadline <= now;) {
      this.#deadlines.set(entry, undefined);
      due.push(entry);
      entry = this.#deadlines.peek();
    }
    const notices: Notice[] = [];
    for (const entry of due) {
      if (entry.bound === 0) {
        this.#resources.delete(entry.key);
        continue;
      }
      const granted = entry.resource.wake();
      this.#promote(granted);
      notices.push(...granted);
      this.#refresh(entry);
    }
    return notices;
  }

  /** The live resource of `key`; one whose idle time is up is retired first, even before tick. */
  #live(key: string): Entry | undefined {
    const entry = this.#resources.get(key);
    if (entry === undefined || entry.bound > 0 || entry.expiry > this.#now()) return entry;
    this.#resources.delete(key);
    this.#deadlines.set(entry, undefined);
    return undefined;
  }

  /** Hands the request to the resource and binds `conn` to it. */
  #request(conn: ConnId, entry: Entry, name: ResourceName, request: LockRequestInput): LockOutcome {
    const result = entry.resource.lock(conn, name, request);
    const state = result.rc === RC.OK
      ? State.Holder
      : result.rc === RC.LOCK_ENQUEUED
      ? State.Waiter
      : State.Bound;
    if (state === State.Holder) this.#holders++;
    else if (state === State.Waiter) this.#waiters++;
    const element = result.rc === RC.OK ? result.element : undefined;
    this.#connections.set(
      conn,
      new Binding(entry, entry.key, request.name, state, request, this.#now(), element),
    );
    entry.bound++;
    return result;
  }

  #park(conn: ConnId, key: string, name: ResourceName, request: LockRequestInput): void {
    let parked = this.#parkingLot.get(key);
    if (parked === undefined) this.#parkingLot.set(key, parked = new Map());
    parked.set(conn, { name, request });
    this.#connections.set(
      conn,
      new Binding(undefined, key, request.name, State.Parked, request, this.#now()),
    );
    this.#parked++;
  }

  /** Processes the requests parked for a resource that has just been created. */
  #unpark(entry: Entry): Notice[] {
    const parked = this.#parkingLot.get(entry.key);
    if (parked === undefined) return [];
    this.#parkingLot.delete(entry.key);
    this.#parked -= parked.size;
    const notices: Notice[] = [];
    for (const [conn, { name, request }] of parked) {
      const parkedSince = this.#connections.get(conn)!.since;
      const outcome = this.#request(conn, entry, name, request);
      if (outcome.rc === RC.OK) this.#waits?.granted(this.#now() - parkedSince);
      notices.push(toNotice(conn, outcome));
    }
    return notices;
  }

  /** Takes one connection out of the parking lot. */
  #unpark1(conn: ConnId, key: string): void {
    const parked = this.#parkingLot.get(key)!;
    parked.delete(conn);
    if (parked.size === 0) this.#parkingLot.delete(key);
    this.#parked--;
  }

  /** Releases the lock of a holder or cancels the request of a waiter. */
  #leave(conn: ConnId, binding: Binding, entry: Entry, rollback: boolean): Notice[] {
    if (binding.state === State.Holder) {
      this.#holders--;
      const granted = entry.resource.release(conn, rollback);
      this.#promote(granted);
      return granted;
    }
    if (binding.state === State.Waiter) {
      this.#waiters--;
      entry.resource.release(conn, rollback);
      this.#waits?.abandoned();
    }
    return [];
  }

  /** Detaches a connection that neither holds nor waits from its resource. */
  #unbind(conn: ConnId, entry: Entry): void {
    this.#connections.delete(conn);
    if (--entry.bound === 0) entry.expiry = this.#now() + entry.idleTimeout;
    this.#refresh(entry);
  }

  /** Records the grants made to waiters. */
  #promote(granted: Notice[]): void {
    if (granted.length === 0) return;
    const now = this.#now();
    for (const { conn, element } of granted) {
      const binding = this.#connections.get(conn)!;
      // Until now, `since` is when it was queued.
      this.#waits?.granted(now - binding.since);
      binding.state = State.Holder;
      binding.since = now;
      binding.element = element;
    }
    this.#waiters -= granted.length;
    this.#holders += granted.length;
  }

  /** Files the entry's next deadline: retirement when unbound, else its resource's wake-up. */
  #refresh(entry: Entry): void {
    this.#deadlines.set(entry, entry.bound === 0 ? entry.expiry : entry.resource.deadline());
  }

  /** Whether an unlock naming `name` is for the resource the connection is bound to. */
  #sameResource(binding: Binding, name: string): boolean {
    if (name === binding.name) return true;
    const parsed = parseResourceName(name);
    return parsed !== undefined && lockKey(parsed) === binding.key;
  }
}
