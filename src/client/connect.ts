import { ClientError, errorMessage, TlsError } from "../errors.ts";
import type { Settings } from "../config/settings.ts";
import { RC } from "../protocol/return_codes.ts";
import { NO_TRACE, TraceModule, type Tracer } from "../trace/trace.ts";
import {
  AddressLookupError,
  connectEndpoint,
  describeEndpoint,
  type Endpoint,
  endpointFor,
} from "../transport/endpoint.ts";
import type { StreamConn } from "../transport/stream_conn.ts";
import { tlsFilesOf } from "../transport/tls_files.ts";

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
  /** Receives verbose progress lines (`-V`): the multicast discovery's. */
  verbose?: (line: string) => void;
  /**
   * Gives up when aborted: the discovery or the connection attempt under way stops, what it
   * opened is closed, no daemon is started any more, and connectDaemon rejects with the signal's
   * reason. @default never aborted
   */
  signal?: AbortSignal;
}

/**
 * Connects to the daemon the settings name — by UNIX socket, by TCP address, or found by
 * multicast discovery — starting one when none answers and that is allowed. Throws ClientError
 * with the original's codes: -105 nobody answers and none may be started, -110 an address that
 * cannot be resolved, -2 a daemon was started but does not answer, or the started daemon's own
 * failure; with TLS also the TLS codes (-403, -404, -401 for our files, -406 handshake, -407
 * untrusted daemon); SocketOwnerError for a per-user socket that is not ours; the signal's reason
 * once aborted.
 */
export async function connectDaemon(options: ConnectOptions): Promise<StreamConn> {
  const { signal } = options;
  signal?.throwIfAborted();
  try {
    return await connectOrStart(options);
  } catch (error) {
    // What an abort made fail (a connection, the discovery) fails because of the abort.
    signal?.throwIfAborted();
    throw error;
  }
}

async function connectOrStart(options: ConnectOptions): Promise<StreamConn> {
  const tracer = options.tracer ?? NO_TRACE;
  const connect = await connectorFor(options.settings, options.signal);
  const endpoint = endpointFor(options.settings);
  if (endpoint !== undefined) {
    if (options.privateSocket && endpoint.transport === "unix") await checkOwner(endpoint.path);
    const conn = await tryConnect(connect, endpoint, tracer);
    if (conn !== undefined) return conn;
    const nobody = `no flom daemon is running at ${describeEndpoint(endpoint)}`;
    return await connectStarted(connect, endpoint, await startDaemon(options, tracer, nobody));
  }
  const found = await discover(options, tracer);
  if (found !== undefined) {
    const conn = await tryConnect(connect, found, tracer);
    if (conn !== undefined) return conn;
    throw new ClientError(
      RC.CONNECT_ERROR,
      `the daemon found at ${describeEndpoint(found)} refuses`,
    );
  }
  const { multicastAddress, multicastPort } = options.settings;
  const nobody = `no flom daemon answered discovery on ${multicastAddress}/${multicastPort}`;
  const why = await startDaemon(options, tracer, nobody);
  const started = await discover(options, tracer);
  if (started === undefined) {
    throw new ClientError(
      RC.DAEMON_NOT_STARTED,
      why ?? "the daemon started does not answer discovery",
      { explain: why !== undefined },
    );
  }
  return await connectStarted(connect, started, why);
}

/** Opens a connection to a daemon: plain, or TLS. */
type Connect = (endpoint: Endpoint) => Promise<StreamConn>;

/**
 * Plain connections, or TLS ones when the settings name the three files, which are read and
 * checked first. node:tls is loaded only by clients that use it.
 */
async function connectorFor(settings: Settings, signal?: AbortSignal): Promise<Connect> {
  const aborting = signal === undefined ? {} : { signal };
  const files = tlsFilesOf(settings);
  if (files === undefined) return (endpoint) => connectEndpoint(endpoint, aborting);
  const [{ loadTlsCredentials }, { connectTls }] = await Promise.all([
    import("../transport/tls_credentials.ts"),
    import("../transport/tls.ts"),
  ]);
  try {
    const credentials = await loadTlsCredentials(files);
    return (endpoint) => connectTls(endpoint, credentials, aborting);
  } catch (error) {
    throw asClientError(error);
  }
}

