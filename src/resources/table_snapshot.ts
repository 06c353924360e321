/**
 * What the lock table shows of itself at one instant (LockTable.snapshot): the data behind the
 * daemon's status views, in the table's own terms (connection ids, the table's clock).
 */
import type { ConnId } from "./resource.ts";
import type { ResourceKind } from "./names.ts";

/** A connection's request as a status view shows it. */
export interface RequestView {
  conn: ConnId;
  /** The name it asked for (under a hierarchical resource, a path below the row's root). */
  name: string;
  /** Lock mode (a `LockMode`), for the kinds that have modes. */
  mode?: number;
  /** Units, for numeric resources. */
  quantity?: number;
  /** What its grant handed out (set member, sequence value, timestamp). */
  element?: string;
  /** When it was granted, queued or parked (the table's clock). */
  since: number;
}

/** A live resource as a status view shows it. */
export interface ResourceView {
  id: number;
  /** The resource's name; the root (`/a`) for a hierarchical one. */
  name: string;
  kind: ResourceKind;
  holders: RequestView[];
  /** In queue order. */
  waiters: RequestView[];
  /** Unused: how long until it is retired. */
  idleRemainingMs?: number;
}

/** A request waiting for its resource to be created. */
export interface ParkedView extends RequestView {
  kind: ResourceKind;
}

/** What {@link LockTable.snapshot} returns. */
export interface TableSnapshot {
  /** The table's clock when it was taken. */
  takenAt: number;
  resources: ResourceView[];
  parked: ParkedView[];
}
