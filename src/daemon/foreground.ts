/**
 * `flom --foreground`: one daemon run in the calling process, for a service manager (systemd's
 * `flom.service`) that supervises it: no detaching, no start report on a pipe, its FLMnnnX
 * messages and traces on stderr, and the daemon's own stop signals (SIGTERM stops it: its socket
 * file is removed and every lock is released as its connections close).
 */
import type { DaemonLaunch, StartReport } from "./launch_contract.ts";
import { runDaemon } from "./run_daemon.ts";
import type { SyslogWriter } from "../trace/syslog.ts";
import { RC, strerror } from "../protocol/return_codes.ts";

/** Where the foreground daemon writes: a whole line at a time (stderr). */
export type LineSink = (text: string) => void;

/**
 * The FLMnnnX messages as stderr lines. Under systemd (JOURNAL_STREAM set) each line starts
 * with its syslog priority, `<5>`, which the journal takes as the entry's priority
 * (sd-daemon(3)); elsewhere it starts with `flom[PID]: `, as in a syslog file.
 */
export function stderrMessages(
  err: LineSink,
  { journal, pid }: { journal: boolean; pid: number },
): SyslogWriter {
  return {
    log: (severity, message) => err(`${journal ? `<${severity}>` : `flom[${pid}]: `}${message}\n`),
  };
}

/**
 * Runs the daemon of `launch` in this process until it stops (idle lifespan, `-x`/`-X`, SIGTERM,
 * SIGINT, SIGQUIT). Returns 0 after a clean stop, 99 when it could not start (with the reason on
 * `err`).
 */
export async function runForeground(launch: DaemonLaunch, err: LineSink): Promise<number> {
  // One misbehaving promise must never take every user's locks down with the process.
  globalThis.addEventListener("unhandledrejection", (event) => event.preventDefault());
  let failure: StartReport | undefined;
  const status = await runDaemon(launch, (report) => {
    if (report.rc !== RC.OK) failure = report;
  }, {
    traceFallback: err,
    messages: stderrMessages(err, {
      journal: Deno.env.get("JOURNAL_STREAM") !== undefined,
      pid: Deno.pid,
    }),
  });
  if (failure !== undefined) {
    err(`flom: the daemon cannot start: ret_cod=${failure.rc} (${strerror(failure.rc)})\n`);
    if (failure.message !== undefined) err(`flom: ${failure.message}\n`);
    return 99;
  }
  return status === 0 ? 0 : 99;
}
