import { errorMessage, TlsError } from "../errors.ts";
import type { Settings } from "../config/settings.ts";
import { RC } from "../protocol/return_codes.ts";
import { openTracer } from "../trace/trace_file.ts";
import { openSyslog, Severity, type SyslogWriter } from "../trace/syslog.ts";
import { TraceModule, type Tracer } from "../trace/trace.ts";
import {
  AddressLookupError,
  asLookupError,
  describeEndpoint,
  type Endpoint,
  endpointFor,
} from "../transport/endpoint.ts";
import { tlsFilesOf } from "../transport/tls_files.ts";
import { readUniqueId } from "../transport/unique_id.ts";
import type { DiscoveryResponder } from "./discovery_responder.ts";
import type { DaemonLaunch, StartReport } from "./launch_contract.ts";
import { type Bind, DaemonAlreadyRunning, listenEndpoint } from "./listener.ts";
import { DaemonServer } from "./server.ts";
import type { ServedNotice, ServedTableFactory } from "./served_table.ts";
import type { ConnId } from "../resources/resource.ts";
import type { ConnectionInfo } from "../status/build_snapshot.ts";
import type { StreamListener } from "../transport/stream_conn.ts";

const STOP_SIGNALS: Deno.Signal[] = ["SIGTERM", "SIGINT", "SIGQUIT"];

/** Where a daemon in the foreground (`--foreground`) logs instead of the detached defaults. */
export interface DaemonLog {
  /** Receives trace lines when there is no `-t` file (a detached daemon then does not trace). */
  traceFallback: (line: string) => void;
  /** Receives the FLMnnnX messages instead of the local syslog. */
  messages: SyslogWriter;
}

/**
 * Runs a daemon until it stops; `report` is called once, when it listens or when it cannot.
 * Returns the process exit status.
 */
export async function runDaemon(
  { settings, privateSocket }: DaemonLaunch,
  report: (report: StartReport) => void,
  log?: DaemonLog,
): Promise<number> {
  // Without -t a detached daemon does not trace: it has no terminal to trace to.
  const tracer = openTracer({
    ...(settings.daemonTraceFile === undefined ? {} : { file: settings.daemonTraceFile }),
    append: settings.appendTraceFile,
    ...(log === undefined ? {} : { fallback: log.traceFallback }),
  });
  const syslog = log?.messages ?? openSyslog();
  const endpoint = listeningEndpoint(settings);
  tracer.trace(TraceModule.DAEMON, `daemon starting on ${describeEndpoint(endpoint)}`);
  if (settings.unicastAddress === undefined && settings.multicastAddress !== undefined) {
    // A TCP address is claimed by binding it; a daemon found only by discovery needs a claim.
    const { claimMulticastGroup } = await import("./multicast_claim.ts");
    const claim = await claimMulticastGroup(
      settings.multicastAddress,
      settings.multicastPort,
    );
    if (claim === undefined) {
      const message = `another daemon answers discovery on ${settings.multicastAddress}`;
      tracer.trace(TraceModule.DAEMON, message);
      report({ rc: RC.FLOCK_ERROR, message });
      return 1;
    }
  }
  syslog.log(
    Severity.NOTICE,
    endpoint.transport === "unix"
      ? `FLM000I this process is activating a local FLoM daemon listening UNIX socket '${endpoint.path}'`
      : `FLM001I this process is activating a network FLoM daemon listening TCP/IP socket ${endpoint.hostname}/${endpoint.port}`,
  );
  // Each step that fails reports why and returns; what the steps before it opened closes itself.
  using listener = await listen(endpoint, { settings, privateSocket }, { tracer, syslog, report });
  if (listener === undefined) return 1;
  const answersDiscovery = settings.multicastAddress !== undefined;
  using responder = answersDiscovery
    ? await answerDiscovery(settings, listener.addr, { tracer, syslog, report })
    : undefined;
  if (answersDiscovery && responder === undefined) return 1;
  // Metrics are counted and served only by a daemon started with --metrics.
  const metrics = settings.metricsAddress === undefined
    ? undefined
    : new (await import("./metrics.ts")).DaemonMetrics();
  // An etcd-backed daemon keeps its locks in etcd; declared before the server, the table (and its
  // lease) goes after it, so that its locks are released at once on a clean stop.
  const etcd = settings.etcdEndpoints === undefined
    ? undefined
    : await openEtcdTable(settings, (reason) => server.loseEveryLock(reason), {
      tracer,
      syslog,
      report,
    });
  await using _etcdTable = etcd?.table;
  if (settings.etcdEndpoints !== undefined && etcd === undefined) return 1;
  await using server = new DaemonServer(listener, {
    lifespan: settings.daemonLifespan,
    peerId: readUniqueId() ?? "",
    checkPeerId: settings.tlsCheckPeerId,
    tracer,
    syslog,
    ...(metrics === undefined ? {} : { metrics }),
    ...(etcd === undefined ? {} : { table: etcd.factory }),
  });
  await using metricsServer = settings.metricsAddress === undefined
    ? undefined
    : await serveMetricsOf(settings, server, { tracer, syslog, report });
  if (settings.metricsAddress !== undefined && metricsServer === undefined) return 1;
  await using _statusFs = settings.mountPointVfs === undefined
    ? undefined
    : await mountStatusFsOf(settings.mountPointVfs, server, { tracer, syslog, report });
  if (settings.mountPointVfs !== undefined && _statusFs === undefined) return 1;
  using _signals = stopOnSignals(server);
  tracer.trace(TraceModule.DAEMON, "FLoM daemon is ready to serve incoming requests");
  syslog.log(Severity.NOTICE, "FLM003N FLoM daemon is ready to serve incoming requests");
  report({ rc: RC.OK });
  await server.serve();
  tracer.trace(TraceModule.DAEMON, "FLoM daemon has terminated to serve incoming requests");
  syslog.log(Severity.NOTICE, "FLM004N FLoM daemon has terminated to serve incoming requests");
  return 0;
}

