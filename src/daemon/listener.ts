import type { Endpoint } from "../transport/endpoint.ts";
import { connectEndpoint } from "../transport/endpoint.ts";
import {
  denoStreamListener,
  type StreamConn,
  type StreamListener,
} from "../transport/stream_conn.ts";

/** Why a daemon could not start listening: another daemon already serves the endpoint. */
export class DaemonAlreadyRunning extends Error {
  constructor(where: string) {
    super(`Cannot start a daemon: another daemon is already serving ${where}`);
    this.name = "DaemonAlreadyRunning";
  }
}

/** Creates the listening socket once the endpoint is known to be free: plain or TLS. */
export type Bind = (endpoint: Endpoint) => Promise<StreamListener>;

/** How a new daemon listens. */
export interface ListenOptions {
  /** Owner-only socket (the default per-user socket); otherwise everybody may connect (`-s`). */
  ownerOnly: boolean;
  /** @default a plain socket */
  bind?: Bind;
  /** Seconds without traffic before TCP keepalive probes start, for a plain TCP socket. */
  keepaliveIdleSeconds: number;
}

/**
 * Listens on `endpoint`, making sure at most one daemon serves it, whatever the transport: a
 * live daemon is never replaced (DaemonAlreadyRunning), a stale UNIX socket left by a killed
 * daemon is.
 */
export async function listenEndpoint(
  endpoint: Endpoint,
  options: ListenOptions,
): Promise<StreamListener> {
  const bind = options.bind ?? ((endpoint) => bindPlain(endpoint, options.keepaliveIdleSeconds));
  if (endpoint.transport === "tcp") {
    try {
      return await bind(endpoint);
    } catch (error) {
      if (error instanceof Deno.errors.AddrInUse) {
        throw new DaemonAlreadyRunning(`${endpoint.hostname}/${endpoint.port}`);
      }
      throw error;
    }
  }
  // Checking for a live daemon, removing a stale socket and binding must be one step, or two
  // daemons starting together could each remove the other's fresh socket. A companion lock
  // file (the original's `<socket>.lock`) serialises that step between processes; closing it at
  // the end of this scope releases the lock.
  using lockFile = await Deno.open(`${endpoint.path}.lock`, {
    create: true,
    write: true,
    mode: options.ownerOnly ? 0o600 : 0o666,
  });
  await lockFile.lock(true);
  await removeStaleSocket(endpoint);
  // The socket's mode comes from the umask at bind time: set it there, so that an owner-only
  // socket is never reachable by others, not even for an instant.
  const previousUmask = Deno.umask(options.ownerOnly ? 0o177 : 0);
  try {
    return await bind(endpoint);
  } finally {
    Deno.umask(previousUmask);
  }
}

async function bindPlain(
  endpoint: Endpoint,
  keepaliveIdleSeconds: number,
): Promise<StreamListener> {
  if (endpoint.transport === "unix") {
    return denoStreamListener(Deno.listen({ transport: "unix", path: endpoint.path }));
  }
  // node:net under Deno cannot listen on a zoned (link-local) address: Deno's listener can,
  // without the keepalive timing.
  if (endpoint.hostname.includes("%")) {
    return denoStreamListener(Deno.listen({ hostname: endpoint.hostname, port: endpoint.port }));
  }
  const { listenTcp } = await import("../transport/tcp_listener.ts");
  return await listenTcp(endpoint, keepaliveIdleSeconds);
}

async function removeStaleSocket(endpoint: Endpoint & { transport: "unix" }): Promise<void> {
  let conn: StreamConn;
  try {
    conn = await connectEndpoint(endpoint);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    if (!(error instanceof Deno.errors.ConnectionRefused)) throw error;
    // Nobody accepts on it: a socket file left behind by a daemon that was killed. Anything
    // else at that path is the user's file and stays (the original would delete it).
    if (!(await Deno.lstat(endpoint.path)).isSocket) {
      throw new Error(`Cannot listen on '${endpoint.path}': the file exists and is not a socket`);
    }
    await Deno.remove(endpoint.path);
    return;
  }
  conn.close();
  throw new DaemonAlreadyRunning(endpoint.path);
}
