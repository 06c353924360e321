import { formatStartReport, parseDaemonLaunch, type StartReport } from "./launch_contract.ts";
import { RC } from "../protocol/return_codes.ts";
import { runDaemon } from "./run_daemon.ts";
import { encodeUtf8 } from "../protocol/binary_string.ts";
import { writeAllSync } from "../transport/stream_conn.ts";

/**
 * The daemon process: takes the launch (JSON) written by the client, reports its start on
 * standard output (a pipe the launching client reads) and serves. Returns the exit status.
 */
export async function runDaemonProcess(launchJson: string): Promise<number> {
  // One misbehaving promise must never take every user's locks down with the process.
  globalThis.addEventListener("unhandledrejection", (event) => event.preventDefault());
  const launch = parseDaemonLaunch(launchJson);
  if (launch === undefined) {
    writeReport({ rc: RC.INVALID_OPTION, message: "unreadable daemon launch settings" });
    return 1;
  }
  return await runDaemon(launch, writeReport);
}

function writeReport(report: StartReport): void {
  try {
    writeAllSync(Deno.stdout, encodeUtf8(formatStartReport(report)));
  } catch {
    // The launching client is gone; the daemon serves the others all the same.
  }
}
