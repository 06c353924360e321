/**
 * The lock table's rules on the requests etcd holds: a resource is rebuilt with the in-memory
 * rules of src/resources/ (never written a second time) by replaying its holders, then its
 * waiters in FIFO order, then the new requests; what the rules grant on the way is what may be
 * granted now. Pure: decision.ts replays what etcd_lock_table.ts read, and decides.
 */
import { RC } from "../protocol/return_codes.ts";
import { parseResourceName } from "../resources/names.ts";
import type { LockResult, ResourceRequest } from "../resources/resource.ts";
import { createResource } from "../resources/resource_kinds.ts";
import type { ConnectionInfo } from "../status/build_snapshot.ts";

/** A lock request as one of the resource's keys holds it. */
export interface StoredRequest extends ResourceRequest {
  /** The name it asked for (the key names its resource). */
  name: string;
  /** Whether it holds the lock; else it waits. */
  granted: boolean;
  /** What its grant handed out (a set's member). */
  element?: string;
  /** Who asked, for the status views of the other daemons (the rules do not read it). */
  who?: ConnectionInfo;
  /** When it entered its state, epoch milliseconds (status views). */
  since?: number;
  /**
   * It waits for the resource's creation (`-e no`): it counts only once some other request
   * uses the resource, and then as a waiter in its place.
   */
  parked?: boolean;
}

/** What a replay starts from besides the requests. */
export interface ReplayFrom {
  /** The resource's state after the last decision (Resource.state), if it has one. */
  state?: unknown;
  /** Holders whose release this decision records, in order; `rollback` as their unlock said. */
  released?: readonly { request: StoredRequest; rollback: boolean }[];
  /**
   * The deciding daemon's clock, epoch milliseconds with a fractional part (timestamps read it).
   * @default Date.now
   */
  now?: () => number;
}

/** What replaying decided. */
export interface Replayed {
  /** The stored waiters that the rules grant now, by index, with what they get. */
  grantable: { index: number; element?: string }[];
  /** The answer to each added request, in order. */
  added: LockResult[];
  /** The resource's state after the decision, to record with it; undefined if it has none. */
  state: unknown;
  /**
   * When waiters may become grantable without a release (a timestamp's next grain), epoch
   * milliseconds; undefined if only a change of the requests can grant them.
   */
  deadline?: number;
}

/**
 * Replays, on a new resource of their kind with `from.state`: the `released` holders, which then
 * release (a rolled-back sequence value goes back to its pool); `stored` (in FIFO order: create
 * revision, then key); then `added` (in arrival order). Every name must be a valid name with the
 * same lock key (a timestamp's format one that shows the time).
 */
export function replay(
  stored: readonly StoredRequest[],
  added: readonly StoredRequest[],
  from: ReplayFrom = {},
): Replayed {
  const released = from.released ?? [];
  const first = released[0]?.request ?? stored[0] ?? added[0];
  const result: Replayed = { grantable: [], added: [], state: from.state };
  if (first === undefined) return result;
  const resource = createResource(parseResourceName(first.name)!, from.now ?? Date.now)!;
  if (from.state !== undefined) resource.restoreState?.(from.state);
  const lock = (index: number, request: StoredRequest) =>
    resource.lock(index, parseResourceName(request.name)!, request);
  // A holder keeps what it was given; the rules would hand the elements out anew.
  const hold = (index: number, request: StoredRequest) => {
    if (request.element !== undefined && resource.restore?.(index, request.element)) return;
    lock(index, { ...request, wait: true });
  };
  // Released holders take numbers after every other request's.
  const releasedFrom = stored.length + added.length;
  released.forEach(({ request }, i) => hold(releasedFrom + i, request));
  released.forEach(({ rollback }, i) => resource.release(releasedFrom + i, rollback));
  stored.forEach((request, index) => {
    if (request.granted) hold(index, request);
  });
  stored.forEach((request, index) => {
    if (request.granted) return;
    const outcome = lock(index, { ...request, wait: true });
    if (outcome.rc !== RC.OK) return;
    result.grantable.push(
      outcome.element === undefined ? { index } : { index, element: outcome.element },
    );
  });
  added.forEach((request, index) => result.added.push(lock(stored.length + index, request)));
  result.state = resource.state?.();
  const deadline = resource.deadline();
  if (deadline !== undefined) result.deadline = deadline;
  return result;
}
