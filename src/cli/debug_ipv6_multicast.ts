/**
 * The original's IPv6 multicast debug features (docs/compatibility.md, "Debug features"): a
 * one-shot responder that waits for one datagram on the group and answers WELCOME, and a requester
 * that sends HELLO to the group and waits for the answer. They check that IPv6 multicast works
 * between two hosts before flom's discovery is relied on.
 */
import dgram from "node:dgram";
import { isIP } from "node:net";
import { lookup } from "node:dns/promises";
import type { Settings } from "../config/settings.ts";
import { TraceModule, type Tracer } from "../trace/trace.ts";
import { withZone } from "../transport/network_interface.ts";

/** Waits for one datagram on `-A`/`-P`, prints it, answers WELCOME to its sender. */
export async function ipv6MulticastServer(
  settings: Settings,
  tracer: Tracer,
  out: (text: string) => void,
): Promise<void> {
  await withSocket(settings, settings.multicastPort, async (socket, group) => {
    socket.addMembership(group, settings.networkInterface && `::%${settings.networkInterface}`);
    tracer.trace(TraceModule.DEBUG_FEATURES, `ipv6.multicast.server listening on ${group}`);
    const { data, address, port } = await nextDatagram(socket, undefined);
    out(`Arrived datagram is '${data}'\n`);
    await send(socket, "WELCOME", port, withZone(address, settings.networkInterface));
    out("Sent datagram is 'WELCOME'\n");
  });
}

/**
 * Sends HELLO to `-A`/`-P` and prints the answer. Sends again every discovery timeout (`-I`)
 * while no answer has come, so that a server started a moment later still answers, and gives up
 * after the discovery attempts times the discovery timeout (the original waits forever).
 */
export async function ipv6MulticastClient(
  settings: Settings,
  _tracer: Tracer,
  out: (text: string) => void,
): Promise<void> {
  await withSocket(settings, 0, async (socket, group) => {
    if (settings.networkInterface !== undefined) {
      socket.setMulticastInterface(`::%${settings.networkInterface}`);
    }
    const hello = () =>
      send(
        socket,
        "HELLO",
        settings.multicastPort,
        withZone(group, settings.networkInterface),
      );
    const limit = settings.discoveryAttempts * settings.discoveryTimeout;
    const answer = nextDatagram(socket, limit);
    answer.catch(() => {}); // awaited below; a failed first send must not leave it unobserved
    await hello();
    out("Sent datagram is 'HELLO'\n");
    const resend = setInterval(() => hello().catch(() => {}), settings.discoveryTimeout);
    try {
      const { data } = await answer;
      out(`Arrived datagram is '${data}'\n`);
    } finally {
      clearInterval(resend);
    }
  });
}

/** Runs `body` with a UDP/IPv6 socket bound to `port` and the group of `-A`, then closes it. */
async function withSocket(
  settings: Settings,
  port: number,
  body: (socket: dgram.Socket, group: string) => Promise<void>,
): Promise<void> {
  const group = await ipv6Group(settings);
  const socket = dgram.createSocket({ type: "udp6", reuseAddr: true });
  try {
    await bind(socket, port);
    await body(socket, group);
  } finally {
    socket.close();
  }
}

async function ipv6Group(settings: Settings): Promise<string> {
  const name = settings.multicastAddress;
  if (name === undefined) throw new Error("an IPv6 multicast address (-A) is needed");
  const address = isIP(name) === 6 ? name : (await lookup(name, { family: 6 })).address;
  if (isIP(address) !== 6) throw new Error(`'${name}' is not an IPv6 address`);
  return address;
}

function bind(socket: dgram.Socket, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(port, "::", () => {
      socket.off("error", reject);
      resolve();
    });
  });
}

function send(socket: dgram.Socket, text: string, port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) =>
    socket.send(text, port, address, (error) => error ? reject(error) : resolve())
  );
}

function nextDatagram(
  socket: dgram.Socket,
  limitMs: number | undefined,
): Promise<{ data: string; address: string; port: number }> {
  return new Promise((resolve, reject) => {
    const timer = limitMs === undefined
      ? undefined
      : setTimeout(() => reject(new Error(`no datagram within ${limitMs} ms`)), limitMs);
    socket.once("message", (data, remote) => {
      clearTimeout(timer);
      resolve({ data: data.toString(), address: remote.address, port: remote.port });
    });
  });
}
