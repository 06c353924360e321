/**
 * Locks whose client died while its command still runs: a flom wrapper killed with SIGKILL
 * closes its connection, but the command it started holds on. Such a lock is kept until that
 * process has ended, then released. Only for local clients, which reported their command's
 * process (docs/protocol-extensions.md, "The command under a lock").
 *
 * Processes are known from /proc: whether a process is still the one it was (its start time
 * tells it from a later process that got the same id), and its parent. Linux only; elsewhere no
 * process is known, and the daemon keeps the original's behaviour.
 */
import type { ConnectionInfo } from "../status/build_snapshot.ts";
import type { ConnId } from "../resources/lock_table.ts";
import { Alarm } from "./alarm.ts";

/** A process, identified beyond its id. */
export interface ProcessIdentity {
  pid: number;
  /** Field 22 of /proc/PID/stat: clock ticks after boot at which it started. */
  startTicks: string;
  /** Its parent's process id. */
  parent: number;
}

/** The process `pid` as /proc shows it now; undefined when there is none (or no /proc). */
export function processIdentity(pid: number): ProcessIdentity | undefined {
  let stat: string;
  try {
    stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces and parentheses itself.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (the state): a zombie has ended.
  if (fields[0] === "Z" || fields[0] === "X") return undefined;
  const parent = Number(fields[1]);
  const startTicks = fields[19];
  return startTicks === undefined ? undefined : { pid, startTicks, parent };
}

/** Whether `process` still runs: the same id and the same start time. */
export function stillRunning(process: ProcessIdentity): boolean {
  return processIdentity(process.pid)?.startTicks === process.startTicks;
}

/**
 * The processes whose environment holds `FLOM_FENCING_TOKEN=<token>`: the command flom started
 * under that grant, and whatever it started that kept its environment. Only processes this
 * daemon may read (its user's, or all for root) are found, which are the ones its clients start.
 */
export function processesWithToken(token: string): ProcessIdentity[] {
  const marker = `FLOM_FENCING_TOKEN=${token}\0`;
  const found: ProcessIdentity[] = [];
  let entries: Iterable<Deno.DirEntry>;
  try {
    entries = Deno.readDirSync("/proc");
  } catch {
    return found;
  }
  for (const { name } of entries) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === Deno.pid) continue;
    let environment: string;
    try {
      environment = Deno.readTextFileSync(`/proc/${pid}/environ`);
    } catch {
      continue; // gone, or another user's
    }
    if (!environment.startsWith(marker) && !environment.includes(`\0${marker}`)) continue;
    const identity = processIdentity(pid);
    if (identity !== undefined) found.push(identity);
  }
  return found;
}

// How often the kept processes are looked at: a lock is released within this of its command's
// end; each look is one small /proc read per known process.
const POLL_MS = 50;

// Looks that must find no process before a lock is released: a flom killed between starting its
// command and the command's exec leaves a child whose environment gets the token only then.
const EMPTY_LOOKS = 2;

interface Orphan {
  token: string;
  processes: ProcessIdentity[];
  emptyLooks: number;
  info: ConnectionInfo;
}

/**
 * The orphaned locks of a daemon; `release` is called once for each, when no process of its
 * command runs any more.
 */
export class OrphanedLocks {
  readonly #orphans = new Map<ConnId, Orphan>();
  readonly #now: () => number;
  readonly #alarm: Alarm;
  readonly #release: (conn: ConnId, token: string) => void;

  constructor(now: () => number, release: (conn: ConnId, token: string) => void) {
    this.#now = now;
    this.#release = release;
    this.#alarm = new Alarm(now, () => this.#poll());
  }

  /**
   * Keeps the lock of `conn`, granted with `token`, while a process of its command runs: the one
   * its client reported, if any, and every process that carries the token in its environment.
   */
  keep(
    conn: ConnId,
    token: string,
    reported: ProcessIdentity | undefined,
    info: ConnectionInfo,
  ): void {
    const processes = processesWithToken(token);
    if (reported !== undefined && !processes.some(({ pid }) => pid === reported.pid)) {
      processes.unshift(reported);
    }
    this.#orphans.set(conn, { token, processes, emptyLooks: 0, info });
    this.#alarm.set(this.#now() + POLL_MS);
  }

  /** How status views show the connection of an orphaned lock; undefined for any other. */
  info(conn: ConnId): ConnectionInfo | undefined {
    const orphan = this.#orphans.get(conn);
    const [process] = orphan?.processes ?? [];
    if (orphan === undefined) return undefined;
    return process === undefined ? orphan.info : { ...orphan.info, orphanedPid: process.pid };
  }

  /** Stops watching (the daemon stops: every lock goes anyway). */
  stop(): void {
    this.#alarm.cancel();
    this.#orphans.clear();
  }

  #poll(): void {
    for (const [conn, orphan] of this.#orphans) {
      orphan.processes = orphan.processes.filter(stillRunning);
      // When the known processes are gone, what they started may still run with the token.
      if (orphan.processes.length === 0) orphan.processes = processesWithToken(orphan.token);
      if (orphan.processes.length > 0) {
        orphan.emptyLooks = 0;
        continue;
      }
      if (++orphan.emptyLooks < EMPTY_LOOKS) continue;
      this.#orphans.delete(conn);
      this.#release(conn, orphan.token);
    }
    if (this.#orphans.size > 0) this.#alarm.set(this.#now() + POLL_MS);
  }
}
