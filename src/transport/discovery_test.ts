/**
 * Discovery against a UDP socket of this host's loopback in place of a multicast group: the
 * queries are unicast datagrams to 127.0.0.1. The daemon's part is the test's, which answers or
 * stays silent as the test needs.
 */
import { deepStrictEqual, ok, rejects } from "node:assert/strict";
import { decodeMessage, encodeMessage } from "../protocol/codec.ts";
import { isClosed, loopbackResponder, settlesBefore } from "./_testing.ts";
import { discoverDaemon, type DiscoveryOptions } from "./discovery.ts";

// How long a discovery here waits for a reply: far longer than any test takes.
const REPLY_WAIT_MS = 60_000;

/** A discovery of the responder on `port`, with one query. */
function discovery(port: number, signal?: AbortSignal): DiscoveryOptions {
  return {
    group: "127.0.0.1",
    port,
    attempts: 1,
    timeout: REPLY_WAIT_MS,
    ttl: 1,
    ...(signal === undefined ? {} : { signal }),
  };
}

Deno.test("discoverDaemon() returns the endpoint of the first reply and closes its socket", async () => {
  using responder = loopbackResponder();
  const discovering = discoverDaemon(discovery(responder.port));
  const [query, client] = await responder.receive();
  deepStrictEqual(decodeMessage(query), { kind: "discover" });
  await responder.send(
    encodeMessage({ kind: "discoverAnswer", address: "127.0.0.1", port: 28015 }),
    client,
  );
  deepStrictEqual(await discovering, { transport: "tcp", hostname: "127.0.0.1", port: 28015 });
  ok(isClosed(client));
});

Deno.test("discoverDaemon() aborted while it waits for a reply rejects with the reason at once and closes its socket", async () => {
  using responder = loopbackResponder();
  const controller = new AbortController();
  const reason = new Error("given up");
  const discovering = discoverDaemon(discovery(responder.port, controller.signal));
  // The query has arrived: the discovery now waits for a reply that never comes.
  const [, client] = await responder.receive();
  ok(!isClosed(client));
  controller.abort(reason);
  await rejects(settlesBefore(REPLY_WAIT_MS / 3, discovering), (error) => error === reason);
  ok(isClosed(client));
});

Deno.test("discoverDaemon() with an aborted signal rejects with its reason", async () => {
  using responder = loopbackResponder();
  const reason = new Error("never mind");
  await rejects(
    discoverDaemon(discovery(responder.port, AbortSignal.abort(reason))),
    (error) => error === reason,
  );
});