/** A connection, or undefined when nobody listens there. */
async function tryConnect(
  connect: Connect,
  endpoint: Endpoint,
  tracer: Tracer,
): Promise<StreamConn | undefined> {
  tracer.trace(
    TraceModule.CLIENT,
    `flom_client_connect: connecting to ${describeEndpoint(endpoint)}`,
  );
  try {
    return await connect(endpoint);
  } catch (error) {
    tracer.trace(
      TraceModule.CLIENT,
      `flom_client_connect: connection failed: ${errorMessage(error)}`,
    );
    // A TLS failure comes from a daemon that is there: a new one would not help.
    if (error instanceof TlsError && error.rc === RC.SSL_CONNECT_ERROR) {
      throw new ClientError(
        error.rc,
        `no TLS handshake with ${
          describeEndpoint(endpoint)
        } (${error.message}): the daemon there may not use TLS`,
        { explain: true },
      );
    }
    if (error instanceof TlsError) throw asClientError(error);
    if (error instanceof AddressLookupError) {
      throw new ClientError(RC.GETADDRINFO_ERROR, error.message);
    }
    // Any TCP failure may mean "no daemon there yet", as with the original; for a UNIX socket
    // only a missing or refusing one does (a permission problem is not solved by a new daemon).
    if (endpoint.transport === "unix" && !isNobodyListening(error)) {
      throw new ClientError(RC.CONNECT_ERROR, errorMessage(error));
    }
    return undefined;
  }
}

/**
 * Starts a daemon for these settings, or throws -105 when that is not allowed, explained by
 * `nobody` (which says where no daemon was found). Resolves with the reason a daemon that could
 * not listen gave (e.g. an address that is not local), for the caller to explain its failure to
 * connect.
 */
async function startDaemon(
  options: ConnectOptions,
  tracer: Tracer,
  nobody: string,
): Promise<string | undefined> {
  if (!options.autoStart) throw new ClientError(RC.CONNECT_ERROR, nobody, { explain: true });
  options.signal?.throwIfAborted();
  if (options.settings.daemonLifespan === 0) {
    tracer.trace(
      TraceModule.CLIENT,
      "flom_client_connect: connection failed, a new daemon can not be started because daemon lifespan is 0",
    );
    throw new ClientError(RC.CONNECT_ERROR, `${nobody}, and -d 0 does not start one`, {
      explain: true,
    });
  }
  tracer.trace(TraceModule.CLIENT, "flom_client_connect: starting a new daemon");
  // Only the first client of a daemon needs to know how to start one.
  const { launchDaemon } = await import("./launch_daemon.ts");
  const report = await launchDaemon(
    { settings: options.settings, privateSocket: options.privateSocket },
    options.argv,
  );
  tracer.trace(TraceModule.CLIENT, `flom_client_connect: daemon start report rc=${report.rc}`);
  // FLOCK_ERROR: another client's daemon won the race to start; use that one. A bind error may
  // mean the same for TCP (the original's reading), or an address that is not local: the
  // connection attempt that follows tells.
  if (report.rc === RC.BIND_ERROR) return `the daemon cannot start: ${report.message}`;
  if (report.rc !== RC.OK && report.rc !== RC.FLOCK_ERROR) {
    throw new ClientError(report.rc, `the daemon cannot start: ${report.message}`, {
      explain: true,
    });
  }
  return undefined;
}

async function connectStarted(
  connect: Connect,
  endpoint: Endpoint,
  why: string | undefined,
): Promise<StreamConn> {
  try {
    return await connect(endpoint);
  } catch (error) {
    if (error instanceof TlsError) throw asClientError(error);
    throw new ClientError(RC.DAEMON_NOT_STARTED, why ?? errorMessage(error), {
      explain: why !== undefined,
    });
  }
}

async function discover(options: ConnectOptions, tracer: Tracer): Promise<Endpoint | undefined> {
  const { settings } = options;
  if (settings.multicastAddress === undefined) {
    throw new ClientError(RC.CONNECT_ERROR, "no socket name, unicast or multicast address");
  }
  // Multicast support stays off the start-up path of everybody who does not use it.
  const { discoverDaemon, GroupLookupError } = await import("../transport/discovery.ts");
  try {
    return await discoverDaemon({
      group: settings.multicastAddress,
      port: settings.multicastPort,
      attempts: settings.discoveryAttempts,
      timeout: settings.discoveryTimeout,
      ttl: settings.discoveryTtl,
      ...(settings.networkInterface === undefined
        ? {}
        : { networkInterface: settings.networkInterface }),
      tracer,
      ...(options.verbose === undefined ? {} : { verbose: options.verbose }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  } catch (error) {
    if (error instanceof GroupLookupError) {
      throw new ClientError(RC.GETADDRINFO_ERROR, error.message);
    }
    throw new ClientError(RC.CONNECT_ERROR, errorMessage(error));
  }
}

/** A TLS failure with its reason code; anything else as it is. */
function asClientError(error: unknown): unknown {
  return error instanceof TlsError ? new ClientError(error.rc, error.message) : error;
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
