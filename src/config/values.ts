/**
 * How the values of settings are spelled (docs/compatibility.md, "Command line"): C integers,
 * yes/no, lock modes, signal lists, and the rules for resource and socket names. Shared by the
 * config files and the command line; every function is pure.
 */
import { LockMode } from "../resources/lock_mode.ts";
import { parseResourceName, resourceNameAdvice } from "../resources/names.ts";
import { DEFAULT_RESOURCE_NAME } from "./settings.ts";
import { encodeUtf8 } from "../protocol/binary_string.ts";

/**
 * Where an integer is written: `"option"` is GLib's `strtol(text, 0)` (`0x10` = 16, `010` = 8,
 * leading blanks allowed); `"keyfile"` is GKeyFile's decimal syntax, which also tolerates blanks
 * after the number because a key file keeps the trailing blanks of a value.
 */
export type IntegerSyntax = "option" | "keyfile";

/** The range of a C `int`. */
export const INT_MIN = -(2 ** 31);
export const INT_MAX = 2 ** 31 - 1;

// `[ \t\n\v\f\r]` is C's isspace() in the C locale.
const OPTION_INTEGER = /^[ \t\n\v\f\r]*([+-]?)(?:0[xX]([0-9a-fA-F]+)|(0[0-7]*)|([1-9][0-9]*))$/;
const KEYFILE_INTEGER = /^[ \t\n\v\f\r]*([+-]?)([0-9]+)[ \t\n\v\f\r]*$/;

/**
 * Parses a C `int`. Throws `SyntaxError` when `text` is not an integer in `syntax` (empty text and
 * trailing garbage included) and `RangeError` when it is one but does not fit a C `int`.
 */
export function parseInteger(text: string, syntax: IntegerSyntax): number {
  let sign: string;
  let magnitude: number;
  if (syntax === "option") {
    const match = OPTION_INTEGER.exec(text);
    if (!match) throw new SyntaxError(`Cannot parse integer: '${text}'`);
    sign = match[1]!;
    magnitude = match[2] !== undefined
      ? Number.parseInt(match[2], 16)
      : match[3] !== undefined
      ? Number.parseInt(match[3], 8)
      : Number.parseInt(match[4]!, 10);
  } else {
    const match = KEYFILE_INTEGER.exec(text);
    if (!match) throw new SyntaxError(`Cannot parse integer: '${text}'`);
    sign = match[1]!;
    magnitude = Number.parseInt(match[2]!, 10);
  }
  // Huge magnitudes lose precision as doubles, but stay out of range, which is all that matters.
  const value = sign === "-" ? -magnitude : magnitude;
  if (value < INT_MIN || value > INT_MAX) {
    throw new RangeError(`Cannot parse integer: '${text}' is out of range`);
  }
  return value;
}

/** C `abs()` on an `int`; the one overflowing case is clamped instead of staying negative. */
export function absInt(value: number): number {
  return Math.min(Math.abs(value), INT_MAX);
}

const YES_NO: ReadonlyMap<string, boolean> = new Map([
  ["yes", true],
  ["y", true],
  ["true", true],
  ["no", false],
  ["n", false],
  ["false", false],
]);

/**
 * Parses a yes/no value: `yes`, `y`, `true`, `no`, `n`, `false` in any case, surrounding blanks
 * ignored; `undefined` for anything else. Deliberately stricter than the original's substring
 * search, which reads `maybe` as yes and `On` as no (README, "Differences from FLoM 1.7.2").
 */
export function parseYesNo(text: string): boolean | undefined {
  return YES_NO.get(text.trim().toLowerCase());
}

// Each mode by its short and its long name.
const LOCK_MODE_SPELLINGS: ReadonlyMap<string, LockMode> = new Map([
  ["nl", LockMode.NullLock],
  ["nulllock", LockMode.NullLock],
  ["cr", LockMode.ConcurrentRead],
  ["concurrentread", LockMode.ConcurrentRead],
  ["cw", LockMode.ConcurrentWrite],
  ["concurrentwrite", LockMode.ConcurrentWrite],
  ["pr", LockMode.ProtectedRead],
  ["protectedread", LockMode.ProtectedRead],
  ["pw", LockMode.ProtectedWrite],
  ["protectedwrite", LockMode.ProtectedWrite],
  ["ex", LockMode.Exclusive],
  ["exclusive", LockMode.Exclusive],
]);

