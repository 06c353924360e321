/**
 * TLS with mutual authentication over UNIX sockets and TCP, for both sides (docs/compatibility.md,
 * "Network"): each side presents its certificate and accepts only a peer whose certificate chains
 * to its CA; no host name is checked (the optional peer-id check compares unique ids with CNs). The
 * only module that uses node:tls: Deno's own TLS API can neither demand a client certificate nor
 * tell the peer's certificate.
 */
import { TlsError } from "../errors.ts";
import * as tls from "node:tls";
import { RC } from "../protocol/return_codes.ts";
import { AddressLookupError, type Endpoint } from "./endpoint.ts";
import type { StreamListener } from "./stream_conn.ts";
import { TlsConn } from "./tls_conn.ts";
import { isLookupFailure, listenNode, NodeListener } from "./node_listener.ts";
import type { TlsCredentials } from "./tls_credentials.ts";

/**
 * How long either side waits for the other's part of the handshake. TLS peers complete it in
 * well under a second even across a WAN; one that has not after this long does not speak TLS
 * (a plain daemon or client) or is stuck, and waiting longer would only hang the user or hold
 * a daemon's socket.
 */
export const HANDSHAKE_TIMEOUT_MS = 5000;

/** Options of connectTls. */
export interface ConnectTlsOptions {
  /** Milliseconds to wait for the handshake. @default HANDSHAKE_TIMEOUT_MS */
  handshakeTimeout?: number;
  /**
   * Gives up when aborted: the socket is closed, in the handshake or before, and connectTls
   * rejects with the signal's reason. @default never aborted
   */
  signal?: AbortSignal;
}

/**
 * Connects and performs the handshake: the server's certificate must chain to our CA. Throws
 * TlsError -406 for a failed or timed-out handshake, -407 for an untrusted certificate, -22
 * for none; like connectEndpoint, Deno.errors.NotFound or ConnectionRefused when nobody
 * listens, AddressLookupError for an unknown host name, and other socket errors as they are;
 * the signal's reason when aborted.
 */
export function connectTls(
  endpoint: Endpoint,
  credentials: TlsCredentials,
  options: ConnectTlsOptions = {},
): Promise<TlsConn> {
  const timeout = options.handshakeTimeout ?? HANDSHAKE_TIMEOUT_MS;
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      ...(endpoint.transport === "unix"
        ? { path: endpoint.path }
        : { host: endpoint.hostname, port: endpoint.port }),
      ...contextOf(credentials),
      // Checked below, where an untrusted certificate can be told from a failed handshake.
      rejectUnauthorized: false,
      // Hosts are told apart by the optional peer-id check, never by their names.
      checkServerIdentity: () => undefined,
    });
    const onError = (error: Error) => fail(asConnectError(error));
    const onClose = () =>
      fail(new TlsError(RC.SSL_CONNECT_ERROR, "the peer closed the connection in the handshake"));
    const timer = setTimeout(
      () => fail(new TlsError(RC.SSL_CONNECT_ERROR, `no TLS handshake within ${timeout} ms`)),
      timeout,
    );
    const onAbort = () => fail(signal!.reason);
    const fail = (error: unknown) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      // Whatever the socket still reports as it goes is no news: the failure is told already.
      socket.off("error", onError).off("close", onClose).on("error", () => {});
      socket.destroy();
      reject(error);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    socket.on("error", onError).on("close", onClose).once("secureConnect", () => {
      const certificate = socket.getPeerCertificate();
      if (certificate === null || Object.keys(certificate).length === 0) {
        return fail(new TlsError(RC.NO_CERTIFICATE, "the server sent no certificate"));
      }
      if (!socket.authorized) {
        return fail(
          new TlsError(
            RC.SSL_GET_VERIFY_RESULT_ERROR,
            `the server's certificate is not trusted: ${socket.authorizationError}`,
          ),
        );
      }
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      socket.off("error", onError).off("close", onClose);
      if (endpoint.transport === "tcp") socket.setNoDelay(true);
      resolve(new TlsConn(socket, endpoint.transport));
    });
  });
}

/** Options of listenTls. */
export interface ListenTlsOptions {
  /** Seconds without traffic before TCP keepalive probes start (TCP only). @default 60 */
  keepaliveIdleSeconds?: number;
  /** Milliseconds a client gets to complete its handshake. @default HANDSHAKE_TIMEOUT_MS */
  handshakeTimeout?: number;
  /** Told about each client whose handshake failed (its connection is closed already). */
  onHandshakeError?: (error: Error) => void;
}

/**
 * Listens on `endpoint`. Handshakes run concurrently, outside accept(): a client that fails
 * its handshake, or stays silent, is closed alone and never holds up the others. accept()
 * yields authenticated connections only: a client certificate is required and must chain to
 * our CA. Rejects with Deno.errors.AddrInUse when the address is taken, AddressLookupError for
 * an unknown host name.
 */
export async function listenTls(
  endpoint: Endpoint,
  credentials: TlsCredentials,
  options: ListenTlsOptions = {},
): Promise<StreamListener> {
  const server = tls.createServer({
    ...contextOf(credentials),
    requestCert: true,
    rejectUnauthorized: true,
    allowHalfOpen: true,
    handshakeTimeout: options.handshakeTimeout ?? HANDSHAKE_TIMEOUT_MS,
  });
  const listener = new NodeListener(server);
  server.on("secureConnection", (socket: tls.TLSSocket) => {
    if (endpoint.transport === "tcp") {
      socket.setNoDelay(true);
      // Lets the daemon notice a client host that died while holding a lock.
      socket.setKeepAlive(true, (options.keepaliveIdleSeconds ?? 60) * 1000);
    }
    listener.arrived(new TlsConn(socket, endpoint.transport));
  });
  server.on("tlsClientError", (error: Error, socket: tls.TLSSocket) => {
    // node:tls under Deno leaves the failed socket open.
    socket.destroy();
    options.onHandshakeError?.(error);
  });
  await listenNode(server, endpoint);
  return listener;
}

/** The options of a TLS context that presents our certificate and trusts our CA only. */
function contextOf(credentials: TlsCredentials) {
  return {
    cert: credentials.certificateChain.join("\n"),
    key: credentials.privateKey,
    ca: credentials.caCertificates,
  };
}

/** node's error codes of a failed connect, as connectEndpoint reports them. */
function asConnectError(error: Error): Error {
  const { code, syscall } = error as Error & { code?: string; syscall?: string };
  if (code === "ECONNREFUSED") return new Deno.errors.ConnectionRefused(error.message);
  if (code === "ENOENT") return new Deno.errors.NotFound(error.message);
  if (isLookupFailure(code)) return new AddressLookupError(error.message);
  // A socket error (unreachable host, reset) is a connect failure; the rest is TLS's.
  return syscall === undefined ? new TlsError(RC.SSL_CONNECT_ERROR, error.message) : error;
}
