/**
 * What every resource kind is: a state machine that grants, queues or refuses lock requests and
 * hands freed capacity to its waiters (docs/compatibility.md, "Resources").
 */
import { RC } from "../protocol/return_codes.ts";
import type { ResourceName } from "./names.ts";
import type { LockRequestInput } from "./lock_table.ts";

/** Opaque connection identity chosen by the daemon. */
export type ConnId = number;

/**
 * The fields of a lock request a resource looks at; the lock table has validated them: the mode
 * is a `LockMode` for simple and hierarchical names, the quantity an integer ≥ 1 for numeric ones.
 */
export type ResourceRequest = Pick<LockRequestInput, "mode" | "quantity" | "wait">;

/** A resource's answer to a lock request: granted (with its element), enqueued, busy, impossible. */
export type LockResult =
  | { rc: typeof RC.OK; element?: string }
  | { rc: typeof RC.LOCK_ENQUEUED }
  | { rc: typeof RC.LOCK_BUSY }
  | { rc: typeof RC.LOCK_IMPOSSIBLE };

/** An asynchronous answer the daemon must send (at step 24) to another connection. */
export interface Notice {
  conn: ConnId;
  rc: number;
  element?: string;
}

/** The lock table's view of a resource. */
export interface Resource {
  /**
   * Whether an unlock from a connection that does not hold the lock is a protocol violation
   * (sequences) rather than a cancellation or a no-op (every other kind).
   */
  readonly strictUnlock: boolean;
  /** Processes a request from a connection that neither holds nor waits here. */
  lock(conn: ConnId, name: ResourceName, request: ResourceRequest): LockResult;
  /** Releases `conn`'s lock and grants what became grantable, or takes `conn` off the queue. */
  release(conn: ConnId, rollback: boolean): Notice[];
  /** When waiters may become grantable without a release (timestamps); undefined if never. */
  deadline(): number | undefined;
  /** Grants every waiter that has become grantable (called at `deadline()`). */
  wake(): Notice[];
  /**
   * Books `conn` as the holder of `element`, which it was granted elsewhere (an etcd-backed
   * daemon rebuilding a resource from the holders etcd records); false when the element cannot
   * be held now. Only kinds that hand out elements have it (sets, sequences, timestamps).
   */
  restore?(conn: ConnId, element: string): boolean;
  /**
   * What the kind remembers beyond its holders and waiters (a sequence's next value and the
   * values given back, a timestamp's last grant), as plain data for an etcd-backed daemon to
   * keep between decisions.
   */
  state?(): unknown;
  /** Takes back what state() gave; anything else leaves the resource as it is. */
  restoreState?(state: unknown): void;
}

const ENQUEUED: LockResult = { rc: RC.LOCK_ENQUEUED };
const BUSY: LockResult = { rc: RC.LOCK_BUSY };
const IMPOSSIBLE: LockResult = { rc: RC.LOCK_IMPOSSIBLE };

/**
 * The rules every kind shares: a request is checked against the holders only, never against the
 * queue; on release the queue is walked head to tail and every waiter that has become grantable
 * is granted, so a later compatible waiter may overtake an earlier blocked one. A kind supplies
 * the grant rule and its bookkeeping through the protected hooks.
 *
 * @typeParam H what the kind remembers about a holder
 * @typeParam W what the kind remembers about a waiter
 */
export abstract class BaseResource<H, W> implements Resource {
  readonly strictUnlock: boolean = false;
  readonly #holders = new Map<ConnId, H>();
  // Insertion-ordered, so it is the FIFO queue; O(1) removal of any waiter. Created lazily: most
  // resources never have a waiter.
  #waiters: Map<ConnId, W> | undefined;

  /** The number of current holders. */
  protected get holding(): number {
    return this.#holders.size;
  }

  /** The number of queued requests. */
  protected get waiting(): number {
    return this.#waiters?.size ?? 0;
  }

  /** What a waiting request needs to remember. */
  protected abstract waiter(name: ResourceName, request: ResourceRequest): W;
  /** Whether the request can never be granted, whatever is released. */
  protected impossible(_waiter: W): boolean {
    return false;
  }
  /** Whether the request can be granted against the current holders. */
  protected abstract canGrant(waiter: W): boolean;
  /** Books a grant that `canGrant` allowed. */
  protected abstract acquire(waiter: W): H;
  /** The element the grant hands out, if the kind has elements. */
  protected element(_holder: H): string | undefined {
    return undefined;
  }
  /** Books a release. */
  protected abstract free(holder: H, rollback: boolean): void;
  /** Called after a request joined (+1) or left (−1) the queue. */
  protected queued(_waiter: W, _delta: 1 | -1): void {}
  /**
   * Whether no waiter can be granted before the next release, which ends a queue walk early: with
   * thousands of waiters behind an exclusive holder a release must not visit all of them.
   */
  protected saturated(): boolean {
    return false;
  }

  lock(conn: ConnId, name: ResourceName, request: ResourceRequest): LockResult {
    const waiter = this.waiter(name, request);
    if (this.impossible(waiter)) return IMPOSSIBLE;
    if (this.canGrant(waiter)) {
      const element = this.#grant(conn, waiter);
      return element === undefined ? { rc: RC.OK } : { rc: RC.OK, element };
    }
    if (!request.wait) return BUSY;
    (this.#waiters ??= new Map()).set(conn, waiter);
    this.queued(waiter, 1);
    return ENQUEUED;
  }

  release(conn: ConnId, rollback: boolean): Notice[] {
    if (this.#holders.has(conn)) {
      const holder = this.#holders.get(conn) as H;
      this.#holders.delete(conn);
      this.free(holder, rollback);
      return this.wake();
    }
    const waiters = this.#waiters;
    if (waiters?.has(conn)) this.#dequeue(waiters, conn, waiters.get(conn) as W);
    return [];
  }

  deadline(): number | undefined {
    return undefined;
  }

  wake(): Notice[] {
    const notices: Notice[] = [];
    const waiters = this.#waiters;
    if (waiters === undefined) return notices;
    // Deleting the current entry while iterating a Map is safe and does not skip the next one.
    for (const [conn, waiter] of waiters) {
      if (this.saturated()) break;
      if (!this.canGrant(waiter)) continue;
      this.#dequeue(waiters, conn, waiter);
      const element = this.#grant(conn, waiter);
      notices.push(element === undefined ? { conn, rc: RC.OK } : { conn, rc: RC.OK, element });
    }
    return notices;
  }

  /** Books `conn` as holding `holder`, granted elsewhere (see Resource.restore). */
  protected restoreHolder(conn: ConnId, holder: H): void {
    this.#holders.set(conn, holder);
  }

  #grant(conn: ConnId, waiter: W): string | undefined {
    const holder = this.acquire(waiter);
    this.#holders.set(conn, holder);
    return this.element(holder);
  }

  #dequeue(waiters: Map<ConnId, W>, conn: ConnId, waiter: W): void {
    waiters.delete(conn);
    if (waiters.size === 0) this.#waiters = undefined;
    this.queued(waiter, -1);
  }
}