/** Where a daemon tells how its start went: its trace, syslog and start report. */
interface StartLog {
  tracer: Tracer;
  syslog: SyslogWriter;
  report: (report: StartReport) => void;
}

/** The daemon's listener; undefined when it cannot listen, which has been reported. */
async function listen(
  endpoint: Endpoint,
  { settings, privateSocket }: DaemonLaunch,
  { tracer, syslog, report }: StartLog,
): Promise<StreamListener | undefined> {
  try {
    const bind = await tlsBind(settings, tracer, syslog);
    return await listenEndpoint(endpoint, {
      ownerOnly: privateSocket,
      keepaliveIdleSeconds: settings.tcpKeepaliveTime,
      ...(bind === undefined ? {} : { bind }),
    });
  } catch (error) {
    const failure = asLookupError(error);
    const rc = failure instanceof DaemonAlreadyRunning
      ? RC.FLOCK_ERROR
      : failure instanceof AddressLookupError
      ? RC.GETADDRINFO_ERROR
      : failure instanceof TlsError
      ? failure.rc
      : RC.BIND_ERROR;
    tracer.trace(TraceModule.DAEMON, `cannot listen: ${errorMessage(failure)}`);
    if (rc === RC.BIND_ERROR) {
      syslog.log(
        Severity.ERR,
        `FLM019E 'bind' error (${errorMessage(failure)}) in function 'listenEndpoint'`,
      );
    }
    report({ rc, message: errorMessage(failure) });
    return undefined;
  }
}

/**
 * Answers discovery queries for the daemon listening at `address`; undefined when it cannot,
 * which has been reported.
 */
async function answerDiscovery(
  settings: Settings,
  address: Deno.Addr,
  { tracer, syslog, report }: StartLog,
): Promise<DiscoveryResponder | undefined> {
  try {
    const responder = await startResponder(settings, address, tracer, syslog);
    syslog.log(
      Severity.NOTICE,
      `FLM002I joined multicast group ${settings.multicastAddress}/${settings.multicastPort} to answer auto-discovery queries`,
    );
    return responder;
  } catch (error) {
    tracer.trace(TraceModule.DAEMON, `cannot answer discovery: ${errorMessage(error)}`);
    report({ rc: RC.CONNECT_ERROR, message: errorMessage(error) });
    return undefined;
  }
}

/**
 * The lock table over the etcd cluster of `--etcd-endpoints`, with the daemon's lease granted;
 * undefined when etcd cannot be reached, which has been reported. `lost` stops the daemon when
 * the lease expired or could not be renewed in time: its locks are gone; flom clients are told
 * why, the others see their connections closed. Only etcd-backed daemons load the etcd modules.
 */
