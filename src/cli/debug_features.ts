/**
 * `--debug-feature NAME` (docs/compatibility.md, "Debug features"): one-shot checks run instead of
 * a lock: the IPv6 multicast pair (debug_ipv6_multicast.ts) and the TLS pair. The TLS pair checks
 * certificates without a daemon: `tls.server` accepts one client on `-a`/`-p`,
 * `tls.client` connects to it, and they exchange their unique ids as `<id></msg>`. Success is
 * exit 0; any failure, an unknown name included, is exit 1 with nothing printed, as in the
 * original. The reason of a failure is traced (FLOM_TRACE_MASK bit 0x100000).
 */
import { errorMessage } from "../errors.ts";
import type { Settings } from "../config/settings.ts";
import { MessageFramer } from "../protocol/framing.ts";
import { MAX_DAEMON_MESSAGE_BYTES } from "../protocol/messages.ts";
import { TraceModule, type Tracer } from "../trace/trace.ts";
import { describeEndpoint, type Endpoint, endpointFor } from "../transport/endpoint.ts";
import { type StreamConn, writeAll } from "../transport/stream_conn.ts";
import type { TlsCredentials } from "../transport/tls_credentials.ts";
import { tlsFilesOf } from "../transport/tls_files.ts";
import { readUniqueId } from "../transport/unique_id.ts";
import { EXIT } from "./exit_status.ts";
import { ipv6MulticastClient, ipv6MulticastServer } from "./debug_ipv6_multicast.ts";

/** A debug feature: resolves on success, throws why it failed; `out` is its stdout. */
type Feature = (settings: Settings, tracer: Tracer, out: (text: string) => void) => Promise<void>;

// Lower-case names: the original compares them case-insensitively.
const FEATURES = new Map<string, Feature>([
  ["tls.server", tlsServer],
  ["tls.client", tlsClient],
  ["ipv6.multicast.server", ipv6MulticastServer],
  ["ipv6.multicast.client", ipv6MulticastClient],
]);

/** The names `--debug-feature` knows (the man page and completions list them). */
export const DEBUG_FEATURE_NAMES: readonly string[] = [...FEATURES.keys()];

// Without `-a`, the server listens on every IPv4 address and the client connects to this
// host, as the original's getaddrinfo(NULL, …) does.
const SERVER_WILDCARD = "0.0.0.0";
const CLIENT_LOOPBACK = "127.0.0.1";

const TERMINATOR = "</msg>";

/** Runs the debug feature `name`; returns the exit status (0 or 1). */
export async function runDebugFeature(
  name: string,
  settings: Settings,
  tracer: Tracer,
  out: (text: string) => void,
): Promise<number> {
  const feature = FEATURES.get(name.toLowerCase());
  if (feature === undefined) {
    tracer.trace(TraceModule.DEBUG_FEATURES, `unknown debug feature '${name}'`);
    return EXIT.DEBUG_FEATURE_FAILED;
  }
  try {
    await feature(settings, tracer, out);
    return EXIT.OK;
  } catch (error) {
    tracer.trace(
      TraceModule.DEBUG_FEATURES,
      `debug feature '${name}' failed: ${errorMessage(error)}`,
    );
    return EXIT.DEBUG_FEATURE_FAILED;
  }
}

/** Accepts one client, reads its id, checks it if asked to, and answers with ours. */
async function tlsServer(settings: Settings, tracer: Tracer): Promise<void> {
  const { credentials, uniqueId } = await prepare(settings);
  const { listenTls } = await import("../transport/tls.ts");
  // One client, as in the original: its failed handshake is the feature's failure.
  const handshakeFailed = Promise.withResolvers<never>();
  handshakeFailed.promise.catch(() => {}); // a failure after the accept is nobody's concern
  const endpoint = endpointOf(settings, SERVER_WILDCARD);
  const listener = await listenTls(endpoint, credentials, {
    onHandshakeError: (error) => handshakeFailed.reject(error),
  });
  // Tells whoever starts the client (the tests) that it may.
  tracer.trace(TraceModule.DEBUG_FEATURES, `tls.server listening on ${describeEndpoint(endpoint)}`);
  let conn: StreamConn;
  try {
    conn = await Promise.race([listener.accept(), handshakeFailed.promise]);
  } finally {
    listener.close();
  }
  try {
    checkPeerId(settings, conn, await readMessage(conn));
    await writeAll(conn, new TextEncoder().encode(`${uniqueId}${TERMINATOR}`));
    await conn.closeWrite();
  } finally {
    conn.close();
  }
}

/** Connects to a tls.server, sends our id, and reads and checks (if asked to) the server's. */
async function tlsClient(settings: Settings): Promise<void> {
  const { credentials, uniqueId } = await prepare(settings);
  const { connectTls } = await import("../transport/tls.ts");
  const conn = await connectTls(endpointOf(settings, CLIENT_LOOPBACK), credentials);
  try {
    await writeAll(conn, new TextEncoder().encode(`${uniqueId}${TERMINATOR}`));
    checkPeerId(settings, conn, await readMessage(conn));
  } finally {
    conn.close();
  }
}

/** What both TLS features need first: the checked TLS files and this host's unique id. */
async function prepare(
  settings: Settings,
): Promise<{ credentials: TlsCredentials; uniqueId: string }> {
  const files = tlsFilesOf(settings);
  if (files === undefined) throw new Error("the three TLS files are needed");
  const uniqueId = readUniqueId();
  if (uniqueId === undefined) throw new Error("this host has no unique id");
  const { loadTlsCredentials } = await import("../transport/tls_credentials.ts");
  return { credentials: await loadTlsCredentials(files), uniqueId };
}

/** The TCP endpoint of `-a` (or `host`) and `-p`. */
function endpointOf(settings: Settings, host: string): Endpoint {
  return endpointFor({
    unicastAddress: settings.unicastAddress ?? host,
    unicastPort: settings.unicastPort,
    ...(settings.networkInterface === undefined
      ? {}
      : { networkInterface: settings.networkInterface }),
  })!;
}

/** The text before the first `</msg>`; the peer may not end the stream before it. */
async function readMessage(conn: StreamConn): Promise<string> {
  // A unique id is far shorter than any protocol message.
  const framer = new MessageFramer(MAX_DAEMON_MESSAGE_BYTES);
  const buffer = new Uint8Array(MAX_DAEMON_MESSAGE_BYTES);
  for (;;) {
    const count = await conn.read(buffer);
    if (count === null) throw new Error(`the peer closed the connection before '${TERMINATOR}'`);
    const [message] = framer.push(buffer.subarray(0, count));
    if (message !== undefined) {
      return new TextDecoder().decode(message.subarray(0, message.length - TERMINATOR.length));
    }
  }
}

/** With `--tls-check-peer-id`, the peer's id must be the CN of its certificate. */
function checkPeerId(settings: Settings, conn: StreamConn, peerId: string): void {
  const commonName = conn.peerCommonName?.();
  if (settings.tlsCheckPeerId && peerId !== commonName) {
    throw new Error(`the peer's unique id '${peerId}' is not its certificate's CN '${commonName}'`);
  }
}
