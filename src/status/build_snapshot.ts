/**
 * Turns the lock table's own view (connection ids, the table's clock, wire lock modes) into the
 * status document: peers named, times as ISO-8601, durations in milliseconds. Pure.
 */
import type { ClientIdentity } from "../protocol/messages.ts";
import { LOCK_MODE_SHORT_NAMES } from "../resources/lock_mode.ts";
import type { RequestView, TableSnapshot } from "../resources/table_snapshot.ts";
import type { PeerStatus, RequestStatus, StatusSnapshot } from "./snapshot.ts";

/** What the daemon knows of one connection besides the table. */
export interface ConnectionInfo {
  /** `local` for a UNIX socket client, else `ADDRESS/PORT`. */
  peer: string;
  client?: ClientIdentity;
  /** The connection is gone, and its lock is kept for this process: its command. */
  orphanedPid?: number;
}

/** The daemon itself. */
export interface DaemonInfo {
  pid: number;
  /** Epoch milliseconds. */
  startedAt: number;
}

/**
 * The status document of `table`; `connection` names each connection (a connection it does not
 * know shows as peer `unknown`).
 */
export function buildSnapshot(
  table: TableSnapshot,
  connection: (conn: number) => ConnectionInfo | undefined,
  daemon: DaemonInfo,
): StatusSnapshot {
  const now = table.takenAt;
  const peerOf = (conn: number): PeerStatus => {
    const info = connection(conn);
    return {
      connection: conn,
      peer: info?.peer ?? "unknown",
      ...info?.client,
      ...(info?.orphanedPid === undefined ? {} : { orphanedPid: info.orphanedPid }),
    };
  };
  const requestOf = (view: RequestView): RequestStatus => ({
    ...(view.mode === undefined
      ? {}
      : { mode: LOCK_MODE_SHORT_NAMES[view.mode] ?? String(view.mode) }),
    ...(view.quantity === undefined ? {} : { quantity: view.quantity }),
  });
  // The name asked for is shown only where it is not the row's (a path under a hierarchy).
  const nameOf = (view: RequestView, row: string) => view.name === row ? {} : { name: view.name };
  return {
    // STATUS_VERSION, written out: the compiler checks it against the type, and a daemon does
    // not load one more module at its start for a constant.
    version: 1,
    takenAt: isoTime(now),
    daemon: { pid: daemon.pid, startedAt: isoTime(daemon.startedAt) },
    resources: table.resources.map((resource) => ({
      id: resource.id,
      name: resource.name,
      kind: resource.kind,
      holders: resource.holders.map((view) => ({
        ...peerOf(view.conn),
        ...nameOf(view, resource.name),
        ...requestOf(view),
        ...(view.element === undefined ? {} : { element: view.element }),
        since: isoTime(view.since),
        heldMs: elapsed(now, view.since),
      })),
      waiters: resource.waiters.map((view) => ({
        ...peerOf(view.conn),
        ...nameOf(view, resource.name),
        ...requestOf(view),
        since: isoTime(view.since),
        waitingMs: elapsed(now, view.since),
      })),
      ...(resource.idleRemainingMs === undefined
        ? {}
        : { idleRemainingMs: Math.round(resource.idleRemainingMs) }),
    })),
    incubator: table.parked.map((view) => ({
      ...peerOf(view.conn),
      ...requestOf(view),
      resource: view.name,
      kind: view.kind,
      since: isoTime(view.since),
      waitingMs: elapsed(now, view.since),
    })),
  };
}

function isoTime(epochMs: number): string {
  return new Date(Math.floor(epochMs)).toISOString();
}

function elapsed(now: number, since: number): number {
  return Math.max(0, Math.round(now - since));
}