async function openEtcdTable(
  settings: Settings,
  lost: (reason: string) => void,
  { tracer, syslog, report }: StartLog,
): Promise<{ table: AsyncDisposable; factory: ServedTableFactory } | undefined> {
  const { EtcdClient } = await import("../etcd/client.ts");
  const { EtcdLockTable } = await import("../etcd/etcd_lock_table.ts");
  const { parseEtcdEndpoints } = await import("../config/values.ts");
  const endpoints = parseEtcdEndpoints(settings.etcdEndpoints!)!;
  // The server, made after the table, tells them once it exists.
  let deliver: (notices: ServedNotice[]) => void = () => {};
  let who: (conn: ConnId) => ConnectionInfo | undefined = () => undefined;
  try {
    const httpClient = await etcdHttpClient(settings);
    const client = new EtcdClient(endpoints, {
      rounds: 5,
      ...(httpClient === undefined ? {} : { httpClient }),
    });
    const table = await EtcdLockTable.open(client, {
      prefix: settings.etcdPrefix,
      leaseTtl: settings.etcdLeaseTtl,
      deliver: (notices) => deliver(notices),
      who: (conn) => who(conn),
      leaseLost: (reason) => {
        tracer.trace(TraceModule.DAEMON, `etcd: ${reason}: every lock is lost, stopping`);
        syslog.log(Severity.ERR, `etcd ${reason}: the daemon's locks are lost; it stops`);
        lost(reason);
      },
      tracer,
    });
    tracer.trace(
      TraceModule.DAEMON,
      `etcd: locks under '${settings.etcdPrefix}', lease ${table.lease}`,
    );
    return {
      table,
      factory: (send, name) => {
        deliver = send;
        who = name;
        return table;
      },
    };
  } catch (error) {
    return reportedFailure(`cannot use etcd at ${endpoints.join(",")}`, error, { tracer, report });
  }
}

/**
 * The HTTP client of etcd's TLS files (`--etcd-ca-certificate`, and `--etcd-certificate` with
 * `--etcd-private-key`); undefined without them.
 */
async function etcdHttpClient(settings: Settings): Promise<Deno.HttpClient | undefined> {
  const { etcdCaCertificate, etcdCertificate, etcdPrivateKey } = settings;
  if (etcdCaCertificate === undefined && etcdCertificate === undefined) return undefined;
  const read = (file: string | undefined) =>
    file === undefined ? undefined : Deno.readTextFile(file);
  const [ca, cert, key] = await Promise.all(
    [etcdCaCertificate, etcdCertificate, etcdPrivateKey].map(read),
  );
  return Deno.createHttpClient({
    ...(ca === undefined ? {} : { caCerts: [ca] }),
    ...(cert === undefined || key === undefined ? {} : { cert, key }),
  });
}

/**
 * Serves the daemon's metrics, and its status unless it uses TLS, over HTTP on the metrics
 * address until disposed; undefined when it cannot listen there, which has been reported.
 */
async function serveMetricsOf(
  settings: Settings,
  server: DaemonServer,
  { tracer, report }: StartLog,
): Promise<AsyncDisposable | undefined> {
  const address = settings.metricsAddress!;
  const { serveMetrics } = await import("./metrics_server.ts");
  try {
    const http = serveMetrics(address, server, { status: tlsFilesOf(settings) === undefined });
    tracer.trace(TraceModule.DAEMON, `serving metrics on http://${address}/metrics`);
    return http;
  } catch (error) {
    return reportedFailure(`cannot serve metrics on ${address}`, error, { tracer, report });
  }
}

/**
 * Mounts the `-m` status file system on `dir`, showing the server's status, until disposed (on
 * every way out of the daemon: idle exit, -x, -X, a stop signal); undefined when it cannot be
 * mounted, which has been reported. Only daemons started with `-m` load FUSE.
 */
async function mountStatusFsOf(
  dir: string,
  server: DaemonServer,
  { tracer, syslog, report }: StartLog,
): Promise<AsyncDisposable | undefined> {
  const { mountStatusFs } = await import("../vfs/fuse.ts");
  syslog.log(Severity.INFO, `FLM022I mounting FUSE file system '${dir}'`);
  try {
    const statusFs = await mountStatusFs(dir, () => server.fullStatus(), {
      onError: (error) =>
        tracer.trace(TraceModule.DAEMON, `status file system: ${errorMessage(error)}`),
    });
    tracer.trace(TraceModule.DAEMON, `status file system mounted on ${dir}`);
    return {
      async [Symbol.asyncDispose]() {
        syslog.log(
          Severity.INFO,
          `FLM023I unmounting FUSE file system with command 'fuse_session_unmount(${dir})'`,
        );
        await statusFs.close();
      },
    };
  } catch (error) {
    // FuseUnavailableError's message names the directory and what is missing.
    return reportedFailure("", error, { tracer, report });
  }
}

