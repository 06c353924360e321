/**
 * The tree of the `-m DIR` status file system, built from a {@link StatusSnapshot}: the layout and
 * the exact file contents of the original's experimental VFS (FLoM 1.7). Pure: a snapshot in, a
 * tree out; src/vfs/fuse.ts serves it.
 *
 * ```
 * status/incubator/<conn>/{peer_name,resource_name,resource_type}
 * status/lockers/<id>/{resource_name,resource_type,holders/<conn>/…,waitings/<conn>/…}
 * ```
 */
import { LOCK_MODE_SHORT_NAMES, LockMode } from "../resources/lock_mode.ts";
import type { ResourceKind } from "../resources/names.ts";
import type {
  HolderStatus,
  IncubatorStatus,
  PeerStatus,
  RequestStatus,
  ResourceStatus,
  StatusSnapshot,
} from "../status/snapshot.ts";

/** A file: its whole content. */
export interface StatusFile {
  readonly kind: "file";
  readonly content: Uint8Array;
}

/** A directory: its children by name, in listing order. */
export interface StatusDirectory {
  readonly kind: "directory";
  readonly children: ReadonlyMap<string, StatusNode>;
}

/** A node of the status tree. */
export type StatusNode = StatusFile | StatusDirectory;

/**
 * The long name of a lock mode (`Exclusive`) from its short name (`EX`); a long name is returned
 * unchanged.
 *
 * @throws {RangeError} when `mode` names no lock mode.
 */
export function lockModeLongName(mode: string): string {
  const index = (LOCK_MODE_SHORT_NAMES as readonly string[]).indexOf(mode);
  if (index !== -1) return LockMode[index as LockMode];
  if (typeof (LockMode as Record<string, unknown>)[mode] === "number") return mode;
  throw new RangeError(`Cannot name lock mode: "${mode}" is not a lock mode`);
}

/** The tree the status file system shows for `snapshot`; the root holds `status` only. */
export function buildStatusTree(snapshot: StatusSnapshot): StatusDirectory {
  const incubator = new Map<string, StatusNode>();
  for (const waiter of snapshot.incubator) {
    incubator.set(String(waiter.connection), incubatorDirectory(waiter));
  }
  // A locker's folder is built when first looked at: a request for one file of a daemon with many
  // resources costs little more than the map of their numbers.
  const lockers = new Map<string, StatusNode>();
  for (const resource of snapshot.resources) {
    lockers.set(String(resource.id), lazyDirectory(() => lockerEntries(resource)));
  }
  const status = directory([["incubator", directory(incubator)], ["lockers", directory(lockers)]]);
  return directory([["status", status]]);
}

function incubatorDirectory(waiter: IncubatorStatus): StatusDirectory {
  return directory([
    ["peer_name", peerName(waiter)],
    ["resource_name", file(`${waiter.resource}\n`)],
    ["resource_type", file(`${waiter.kind}\n`)],
  ]);
}

function lockerEntries(resource: ResourceStatus): [string, StatusNode][] {
  const holders = new Map<string, StatusNode>();
  for (const holder of resource.holders) {
    holders.set(String(holder.connection), connectionDirectory(resource.kind, holder, holder));
  }
  const waitings = new Map<string, StatusNode>();
  for (const waiter of resource.waiters) {
    waitings.set(String(waiter.connection), connectionDirectory(resource.kind, waiter));
  }
  return [
    ["resource_name", file(`${resource.name}\n`)],
    ["resource_type", file(`${resource.kind}\n`)],
    ["holders", directory(holders)],
    ["waitings", directory(waitings)],
  ];
}

// A waiter has no element: sequence and timestamp values appear when granted.
function connectionDirectory(
  kind: ResourceKind,
  peer: PeerStatus & RequestStatus,
  holder?: HolderStatus,
): StatusDirectory {
  const entries: [string, StatusNode][] = [["peer_name", peerName(peer)]];
  switch (kind) {
    case "simple":
    case "hierarchical":
      // The original writes the mode without a newline.
      if (peer.mode !== undefined) entries.push(["lock_mode", file(lockModeLongName(peer.mode))]);
      break;
    case "numeric":
      if (peer.quantity !== undefined) entries.push(["quantity", file(`${peer.quantity}\n`)]);
      break;
    case "sequence":
      if (holder?.element !== undefined) {
        entries.push(["sequence_value", file(`${holder.element}\n`)]);
      }
      break;
    case "timestamp":
      if (holder?.element !== undefined) {
        entries.push(["timestamp_value", file(`${holder.element}\n`)]);
      }
      break;
    case "set":
      // The original does not show the member a set holder got.
      break;
  }
  return directory(entries);
}

function peerName(peer: PeerStatus): StatusFile {
  return file(peer.peer === "local" ? "localhost/\n" : `${peer.peer}\n`);
}

function directory(
  children: Iterable<[string, StatusNode]> | Map<string, StatusNode>,
): StatusDirectory {
  return { kind: "directory", children: children instanceof Map ? children : new Map(children) };
}

function lazyDirectory(build: () => [string, StatusNode][]): StatusDirectory {
  let children: Map<string, StatusNode> | undefined;
  return {
    kind: "directory",
    get children() {
      return children ??= new Map(build());
    },
  };
}

// Resource names are binary strings (one char per byte, src/resources/names.ts): bytes, not UTF-8.
function file(text: string): StatusFile {
  const content = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) content[i] = text.charCodeAt(i) & 0xff;
  return { kind: "file", content };
}