/**
 * Parses a lock mode: its short or long name (`PR`, `ProtectedRead`) in any case, surrounding
 * blanks ignored; `undefined` for anything else. Deliberately stricter than the original's
 * substring search, which reads `express` as PR and `crash` as CR.
 */
export function parseLockMode(text: string): LockMode | undefined {
  return LOCK_MODE_SPELLINGS.get(text.trim().toLowerCase());
}

/**
 * The signals that can be ignored, Linux x86 numbering: entry `n - 1` is signal `n`. A fixed
 * table, as in the original, not a query of the running system.
 */
export const SIGNAL_NAMES: readonly string[] = [
  "SIGHUP",
  "SIGINT",
  "SIGQUIT",
  "SIGILL",
  "SIGTRAP",
  "SIGABRT",
  "SIGBUS",
  "SIGFPE",
  "SIGKILL",
  "SIGUSR1",
  "SIGSEGV",
  "SIGUSR2",
  "SIGPIPE",
  "SIGALRM",
  "SIGTERM",
  "SIGSTKFLT",
  "SIGCHLD",
  "SIGCONT",
  "SIGSTOP",
  "SIGTSTP",
  "SIGTTIN",
  "SIGTTOU",
  "SIGURG",
  "SIGXCPU",
  "SIGXFSZ",
  "SIGVTALRM",
  "SIGPROF",
  "SIGWINCH",
  "SIGIO",
  "SIGPWR",
  "SIGSYS",
];

/**
 * Parses signal list elements: a number 1..31, or a name of {@link SIGNAL_NAMES} in any case,
 * with or without its `SIG` prefix (`TERM`, `sigterm`), surrounding blanks ignored. Returns
 * signal numbers, ascending, without duplicates. Deliberately stricter than the original, which
 * reads `15x` as 15 and silently drops what it does not know.
 * @throws {RangeError} naming the first element that is no signal (`option` names the option)
 */
export function parseSignalList(elements: readonly string[], option: string): number[] {
  const signals = new Set<number>();
  for (const element of elements) {
    const text = element.trim();
    if (text === "") continue; // a list may end with its separator
    const number = /^[0-9]+$/.test(text) ? Number(text) : signalNumber(text);
    if (number === undefined || number < 1 || number > SIGNAL_NAMES.length) {
      throw new RangeError(
        `${option}: '${element}' is not a signal: give a number from 1 to ${SIGNAL_NAMES.length} or a name such as TERM (flom --signal-list shows them)`,
      );
    }
    signals.add(number);
  }
  return [...signals].sort((a, b) => a - b);
}

function signalNumber(name: string): number | undefined {
  const upper = name.toUpperCase();
  const index = SIGNAL_NAMES.indexOf(upper.startsWith("SIG") ? upper : `SIG${upper}`);
  return index >= 0 ? index + 1 : undefined;
}

/** The name of signal `signal` (1..31) in {@link SIGNAL_NAMES}; its number for any other. */
export function signalName(signal: number): string {
  return SIGNAL_NAMES[signal - 1] ?? String(signal);
}

/** The message the original prints for an option value it refuses: `lock-mode: 'XX' is ...`. */
export function invalidValue(option: string, text: string): RangeError {
  return new RangeError(`${option}: '${text}' is an invalid value`);
}

/**
 * Refuses a resource name that the user may not set: the reserved default name or a name of no
 * resource kind. Throws `RangeError` with the original's message.
 */
export function validateResourceName(name: string): void {
  if (name === DEFAULT_RESOURCE_NAME) {
    throw new RangeError(
      `ERROR: '${name}' is a reserved resource name and can not be set by user`,
    );
  }
  if (parseResourceName(name) === undefined) throw new RangeError(invalidResourceName(name));
}

/** The original's line for a name of no resource kind, then ours with the kinds of names. */
export function invalidResourceName(name: string): string {
  return `ERROR: '${name}' is not a valid name for a resource\nflom: ${resourceNameAdvice(name)}`;
}

/** Longest UNIX socket path in bytes: `sizeof(sun_path) - 1` on Linux. */
export const SOCKET_NAME_MAX_BYTES = 107;

/** The length of `text` in UTF-8 bytes, the unit of path limits. */
export function utf8Length(text: string): number {
  return encodeUtf8(text).length;
}

/** Refuses a socket name longer than {@link SOCKET_NAME_MAX_BYTES}; `option` names it. */
export function validateSocketName(name: string, option: string): void {
  if (utf8Length(name) > SOCKET_NAME_MAX_BYTES) throw invalidValue(option, name);
}

