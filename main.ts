/**
 * The flom executable. One binary, two modes: the CLI, and the lock daemon that the CLI starts
 * by re-running this same executable with the launch in its environment. The only place that
 * calls Deno.exit.
 */
import { DAEMON_LAUNCH_ENV } from "./src/daemon/launch_contract.ts";

const launch = Deno.env.get(DAEMON_LAUNCH_ENV);
if (launch === undefined) {
  const { run } = await import("./src/cli/run.ts");
  Deno.exit(await run(Deno.args));
} else {
  // Not inherited by anything the daemon might ever start.
  Deno.env.delete(DAEMON_LAUNCH_ENV);
  const { runDaemonProcess } = await import("./src/daemon/daemon_process.ts");
  Deno.exit(await runDaemonProcess(launch));
}
