/**
 * connectDaemon() given up through its signal. Discovery queries go to a UDP socket of this
 * host's loopback instead of a multicast group; no daemon is started.
 */
import { ok, rejects, strictEqual } from "node:assert/strict";
import { defaultSettings, type Settings } from "../config/settings.ts";
import { isClosed, loopbackResponder, settlesBefore } from "../transport/_testing.ts";
import { connectDaemon } from "./connect.ts";

// How long a discovery here waits for a reply: far longer than any test takes.
const REPLY_WAIT_MS = 60_000;

function connecting(settings: Partial<Settings>, signal: AbortSignal) {
  return connectDaemon({
    settings: { ...defaultSettings(), ...settings },
    privateSocket: false,
    autoStart: false,
    argv: [],
    signal,
  });
}

Deno.test("connectDaemon() aborted while it discovers rejects with the reason at once and closes the discovery's socket", async () => {
  using responder = loopbackResponder();
  const controller = new AbortController();
  const reason = new Error("given up");
  const connection = connecting({
    multicastAddress: "127.0.0.1",
    multicastPort: responder.port,
    discoveryAttempts: 1,
    discoveryTimeout: REPLY_WAIT_MS,
  }, controller.signal);
  const [, client] = await responder.receive();
  controller.abort(reason);
  // The reason itself, not "no daemon answered" (-105).
  await rejects(settlesBefore(REPLY_WAIT_MS / 3, connection), (error) => error === reason);
  ok(isClosed(client));
});

Deno.test("connectDaemon() with an aborted signal rejects with its reason and does not connect", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  const reason = new Error("never mind");
  await rejects(
    connecting({ unicastAddress: "127.0.0.1", unicastPort: port }, AbortSignal.abort(reason)),
    (error) => error === reason,
  );
  // Had it connected, its connection would be accepted before this one.
  using ours = await Deno.connect({ hostname: "127.0.0.1", port });
  using accepted = await listener.accept();
  strictEqual((accepted.remoteAddr as Deno.NetAddr).port, (ours.localAddr as Deno.NetAddr).port);
});