/** Where a server listens: a host name or IP address (IPv6 without brackets) and a port. */
export interface HostPort {
  hostname: string;
  port: number;
}

const HOST_PORT = /^(?:\[([^\]]*)\]|([^:[\]]*)):([0-9]{1,5})$/;
const IPV4_BYTE = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
const IPV4 = new RegExp(`^${IPV4_BYTE}(?:\\.${IPV4_BYTE}){3}$`);
const HOST_LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
const HOST_NAME = new RegExp(`^(?=.{1,253}$)${HOST_LABEL}(?:\\.${HOST_LABEL})*$`);

/**
 * Reads `ADDRESS:PORT` (`127.0.0.1:9100`, `[::1]:9100`, `localhost:9100`): an IPv4 address, an
 * IPv6 address in brackets or a host name, and a port from 1 to 65535. Undefined for anything
 * else (no port, port 0, a malformed address, an IPv6 address without brackets or with a zone).
 */
export function parseHostPort(text: string): HostPort | undefined {
  const match = HOST_PORT.exec(text);
  if (!match) return undefined;
  const [, ipv6, host, digits] = match;
  const port = Number(digits);
  if (port < 1 || port > 65535) return undefined;
  if (ipv6 !== undefined) return isIpv6(ipv6) ? { hostname: ipv6, port } : undefined;
  // Digits and dots only are an IPv4 address or nothing (not the host name `300.1.1.1`).
  const valid = /^[0-9.]+$/.test(host!) ? IPV4.test(host!) : HOST_NAME.test(host!);
  return valid ? { hostname: host!, port } : undefined;
}

/** Whether `text` is an IPv6 address, by the URL parser's rules (which reject zones). */
function isIpv6(text: string): boolean {
  if (!/^[0-9A-Fa-f:.]+$/.test(text)) return false;
  try {
    new URL(`http://[${text}]/`);
    return true;
  } catch {
    return false;
  }
}

/**
 * The etcd endpoints of `URL[,URL…]`: `http://HOST:PORT` or `https://HOST:PORT` each (https: etcd's
 * TLS, checked against `--etcd-ca-certificate`), in the given order, without a path; undefined for
 * anything else.
 */
export function parseEtcdEndpoints(text: string): string[] | undefined {
  const endpoints: string[] = [];
  for (const word of text.split(",")) {
    const trimmed = word.trim();
    if (!URL.canParse(trimmed)) return undefined;
    const url = new URL(trimmed);
    if (
      (url.protocol !== "http:" && url.protocol !== "https:") || url.port === "" ||
      (url.pathname !== "/" && url.pathname !== "")
    ) {
      return undefined;
    }
    if (url.search !== "" || url.hash !== "" || url.username !== "") return undefined;
    endpoints.push(url.origin);
  }
  return endpoints;
}

/** Refuses endpoints that {@link parseEtcdEndpoints} does not read; `option` names it. */
export function validateEtcdEndpoints(text: string, option: string): void {
  if (parseEtcdEndpoints(text) === undefined) {
    throw new RangeError(
      `${option}: ${
        quoteValue(text)
      } is an invalid value: give http://HOST:PORT or https://HOST:PORT, comma-separated, as http://127.0.0.1:2379`,
    );
  }
}

/** Refuses an etcd prefix that is empty or does not start with `/`; `option` names it. */
export function validateEtcdPrefix(text: string, option: string): void {
  if (!text.startsWith("/")) {
    throw new RangeError(
      `${option}: ${quoteValue(text)} is an invalid value: give a key prefix starting with /`,
    );
  }
}

/** Refuses an address that {@link parseHostPort} does not read; `option` names it. */
export function validateHostPort(text: string, option: string): void {
  if (parseHostPort(text) === undefined) {
    throw new RangeError(
      `${option}: ${
        quoteValue(text)
      } is an invalid value: give ADDRESS:PORT, as 127.0.0.1:9100 or [::1]:9100`,
    );
  }
}

/**
 * Shows a value inside a one-line message: quoted, with control characters escaped so that a
 * value holding a newline (a key file's `\n` escape) cannot split the line.
 */
export function quoteValue(text: string): string {
  // deno-lint-ignore no-control-regex
  const escaped = text.replace(/[\x00-\x1f\x7f]/g, (char) => {
    switch (char) {
      case "\n":
        return "\\n";
      case "\t":
        return "\\t";
      case "\r":
        return "\\r";
      default:
        return `\\x${char.charCodeAt(0).toString(16).padStart(2, "0")}`;
    }
  });
  return `'${escaped}'`;
}
