/**
 * The lock table's rules on the requests etcd holds: a resource is rebuilt with the in-memory
 * rules of src/resources/ (never written a second time) by replaying its holders, then its
 * waiters in FIFO order, then the new requests; what the rules grant on the way is what may be
 * granted now. Pure: etcd_lock_table.ts reads the requests and records the decisions.
 */
import { RC } from "../protocol/return_codes.ts";
import { parseResourceName, type ResourceKind } from "../resources/names.ts";
import type { LockResult, ResourceRequest } from "../resources/resource.ts";
import { createResource } from "../resources/resource_kinds.ts";

/**
 * The kinds an etcd-backed daemon serves: those whose state is their holders and waiters, sets
 * included (a holder's key records its element). Sequences and timestamps also remember what
 * they handed out before, which etcd does not hold yet.
 */
export const ETCD_KINDS: ReadonlySet<ResourceKind> = new Set<ResourceKind>([
  "simple",
  "numeric",
  "hierarchical",
  "set",
]);

/** A lock request as one of the resource's keys holds it. */
export interface StoredRequest extends ResourceRequest {
  /** The name it asked for (the key names its resource). */
  name: string;
  /** Whether it holds the lock; else it waits. */
  granted: boolean;
  /** What its grant handed out (a set's member). */
  element?: string;
}

/** What replaying decided. */
export interface Replayed {
  /** The stored waiters that the rules grant now, by index, with what they get. */
  grantable: { index: number; element?: string }[];
  /** The answer to each added request, in order. */
  added: LockResult[];
}

/**
 * Replays `stored` (in FIFO order: create revision, then key) and then `added` (in arrival
 * order) on a new resource of their kind. Every name must be a valid name of an `ETCD_KINDS`
 * kind with the same lock key.
 */
export function replay(
  stored: readonly StoredRequest[],
  added: readonly StoredRequest[],
): Replayed {
  const first = stored[0] ?? added[0];
  const result: Replayed = { grantable: [], added: [] };
  if (first === undefined) return result;
  // Timestamps, the only kind that reads the clock, are no ETCD_KINDS.
  const resource = createResource(parseResourceName(first.name)!, Date.now)!;
  const lock = (index: number, request: StoredRequest) =>
    resource.lock(index, parseResourceName(request.name)!, request);
  stored.forEach((request, index) => {
    if (!request.granted) return;
    // A holder keeps what it was given; the rules would hand the members out anew.
    if (request.element !== undefined && resource.restore?.(index, request.element)) return;
    lock(index, { ...request, wait: true });
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
  return result;
}
