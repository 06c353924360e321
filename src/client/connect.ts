import type { Settings } from "../config/settings.ts";
import { RC } from "../protocol/return_codes.ts";
import {
  connectEndpoint,
  describeEndpoint,
  type Endpoint,
  endpointFor,
} from "../transport/endpoint.ts";
import { ClientError } from "./client_error.ts";
import { launchDaemon } from "./launch_daemon.ts";
import { NO_TRACE, TraceModule, type Tracer } from "../trace/trace.ts";

/** The per-user socket belongs to another user; see checkOwner. */
export class SocketOwnerError extends Error {
  constructor(path: string, owner: number) {
    super(
      `Cannot use socket '${path}': it belongs to another user (uid ${owner}); give -s PATH to share a daemon on purpose`,
    );
    this.name = "SocketOwnerError";
  }
}

/** How to reach the daemon; see connectDaemon. */
export interface ConnectOptions {
  settings: Settings;
  /** The socket is the computed per-user default, which must belong to this user. */
  privateSocket: boolean;
  /** Start a daemon when none answers and the lifespan is not 0 (the lock path only). */
  autoStart: boolean;
  /** The arguments a launched daemon shows in `ps`: this client's own. */
  argv: string[];
  tracer?: Tracer;
}

/**
 * Connects to the daemon the settings name, starting one when none answers and that is
 * allowed. Throws ClientError with the original's codes: -105 nobody answers and none may be
 * started, -2 a daemon was started but does not answer, or the started daemon's own failure;
 * SocketOwnerError for a per-user socket that is not ours.
 */
export async function connectDaemon(options: ConnectOptions): Promise<Deno.Conn> {
  const { settings } = options;
  const tracer = options.tracer ?? NO_TRACE;
  const endpoint = endpointFor(settings);
  if (endpoint === undefined) {
    throw new ClientError(RC.CONNECT_ERROR, "no socket name or unicast address configured");
  }
  if (options.privateSocket && endpoint.transport === "unix") await checkOwner(endpoint.path);
  tracer.trace(
    TraceModule.CLIENT,
    `flom_client_connect: connecting to ${describeEndpoint(endpoint)}`,
  );
  try {
    return await connectEndpoint(endpoint);
  } catch (error) {
    tracer.trace(TraceModule.CLIENT, `flom_client_connect: connection failed: ${describe(error)}`);
    if (!options.autoStart || !isNobodyListening(error)) {
      throw new ClientError(RC.CONNECT_ERROR, describe(error));
    }
    if (settings.daemonLifespan === 0) {
      tracer.trace(
        TraceModule.CLIENT,
        "flom_client_connect: connection failed, a new daemon can not be started because daemon lifespan is 0",
      );
      throw new ClientError(RC.CONNECT_ERROR, describe(error));
    }
  }
  tracer.trace(TraceModule.CLIENT, "flom_client_connect: starting a new daemon");
  const report = await launchDaemon(
    { settings, privateSocket: options.privateSocket },
    options.argv,
  );
  // FLOCK_ERROR: another client's daemon won the race to start; use that one.
  tracer.trace(TraceModule.CLIENT, `flom_client_connect: daemon start report rc=${report.rc}`);
  if (report.rc !== RC.OK && report.rc !== RC.FLOCK_ERROR) {
    throw new ClientError(report.rc, report.message);
  }
  return await connectStarted(endpoint);
}

async function connectStarted(endpoint: Endpoint): Promise<Deno.Conn> {
  try {
    return await connectEndpoint(endpoint);
  } catch (error) {
    throw new ClientError(RC.DAEMON_NOT_STARTED, describe(error));
  }
}

function isNobodyListening(error: unknown): boolean {
  return error instanceof Deno.errors.NotFound || error instanceof Deno.errors.ConnectionRefused;
}

/**
 * The per-user socket lives in a shared directory: a socket there that belongs to somebody
 * else could be a trap that collects our lock requests, so it is refused.
 */
async function checkOwner(path: string): Promise<void> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(path);
  } catch {
    return; // No socket yet: a daemon will create it.
  }
  const uid = Deno.uid();
  if (info.uid !== null && uid !== null && info.uid !== uid) {
    throw new SocketOwnerError(path, info.uid);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
