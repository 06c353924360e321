/**
 * FLOM_TRACE_MASK tracing (docs/compatibility.md, "Tracing"): a line is written only when its
 * module's bit is set in the mask, as `YYYY-MM-DD HH:MM:SS.uuuuuu [<pid>/<thread>] <message>`,
 * local time. The message texts are ours; the mask, the bits, the header and the destinations are
 * the original's.
 */

/** The original's module bits. */
export const TraceModule = {
  GENERIC: 0x1,
  CONFIG: 0x2,
  EXEC: 0x4,
  CLIENT: 0x8,
  DAEMON: 0x10,
  CONNS: 0x20,
  PARSER: 0x40,
  MSG: 0x80,
  LOCKER: 0x100,
  RSRC: 0x200,
  DAEMON_MNGMNT: 0x40000,
  API: 0x80000,
  DEBUG_FEATURES: 0x100000,
  TLS: 0x200000,
  TCP: 0x400000,
} as const;

/** Parses a mask as C `strtoul(value, NULL, 0)` does: 0x.., 0.., decimal; junk gives 0. */
export function parseTraceMask(value: string | undefined): number {
  const match = /^\s*(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(value ?? "");
  if (!match) return 0;
  const text = match[1]!;
  const mask = /^0[xX]/.test(text)
    ? parseInt(text.slice(2), 16)
    : text.startsWith("0")
    ? parseInt(text, 8) || 0
    : parseInt(text, 10);
  return mask >>> 0;
}

/** `HH:MM:SS` of `date` in local time, as the original's trace lines, logs and warnings show it. */
export function clockTime(date: Date): string {
  return `${zeroPadded(date.getHours())}:${zeroPadded(date.getMinutes())}:${
    zeroPadded(date.getSeconds())
  }`;
}

/** `value` with at least `width` digits, zeros in front. */
export function zeroPadded(value: number, width = 2): string {
  return String(value).padStart(width, "0");
}

/** Formats one trace line (newline included) for `message` at epoch milliseconds `now`. */
export function formatTraceLine(now: number, pid: number, message: string): string {
  // Whole microseconds first: fractional milliseconds are not exact in floating point.
  const epochMicros = Math.round(now * 1000);
  const date = new Date(Math.floor(epochMicros / 1000));
  const micros = epochMicros % 1_000_000;
  return `${date.getFullYear()}-${zeroPadded(date.getMonth() + 1)}-${zeroPadded(date.getDate())} ${
    clockTime(date)
  }.${zeroPadded(micros, 6)} [${pid}/0x1] ${message}\n`;
}

/** A sink for trace lines; tracing is off for modules whose bit is not in `mask`. */
export class Tracer {
  readonly mask: number;
  #write: (line: string) => void;
  #now: () => number;
  #pid: number;

  constructor(
    mask: number,
    write: (line: string) => void,
    options: { now: () => number; pid: number },
  ) {
    this.mask = mask;
    this.#write = write;
    this.#now = options.now;
    this.#pid = options.pid;
  }

  /** Whether `module` traces; lets callers skip building costly messages. */
  enabled(module: number): boolean {
    return (this.mask & module) !== 0;
  }

  /** Writes `message` when `module` is enabled. */
  trace(module: number, message: string): void {
    if (this.enabled(module)) this.#write(formatTraceLine(this.#now(), this.#pid, message));
  }
}

/** A tracer that never writes, for code paths with tracing off. */
export const NO_TRACE = new Tracer(0, () => {}, { now: () => 0, pid: 0 });
