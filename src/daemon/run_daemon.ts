import type { DaemonLaunch, StartReport } from "./launch_contract.ts";
import { RC } from "../protocol/return_codes.ts";
import { endpointFor } from "../transport/endpoint.ts";
import { readUniqueId } from "../transport/unique_id.ts";
import { DaemonAlreadyRunning, listenEndpoint } from "./listener.ts";
import { DaemonServer } from "./server.ts";

const STOP_SIGNALS: Deno.Signal[] = ["SIGTERM", "SIGINT", "SIGQUIT"];

/**
 * Runs a daemon until it stops; `report` is called once, when it listens or when it cannot.
 * Returns the process exit status.
 */
export async function runDaemon(
  { settings, privateSocket }: DaemonLaunch,
  report: (report: StartReport) => void,
): Promise<number> {
  const endpoint = endpointFor(settings);
  if (endpoint === undefined) {
    report({ rc: RC.INVALID_OPTION, message: "no socket name or unicast address to listen on" });
    return 1;
  }
  let listener: Deno.Listener;
  try {
    listener = await listenEndpoint(endpoint, { ownerOnly: privateSocket });
  } catch (error) {
    const rc = error instanceof DaemonAlreadyRunning ? RC.FLOCK_ERROR : RC.BIND_ERROR;
    report({ rc, message: error instanceof Error ? error.message : String(error) });
    return 1;
  }
  const server = new DaemonServer(listener, {
    lifespan: settings.daemonLifespan,
    peerId: readUniqueId() ?? "",
  });
  const stop = () => server.stop();
  // A daemon lives in its own session; a hang-up is not a reason to drop everybody's locks.
  const ignore = () => {};
  for (const signal of STOP_SIGNALS) Deno.addSignalListener(signal, stop);
  Deno.addSignalListener("SIGHUP", ignore);
  report({ rc: RC.OK });
  try {
    await server.serve();
  } finally {
    for (const signal of STOP_SIGNALS) Deno.removeSignalListener(signal, stop);
    Deno.removeSignalListener("SIGHUP", ignore);
  }
  return 0;
}
