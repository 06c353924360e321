/**
 * The daemon's messages to the local syslog (docs/compatibility.md, "Daemon"): `openlog("flom",
 * LOG_PID, LOG_DAEMON)` and the original's FLMnnnX texts, sent as RFC 3164 datagrams to /dev/log. A
 * host without a syslog socket simply gets no messages: its absence is not an error.
 */
import { clockTime } from "./trace.ts";

/** Syslog severities used by the catalogue. */
export const Severity = { ERR: 3, WARNING: 4, NOTICE: 5, INFO: 6 } as const;

const LOG_DAEMON = 3 << 3;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** Formats one syslog datagram as the C library does, local time. */
export function formatSyslogLine(
  severity: number,
  message: string,
  at: Date,
  ident: string,
  pid: number,
): string {
  const day = String(at.getDate()).padStart(2, " ");
  return `<${LOG_DAEMON | severity}>${MONTHS[at.getMonth()]} ${day} ${
    clockTime(at)
  } ${ident}[${pid}]: ${message}`;
}

/** A sink for the daemon's FLMnnnX messages. */
export interface SyslogWriter {
  log(severity: number, message: string): void;
}

/** Discards everything: no syslog. */
export const NO_SYSLOG: SyslogWriter = { log: () => {} };

/** The local syslog at `path`, or NO_SYSLOG when there is none or datagrams are unavailable. */
export function openSyslog(path = "/dev/log"): SyslogWriter {
  try {
    if (!Deno.lstatSync(path).isSocket) return NO_SYSLOG;
    // An unbound sender: Deno's types ask for a path that the runtime does not need.
    const socket = Deno.listenDatagram(
      { transport: "unixpacket" } as Deno.UnixListenOptions & { transport: "unixpacket" },
    );
    const encoder = new TextEncoder();
    // Sends are chained so that messages arrive in the order they were logged.
    let sending: Promise<unknown> = Promise.resolve();
    return {
      log(severity, message) {
        const line = encoder.encode(
          formatSyslogLine(severity, message, new Date(), "flom", Deno.pid),
        );
        // A syslog that is busy or gone loses the message; the daemon goes on.
        sending = sending.then(() => socket.send(line, { transport: "unixpacket", path })).catch(
          () => {},
        );
      },
    };
  } catch {
    return NO_SYSLOG;
  }
}
