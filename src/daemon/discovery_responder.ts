import dgram from "node:dgram";
import { isIP } from "node:net";
import { lookup } from "node:dns/promises";
import { decodeMessage, encodeMessage } from "../protocol/codec.ts";
import { MAX_DAEMON_MESSAGE_BYTES } from "../protocol/messages.ts";
import { NO_TRACE, TraceModule, type Tracer } from "../trace/trace.ts";
import { zonedFromNetwork } from "../transport/network_interface.ts";
import { Severity, type SyslogWriter } from "../trace/syslog.ts";

/** What the responder listens on and what it advertises (docs/compatibility.md, "Network"). */
export interface ResponderOptions {
  group: string;
  port: number;
  /** The daemon's TCP address to advertise; "" lets clients use the reply's source address. */
  address: string;
  /** The daemon's TCP port. */
  tcpPort: number;
  /** `-n`: an IPv6 group name is resolved to an IPv6 address. */
  networkInterface?: string;
  tracer?: Tracer;
  syslog?: SyslogWriter;
}

/** A running discovery responder; `using` closes it at the end of its scope. */
export interface DiscoveryResponder extends Disposable {
  close(): void;
}

/**
 * Joins the multicast group and answers every discovery query with a unicast datagram that
 * carries the daemon's TCP address and port. Anything else that arrives is ignored (the
 * original stops answering, or exits, on a bad datagram).
 */
export async function startDiscoveryResponder(
  options: ResponderOptions,
): Promise<DiscoveryResponder> {
  const tracer = options.tracer ?? NO_TRACE;
  const group = isIP(options.group) !== 0
    ? options.group
    : (await lookup(options.group, { family: options.networkInterface === undefined ? 0 : 6 }))
      .address;
  const family = isIP(group) === 6 ? "udp6" : "udp4";
  const socket = dgram.createSocket({ type: family, reuseAddr: true });
  const answer = encodeMessage({
    kind: "discoverAnswer",
    address: options.address,
    port: options.tcpPort,
  });
  socket.on("message", (data, remote) => {
    if (data.length > MAX_DAEMON_MESSAGE_BYTES) return;
    try {
      if (decodeMessage(data).kind !== "discover") return;
    } catch {
      return;
    }
    tracer.trace(
      TraceModule.DAEMON,
      `auto-discovery query received from ${remote.address}/${remote.port}`,
    );
    options.syslog?.log(
      Severity.INFO,
      `FLM005I auto-discovery query received from ${remote.address}/${remote.port}`,
    );
    // The link the query came on, not -n's: the original answers the sender's address as it
    // received it, scope included.
    socket.send(answer, remote.port, zonedFromNetwork(remote.address, undefined));
  });
  socket.on(
    "error",
    (error) => tracer.trace(TraceModule.DAEMON, `discovery socket: ${error.message}`),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(options.port, family === "udp6" ? "::" : "0.0.0.0", () => {
      socket.off("error", reject);
      resolve();
    });
  });
  try {
    // On the system's default interface, with or without -n, as the original joins: a client
    // of this host that names no interface sends its queries there.
    socket.addMembership(group);
  } catch (error) {
    socket.close();
    throw error;
  }
  tracer.trace(TraceModule.DAEMON, `joined multicast group ${options.group}/${options.port}`);
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    socket.close();
  };
  return { close, [Symbol.dispose]: close };
}
