/**
 * What a daemon says about its locks at one instant: the document behind `flom --status`, its
 * JSON form (`--status --json`, `GET /status`), the metrics and the `-m` status file system. Pure
 * types; the daemon builds one from its lock table in one step, so no view is torn.
 *
 * The JSON schema is this file: field names, ISO-8601 times and durations in milliseconds. A
 * change that a script could notice raises {@link STATUS_VERSION}.
 */
import type { ResourceKind } from "../resources/names.ts";

/** The schema version of {@link StatusSnapshot}. */
export const STATUS_VERSION = 1;

/** A client of the daemon, as far as the daemon knows it. */
export interface PeerStatus {
  /**
   * The daemon's number for the connection, unique while the daemon runs (the status file
   * system's `<conn_uid>`).
   */
  connection: number;
  /** `local` for a UNIX socket client, else the client's `ADDRESS/PORT` (`127.0.0.1/44854`). */
  peer: string;
  /** The client's process id, host name and program, when the client said (flom clients do). */
  pid?: number;
  host?: string;
  program?: string;
  /**
   * The client died while the command it started still runs: the lock is kept for that process
   * (its id here) until it ends.
   */
  orphanedPid?: number;
}

/** What a request asks for: a lock mode (simple, hierarchical) or a quantity (numeric). */
export interface RequestStatus {
  /** Short lock mode name (`EX`, `PR`, …); simple and hierarchical resources only. */
  mode?: string;
  /** Units; numeric resources only. */
  quantity?: number;
}

/** A connection holding a resource. */
export interface HolderStatus extends PeerStatus, RequestStatus {
  /** The name it asked for, when it is not the resource's: a path under a hierarchical root. */
  name?: string;
  /** The set member, sequence value or timestamp it holds. */
  element?: string;
  /** When the lock was granted. */
  since: string;
  /** For how long it has been held, in milliseconds. */
  heldMs: number;
}

/** A connection waiting in a resource's queue. */
export interface WaiterStatus extends PeerStatus, RequestStatus {
  /** The name it asked for, when it is not the resource's: a path under a hierarchical root. */
  name?: string;
  /** When it started waiting. */
  since: string;
  /** For how long it has waited, in milliseconds. */
  waitingMs: number;
}

/** One resource the daemon knows: held, waited for, or idle within its lifespan. */
export interface ResourceStatus {
  /** The daemon's number for the resource, unique while the daemon runs (`<locker_uid>`). */
  id: number;
  /** The resource's name; for a hierarchical resource, its root (`/a`). */
  name: string;
  kind: ResourceKind;
  holders: HolderStatus[];
  /** In queue order: the first is served first. */
  waiters: WaiterStatus[];
  /** An idle resource (no holder, no waiter): milliseconds until the daemon forgets it. */
  idleRemainingMs?: number;
}

/** A connection waiting for a resource that does not exist yet (`-e no`). */
export interface IncubatorStatus extends WaiterStatus {
  resource: string;
  kind: ResourceKind;
}

/** The whole status document. */
export interface StatusSnapshot {
  version: typeof STATUS_VERSION;
  /** When the daemon took the snapshot. */
  takenAt: string;
  daemon: {
    pid: number;
    /** When the daemon started. */
    startedAt: string;
  };
  /** In the order the daemon first saw them. */
  resources: ResourceStatus[];
  incubator: IncubatorStatus[];
}
