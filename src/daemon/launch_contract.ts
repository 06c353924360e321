import type { Settings } from "../config/settings.ts";

/**
 * The contract between a client and the daemon it launches by re-running its own executable:
 * the environment variable that carries the launch and the one-line start report the daemon
 * writes on its standard output (a pipe to the client). Kept apart from the daemon's code so
 * that the client's start-up does not load it.
 */

/** Set in the daemon's environment only; its presence selects daemon mode. */
export const DAEMON_LAUNCH_ENV = "FLOM_DAEMON_LAUNCH";

/** What a daemon is started with: the effective settings of the client that launched it. */
export interface DaemonLaunch {
  settings: Settings;
  /**
   * The socket is the computed per-user default: created owner-only. An explicit `-s PATH` is
   * the documented way to share a daemon with other users and is open to everybody.
   */
  privateSocket: boolean;
}

/**
 * What a starting daemon tells its client: reason code 0 when it listens, else the code and text
 * of the failure. FLOCK_ERROR (-108) means another daemon won the race to start, and the client
 * simply connects to that one, as with the original.
 */
export interface StartReport {
  rc: number;
  message?: string;
}

/** Formats a StartReport as the single line the launching client reads. */
export function formatStartReport(report: StartReport): string {
  return report.message === undefined ? `${report.rc}\n` : `${report.rc} ${report.message}\n`;
}

/** Parses the line written by formatStartReport; undefined for anything else. */
export function parseStartReport(line: string): StartReport | undefined {
  const match = /^(-?\d+)(?: (.*))?$/.exec(line.trimEnd());
  if (!match) return undefined;
  const rc = Number(match[1]);
  return match[2] === undefined ? { rc } : { rc, message: match[2] };
}
