/**
 * What the server asks of a lock table: the in-memory `LockTable`, or the table of an etcd-backed
 * daemon (src/etcd/etcd_lock_table.ts), which decides asynchronously.
 */
import type {
  LockRequestInput,
  LockTable,
  Notice,
  TableSnapshot,
} from "../resources/lock_table.ts";
import type { ConnId } from "../resources/resource.ts";
import type { WaitInfo } from "../protocol/messages.ts";
import type { ConnectionInfo } from "../status/build_snapshot.ts";

/**
 * An answer the server sends outside the answer to a message it has just read: by default a grant
 * or refusal at step 24; an asynchronous table also answers lock requests this way (step 16), and
 * gives its grants their fencing token.
 */
export interface ServedNotice extends Notice {
  /** @default 24 */
  step?: 16 | 24;
  /** The grant's fencing token; the server makes one when there is none. */
  fencingToken?: string;
  /** On an "enqueued" answer: who blocks the request, for a client that asked (`explain`). */
  wait?: WaitInfo;
}

/** The lock table of a daemon. */
export interface ServedTable {
  /** True when the daemon may retire: nothing held, waited for or parked. */
  readonly isEmpty: boolean;
  /**
   * A lock request. An undefined outcome means the answer comes later, as a step-16 notice
   * through the `deliver` function the table was made with.
   */
  lock(
    conn: ConnId,
    request: LockRequestInput,
  ): { outcome: { rc: number; element?: string } | undefined; notices: ServedNotice[] };
  unlock(conn: ConnId, name: string, rollback: boolean): { ok: boolean; notices: ServedNotice[] };
  drop(conn: ConnId): ServedNotice[];
  holds(conn: ConnId): boolean;
  blockers(conn: ConnId): ReturnType<LockTable["blockers"]>;
  nextDeadline(): number | undefined;
  tick(): ServedNotice[];
  snapshot(): TableSnapshot;
  /**
   * Every daemon's requests where several share the locks (etcd): this daemon's under their
   * connection numbers, the others' under numbers below 0, named in `others`.
   */
  clusterSnapshot?(): Promise<{ table: TableSnapshot; others: Map<ConnId, ConnectionInfo> }>;
}

/**
 * Makes a table that sends its asynchronous answers through `deliver`; `who` names a connection
 * (for the status views of other daemons that share the locks).
 */
export type ServedTableFactory = (
  deliver: (notices: ServedNotice[]) => void,
  who: (conn: ConnId) => ConnectionInfo | undefined,
) => ServedTable;
