/**
 * The text forms of a status snapshot: the table `flom --status` prints, the `-r` filter, the
 * durations, and the line a waiting `-V` client prints. Pure.
 */
import type { ClientIdentity, WaitInfo } from "../protocol/messages.ts";
import type {
  HolderStatus,
  RequestStatus,
  ResourceStatus,
  StatusSnapshot,
  WaiterStatus,
} from "./snapshot.ts";

/** A duration as people read it: `0.4s`, `12.4s`, `4m10s`, `2h05m`, `3d04h`. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, ms) / 1000;
  if (seconds < 60) return `${(Math.floor(seconds * 10) / 10).toFixed(1)}s`;
  const whole = Math.floor(seconds);
  const pad = (value: number) => String(value).padStart(2, "0");
  if (whole < 3600) return `${Math.floor(whole / 60)}m${pad(whole % 60)}s`;
  if (whole < 86400) return `${Math.floor(whole / 3600)}h${pad(Math.floor(whole / 60) % 60)}m`;
  return `${Math.floor(whole / 86400)}d${pad(Math.floor(whole / 3600) % 24)}h`;
}

/**
 * Who a client is: `pid 4242 on mojan: backup.sh` for a flom client that said so, its peer
 * (`10.0.0.5/44854`, `local`) for any other, `orphaned pid 4250: backup.sh` for the command
 * that holds the lock of a client that died.
 */
export function describeClient(
  client: ClientIdentity & { peer: string; orphanedPid?: number },
): string {
  if (client.orphanedPid !== undefined) {
    return `orphaned pid ${client.orphanedPid}` +
      (client.program === undefined ? "" : `: ${client.program}`);
  }
  if (client.pid === undefined) return client.peer;
  const host = client.host === undefined ? "" : ` on ${client.host}`;
  const program = client.program === undefined ? "" : `: ${client.program}`;
  return `pid ${client.pid}${host}${program}`;
}

/**
 * The line a waiting `-V` client prints: `Waiting for 'backup': held by pid 4242 on mojan
 * (backup.sh) for 12.4s, 2 ahead in queue`.
 */
export function waitLine(resource: string, wait: WaitInfo): string {
  const { holder } = wait;
  const who = holder.pid === undefined
    ? holder.peer === "local" ? "a local client" : holder.peer
    : `pid ${holder.pid}${holder.host === undefined ? "" : ` on ${holder.host}`}${
      holder.program === undefined ? "" : ` (${holder.program})`
    }`;
  const others = wait.holders > 1 ? ` and ${wait.holders - 1} more` : "";
  const queue = wait.ahead === 0 ? "next in queue" : `${wait.ahead} ahead in queue`;
  return `Waiting for '${resource}': held by ${who}${others} for ${
    formatDuration(wait.heldMs)
  }, ${queue}`;
}

/**
 * The part of `snapshot` about `name` (`-r NAME`): that resource, or, for a hierarchical name,
 * every request for it or below it (`/a/b` shows `/a/b` and `/a/b/c`, not `/a/c`).
 */
export function filterSnapshot(snapshot: StatusSnapshot, name: string): StatusSnapshot {
  const matches = (asked: string) =>
    asked === name || (name.startsWith("/") && asked.startsWith(`${name}/`));
  const resources: ResourceStatus[] = [];
  for (const resource of snapshot.resources) {
    if (resource.kind !== "hierarchical") {
      if (resource.name === name) resources.push(resource);
      continue;
    }
    const asked = (entry: { name?: string }) => matches(entry.name ?? resource.name);
    const holders = resource.holders.filter(asked);
    const waiters = resource.waiters.filter(asked);
    if (holders.length > 0 || waiters.length > 0 || matches(resource.name)) {
      resources.push({ ...resource, holders, waiters });
    }
  }
  return {
    ...snapshot,
    resources,
    incubator: snapshot.incubator.filter((parked) => matches(parked.resource)),
  };
}

/** How the table is drawn. */
export interface TableStyle {
  /** ANSI colours (a terminal without NO_COLOR). @default false */
  colour?: boolean;
}

const COLOURS = { bold: "\x1b[1m", green: "\x1b[32m", yellow: "\x1b[33m", dim: "\x1b[2m" };
const RESET = "\x1b[0m";
const HEADINGS = ["RESOURCE", "KIND", "STATE", "CLIENT", "REQUEST", "ELEMENT", "FOR"];

type Colour = keyof typeof COLOURS;
type Row = { cells: string[]; colour?: Colour };

/**
 * The status table: a line about the daemon, then one row per holder, waiter (in queue order),
 * idle resource and request waiting for its resource to be created, in aligned columns.
 */
export function formatStatusTable(snapshot: StatusSnapshot, style: TableStyle = {}): string {
  const taken = Date.parse(snapshot.takenAt);
  const uptime = formatDuration(taken - Date.parse(snapshot.daemon.startedAt));
  const count = snapshot.resources.length;
  const title =
    `flom daemon pid ${snapshot.daemon.pid}, up ${uptime}, ${count} resource${
      count === 1 ? "" : "s"
    }` +
    (snapshot.incubator.length === 0 ? "" : `, ${snapshot.incubator.length} waiting for creation`);
  const rows: Row[] = [];
  for (const resource of snapshot.resources) rows.push(...resourceRows(resource));
  for (const parked of snapshot.incubator) {
    rows.push({
      cells: [
        parked.resource,
        parked.kind,
        "awaiting creation",
        describeClient(parked),
        requestText(parked),
        "",
        formatDuration(parked.waitingMs),
      ],
      colour: "yellow",
    });
  }
  if (rows.length === 0) return `${title}\nno resources\n`;
  return `${title}\n${table([{ cells: HEADINGS, colour: "bold" }, ...rows], style)}`;
}

function resourceRows(resource: ResourceStatus): Row[] {
  const rows: Row[] = [];
  const row = (
    entry: HolderStatus | WaiterStatus,
    state: string,
    ms: number,
    colour: Colour,
  ): Row => ({
    cells: [
      entry.name ?? resource.name,
      resource.kind,
      state,
      describeClient(entry),
      requestText(entry),
      "element" in entry ? entry.element ?? "" : "",
      formatDuration(ms),
    ],
    colour,
  });
  for (const holder of resource.holders) rows.push(row(holder, "held", holder.heldMs, "green"));
  resource.waiters.forEach((waiter, index) =>
    rows.push(row(waiter, `waiting #${index + 1}`, waiter.waitingMs, "yellow"))
  );
  if (rows.length === 0) {
    const forgotten = resource.idleRemainingMs === undefined
      ? ""
      : `forgotten in ${formatDuration(resource.idleRemainingMs)}`;
    rows.push({
      cells: [resource.name, resource.kind, "idle", "", "", "", forgotten],
      colour: "dim",
    });
  }
  return rows;
}

function requestText(request: RequestStatus): string {
  if (request.mode !== undefined) return request.mode;
  if (request.quantity !== undefined) {
    return `${request.quantity} unit${request.quantity === 1 ? "" : "s"}`;
  }
  return "";
}

function table(rows: Row[], style: TableStyle): string {
  const widths = HEADINGS.map((_, column) =>
    Math.max(...rows.map(({ cells }) => [...(cells[column] ?? "")].length))
  );
  return rows.map(({ cells, colour }) => {
    const text = cells.map((cell, column) =>
      column === cells.length - 1 ? cell : cell + " ".repeat(widths[column]! - [...cell].length)
    ).join("  ").trimEnd();
    return style.colour && colour !== undefined
      ? `${COLOURS[colour]}${text}${RESET}\n`
      : `${text}\n`;
  }).join("");
}
