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

// How often the kept processes are looked at: a lock is released within this of its command's
// end; each look is one small /proc read per orphan.
const POLL_MS = 50;

interface Orphan {
  process: ProcessIdentity;
  info: ConnectionInfo;
}

/** The orphaned locks of a daemon; `release` is called once for each, when its process ends. */
export class OrphanedLocks {
  readonly #orphans = new Map<ConnId, Orphan>();
  readonly #now: () => number;
  readonly #alarm: Alarm;
  readonly #release: (conn: ConnId) => void;

  constructor(now: () => number, release: (conn: ConnId) => void) {
    this.#now = now;
    this.#release = release;
    this.#alarm = new Alarm(now, () => this.#poll());
  }

  /** Keeps the lock of `conn` until `process` ends. */
  keep(conn: ConnId, process: ProcessIdentity, info: ConnectionInfo): void {
    this.#orphans.set(conn, { process, info });
    this.#alarm.set(this.#now() + POLL_MS);
  }

  /** How status views show the connection of an orphaned lock; undefined for any other. */
  info(conn: ConnId): ConnectionInfo | undefined {
    const orphan = this.#orphans.get(conn);
    return orphan && { ...orphan.info, orphanedPid: orphan.process.pid };
  }

  /** Stops watching (the daemon stops: every lock goes anyway). */
  stop(): void {
    this.#alarm.cancel();
    this.#orphans.clear();
  }

  #poll(): void {
    for (const [conn, { process }] of this.#orphans) {
      if (stillRunning(process)) continue;
      this.#orphans.delete(conn);
      this.#release(conn);
    }
    if (this.#orphans.size > 0) this.#alarm.set(this.#now() + POLL_MS);
  }
}
