import { errorMessage } from "../errors.ts";
import dgram from "node:dgram";
import { isIP } from "node:net";
import { lookup } from "node:dns/promises";
import { decodeMessage, encodeMessage } from "../protocol/codec.ts";
import { NO_TRACE, TraceModule, type Tracer } from "../trace/trace.ts";
import type { Endpoint } from "./endpoint.ts";
import { withZone, zonedFromNetwork } from "./network_interface.ts";

/** How to look for a daemon by UDP multicast (docs/compatibility.md, "Wire protocol"). */
export interface DiscoveryOptions {
  group: string;
  port: number;
  /** Queries to send before giving up. */
  attempts: number;
  /** Milliseconds to wait for an answer to each query. */
  timeout: number;
  /** Multicast hop limit of the queries. */
  ttl: number;
  /** `-n`: the interface for IPv6 link-local groups and addresses. */
  networkInterface?: string;
  tracer?: Tracer;
  /** Receives the verbose progress lines (`-V`). */
  verbose?: (line: string) => void;
  /**
   * Gives up when aborted: the wait for a reply (or for the group's name lookup) stops, the
   * socket is closed, and discoverDaemon rejects with the signal's reason. @default never aborted
   */
  signal?: AbortSignal;
}

/** The multicast group cannot be resolved (the original's getaddrinfo failure). */
export class GroupLookupError extends Error {
  override name = "GroupLookupError";
}

const QUERY = encodeMessage({ kind: "discover" });
const QUERY_TEXT = new TextDecoder().decode(QUERY);

/**
 * Asks the multicast group where the daemon is: sends up to `attempts` queries, each followed by
 * a wait of `timeout` ms, and takes the first reply. Resolves with the daemon's TCP endpoint (the
 * address it advertises, else the reply's source address), or undefined when nobody answered.
 */
export async function discoverDaemon(options: DiscoveryOptions): Promise<Endpoint | undefined> {
  const { signal } = options;
  signal?.throwIfAborted();
  const tracer = options.tracer ?? NO_TRACE;
  const group = await resolveGroup(options.group, options.networkInterface !== undefined, signal);
  const family = isIP(group) === 6 ? "udp6" : "udp4";
  tracer.trace(
    TraceModule.CLIENT,
    `flom_client_discover_udp: using address '${options.group}' and port ${options.port}`,
  );
  const socket = dgram.createSocket({ type: family, reuseAddr: true });
  const replies: { data: Uint8Array; address: string }[] = [];
  let wake = () => {};
  socket.on("message", (data, remote) => {
    replies.push({ data, address: remote.address });
    wake();
  });
  socket.on("error", () => {}); // a failed send is an unanswered query
  // An abort ends the wait for a reply; the loop then throws the signal's reason.
  const onAbort = () => wake();
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    await new Promise<void>((resolve) => socket.bind(0, resolve));
    signal?.throwIfAborted();
    socket.setMulticastTTL(options.ttl);
    if (family === "udp6" && options.networkInterface !== undefined) {
      socket.setMulticastInterface(`::%${options.networkInterface}`);
    }
    const destination = family === "udp6" ? withZone(group, options.networkInterface) : group;
    const where = `${options.group}/${options.port}`;
    for (let attempt = 1; attempt <= options.attempts; attempt++) {
      options.verbose?.(`sending UDP multicast datagram to ${where} ('${QUERY_TEXT}')`);
      tracer.trace(
        TraceModule.CLIENT,
        `flom_client_discover_udp: sending discover message (attempt ${attempt} of ${options.attempts})...`,
      );
      socket.send(QUERY, options.port, destination);
      const reply = replies.shift() ??
        await new Promise<typeof replies[0] | undefined>((resolve) => {
          const timer = setTimeout(() => resolve(undefined), options.timeout);
          wake = () => {
            clearTimeout(timer);
            resolve(replies.shift());
          };
        });
      wake = () => {};
      signal?.throwIfAborted();
      if (reply === undefined) {
        options.verbose?.(`no reply from ${where}`);
        tracer.trace(
          TraceModule.CLIENT,
          "flom_client_discover_udp: no answer from UDP/IP multicast discovery",
        );
        continue;
      }
      const text = new TextDecoder().decode(reply.data);
      options.verbose?.(`reply from ${where} is '${text}'`);
      tracer.trace(
        TraceModule.CLIENT,
        `flom_client_discover_udp: reply from ${reply.address} is '${text}'`,
      );
      const endpoint = endpointOfReply(reply.data, reply.address, options.networkInterface);
      if (endpoint !== undefined) return endpoint;
    }
    return undefined;
  } finally {
    signal?.removeEventListener("abort", onAbort);
    // node closes the socket in a later turn: once this settles, the port is free again.
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
}

async function resolveGroup(
  group: string,
  ipv6Only: boolean,
  signal: AbortSignal | undefined,
): Promise<string> {
  if (isIP(group) !== 0) return group;
  // A lookup cannot be cancelled: an abort stops the wait, and its late answer is dropped.
  const aborted = Promise.withResolvers<never>();
  const onAbort = () => aborted.reject(signal!.reason);
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    return (await Promise.race([lookup(group, { family: ipv6Only ? 6 : 0 }), aborted.promise]))
      .address;
  } catch (error) {
    signal?.throwIfAborted();
    throw new GroupLookupError(errorMessage(error));
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
}

/** The TCP endpoint a discovery reply names; undefined for anything that is not one. */
function endpointOfReply(
  data: Uint8Array,
  source: string,
  networkInterface: string | undefined,
): Endpoint | undefined {
  try {
    const answer = decodeMessage(data);
    if (answer.kind !== "discoverAnswer") return undefined;
    const hostname = answer.address === "" ? source : answer.address;
    return {
      transport: "tcp",
      hostname: zonedFromNetwork(hostname, networkInterface),
      port: answer.port,
    };
  } catch {
    return undefined; // not a flom daemon's answer
  }
}
