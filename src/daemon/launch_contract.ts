import { defaultSettings, OPTIONAL_SETTINGS, type Settings } from "../config/settings.ts";

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
 * Reads the launch a client wrote: every setting of the right type, nothing else. Undefined for
 * anything that is not such a launch (the daemon then refuses to start, with a report).
 */
export function parseDaemonLaunch(json: string): DaemonLaunch | undefined {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (!isRecord(value) || typeof value.privateSocket !== "boolean" || !isRecord(value.settings)) {
    return undefined;
  }
  const defaults = new Map<string, unknown>(Object.entries(defaultSettings()));
  const optional: readonly string[] = OPTIONAL_SETTINGS;
  for (const [field, setting] of Object.entries(value.settings)) {
    const expected = defaults.has(field)
      ? defaults.get(field)
      : optional.includes(field)
      ? ""
      : undefined;
    if (!sameShape(setting, expected)) return undefined;
  }
  for (const field of defaults.keys()) {
    if (!(field in value.settings)) return undefined;
  }
  return { settings: value.settings as unknown as Settings, privateSocket: value.privateSocket };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Whether `value` has the JSON type of `example` (an array: of numbers, as the signal list). */
function sameShape(value: unknown, example: unknown): boolean {
  if (example === undefined) return false;
  if (Array.isArray(example)) {
    return Array.isArray(value) && value.every((element) => typeof element === "number");
  }
  return typeof value === typeof example;
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
