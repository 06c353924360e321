/**
 * `flom --status`: asks the daemon the settings name for its status and prints it as a table or
 * as JSON, once or every `--watch` interval until interrupted. Never starts a daemon.
 */
import { connectDaemon, SocketOwnerError } from "../client/connect.ts";
import { NoStatusViewError, requestStatus } from "../client/status_request.ts";
import { ClientError } from "../errors.ts";
import { DEFAULT_RESOURCE_NAME, type Settings } from "../config/settings.ts";
import { strerror } from "../protocol/return_codes.ts";
import { filterSnapshot, formatStatusTable } from "../status/format_status.ts";
import type { StatusSnapshot } from "../status/snapshot.ts";
import type { Tracer } from "../trace/trace.ts";
import { startTimer } from "../transport/timer.ts";
import { readUniqueId } from "../transport/unique_id.ts";
import { EXIT } from "./exit_status.ts";
import type { Console } from "./run.ts";

/** What `--status` was asked for. */
export interface StatusOptions {
  privateSocket: boolean;
  tracer: Tracer;
  json: boolean;
  /** Redraw every this many milliseconds until SIGINT. */
  watch?: number;
  /** Output goes to a terminal: colours (unless NO_COLOR) and redraws in place. */
  terminal: boolean;
}

/** Prints the status; returns the exit status (0, or 99 with a message on stderr). */
export async function showStatus(
  settings: Settings,
  options: StatusOptions,
  console: Console,
): Promise<number> {
  if (options.watch === undefined) {
    try {
      console.out(render(options, await fetchStatus(settings, options)));
      return EXIT.OK;
    } catch (error) {
      console.err(failureText(error));
      return EXIT.GENERIC_ERROR;
    }
  }
  return await watch(settings, { ...options, watch: options.watch }, console);
}

async function fetchStatus(settings: Settings, options: StatusOptions): Promise<StatusSnapshot> {
  const conn = await connectDaemon({
    settings,
    privateSocket: options.privateSocket,
    autoStart: false,
    argv: [],
    tracer: options.tracer,
  });
  const snapshot = await requestStatus(conn, readUniqueId() ?? "");
  // `-r NAME` shows one resource (and, for a hierarchical name, what lies below it).
  return settings.resourceName === DEFAULT_RESOURCE_NAME
    ? snapshot
    : filterSnapshot(snapshot, settings.resourceName);
}

function render(options: StatusOptions, snapshot: StatusSnapshot): string {
  if (options.json) {
    // One document per line when watching, so that a consumer can read them one by one.
    return `${JSON.stringify(snapshot, null, options.watch === undefined ? 2 : undefined)}\n`;
  }
  const colour = options.terminal && Deno.env.get("NO_COLOR") === undefined;
  return formatStatusTable(snapshot, { colour });
}

// Redraws like watch(1) until Ctrl-C; a daemon that stops or restarts is said, then found again.
async function watch(
  settings: Settings,
  options: StatusOptions & { watch: number },
  console: Console,
): Promise<number> {
  const interrupted = Promise.withResolvers<void>();
  const onInterrupt = () => interrupted.resolve();
  Deno.addSignalListener("SIGINT", onInterrupt);
  try {
    for (;;) {
      let frame: string;
      try {
        frame = render(options, await fetchStatus(settings, options));
      } catch (error) {
        if (!(error instanceof ClientError || error instanceof SocketOwnerError)) throw error;
        frame = failureText(error);
      }
      if (options.json) {
        console.out(frame);
      } else {
        const clear = options.terminal ? "\x1b[H\x1b[2J" : "";
        const every = `Every ${(options.watch / 1000).toFixed(1)}s: flom --status`;
        console.out(`${clear}${every}  ${new Date().toISOString()}\n\n${frame}\n`);
      }
      const tick = Promise.withResolvers<"tick">();
      const timer = startTimer(options.watch, () => tick.resolve("tick"));
      const woke = await Promise.race([tick.promise, interrupted.promise]);
      timer.cancel();
      if (woke !== "tick") return EXIT.OK;
    }
  } finally {
    Deno.removeSignalListener("SIGINT", onInterrupt);
  }
}

const TLS_HINT = "a daemon that uses TLS closes a plain connection the same way: it may need " +
  "--tls-certificate, --tls-private-key and --tls-ca-certificate";

/** The lines that say why there is no status. */
function failureText(error: unknown): string {
  if (error instanceof NoStatusViewError) {
    return `${error.message}\n` + (error.plain ? `flom: ${TLS_HINT}\n` : "");
  }
  if (error instanceof SocketOwnerError) return `${error.message}\n`;
  if (error instanceof ClientError) {
    return `flom --status: ret_cod=${error.rc} (${strerror(error.rc)})\n` +
      (error.explanation === undefined ? "" : `flom: ${error.explanation}\n`);
  }
  throw error;
}