/**
 * A part of the daemon that cannot start: traced, and reported to the launching client as the
 * daemon's failure to start (`what: why`, or just why when `what` is empty). Always undefined.
 */
function reportedFailure(
  what: string,
  error: unknown,
  { tracer, report }: Pick<StartLog, "tracer" | "report">,
): undefined {
  const message = what === "" ? errorMessage(error) : `${what}: ${errorMessage(error)}`;
  tracer.trace(TraceModule.DAEMON, message);
  report({ rc: RC.DAEMON_NOT_STARTED, message });
  return undefined;
}

/**
 * Stops `server` on SIGTERM, SIGINT and SIGQUIT, and ignores SIGHUP, until disposed: a daemon
 * lives in its own session, and a hang-up is not a reason to drop everybody's locks.
 */
function stopOnSignals(server: DaemonServer): Disposable {
  const stop = () => server.stop();
  const ignore = () => {};
  for (const signal of STOP_SIGNALS) Deno.addSignalListener(signal, stop);
  Deno.addSignalListener("SIGHUP", ignore);
  return {
    [Symbol.dispose]() {
      for (const signal of STOP_SIGNALS) Deno.removeSignalListener(signal, stop);
      Deno.removeSignalListener("SIGHUP", ignore);
    },
  };
}

/**
 * Where the daemon listens: its UNIX socket or TCP address; a daemon that only has a multicast
 * group listens on every address of the group's family, on a port the system chooses, and
 * advertises it through discovery.
 */
function listeningEndpoint(settings: Settings): Endpoint {
  return endpointFor(settings) ?? {
    transport: "tcp",
    // Only an IPv6 address has a colon (a group may also be a name, resolved later for IPv4).
    // Not node:net's isIP: loading node:net costs a starting daemon tens of milliseconds.
    hostname: settings.multicastAddress?.includes(":") || settings.networkInterface !== undefined
      ? "::"
      : "0.0.0.0",
    port: 0,
  };
}

/**
 * How the daemon listens with TLS, once the three files of the settings have been read and
 * checked; undefined for plain sockets. node:tls is loaded only by daemons that use it.
 */
async function tlsBind(
  settings: Settings,
  tracer: Tracer,
  syslog: SyslogWriter,
): Promise<Bind | undefined> {
  const files = tlsFilesOf(settings);
  if (files === undefined) return undefined;
  const [{ loadTlsCredentials }, { listenTls }] = await Promise.all([
    import("../transport/tls_credentials.ts"),
    import("../transport/tls.ts"),
  ]);
  const credentials = await loadTlsCredentials(files);
  return (endpoint) =>
    listenTls(endpoint, credentials, {
      keepaliveIdleSeconds: settings.tcpKeepaliveTime,
      onHandshakeError: (error) => {
        tracer.trace(TraceModule.TLS, `TLS handshake failed, connection closed: ${error.message}`);
        // Node reports the verification result by name, not by OpenSSL's number.
        syslog.log(
          Severity.ERR,
          `FLM017E X.509 certificate error, SSL_get_verify_result returned ${
            (error as { code?: string }).code ?? error.message
          }`,
        );
      },
    });
}

async function startResponder(
  settings: Settings,
  address: Deno.Addr,
  tracer: Tracer,
  syslog: SyslogWriter,
): Promise<DiscoveryResponder> {
  const { startDiscoveryResponder } = await import("./discovery_responder.ts");
  const unicast = settings.unicastAddress;
  return await startDiscoveryResponder({
    group: settings.multicastAddress!,
    port: settings.multicastPort,
    // A wildcard address means nothing to a client: let it use the reply's source address.
    address: unicast === undefined || unicast === "0.0.0.0" || unicast === "::" ? "" : unicast,
    tcpPort: (address as Deno.NetAddr).port,
    ...(settings.networkInterface === undefined
      ? {}
      : { networkInterface: settings.networkInterface }),
    tracer,
    syslog,
  });
}
