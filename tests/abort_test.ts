/**
 * lock() given up through its signal before it reaches a daemon: while it discovers one (the
 * queries go to a UDP socket of this host's loopback, not to a multicast group) and while it
 * connects (a TLS handshake with a listener that never answers it).
 */
import { rejects, strictEqual } from "node:assert/strict";
import { lock } from "../mod.ts";
import { HANDSHAKE_TIMEOUT_MS } from "../src/transport/tls.ts";
import { isClosed, loopbackResponder, settlesBefore } from "../src/transport/_testing.ts";
import { certifiedDir, OPENSSL, UNIQUE_ID } from "./certificates.ts";
import { runsWith } from "./harness.ts";

Deno.test("lock() aborted while it discovers the daemon rejects with the reason and closes the discovery's socket", async () => {
  using responder = loopbackResponder();
  const controller = new AbortController();
  const reason = new Error("given up");
  const locking = lock({
    multicastAddress: "127.0.0.1",
    multicastPort: responder.port,
    signal: controller.signal,
  });
  const [, client] = await responder.receive();
  controller.abort(reason);
  // A discovery that went on would send its second query 500 ms after the first, before it
  // gives up: lock() must reject first, with the reason itself.
  const secondQuery = responder.receive().then(() => "a second query", () => "no second query");
  strictEqual(await Promise.race([locking.catch((error) => error), secondQuery]), reason);
  strictEqual(isClosed(client), true);
  responder[Symbol.dispose]();
  strictEqual(await secondQuery, "no second query");
});

Deno.test({
  name:
    "lock() aborted in the TLS handshake rejects with the reason at once and closes its connection",
  ignore: !runsWith(OPENSSL && UNIQUE_ID !== undefined),
  fn: async () => {
    await using dir = await certifiedDir();
    // Accepts, and never says a word: the client waits in its handshake.
    using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const controller = new AbortController();
    const reason = new Error("given up");
    const locking = lock({
      unicastAddress: "127.0.0.1",
      unicastPort: (listener.addr as Deno.NetAddr).port,
      tls: {
        certificate: `${dir.path}/CA1/peer1_CA1_cert.pem`,
        privateKey: `${dir.path}/CA1/peer1_CA1_key.pem`,
        caCertificate: `${dir.path}/CA1/cacert.pem`,
      },
      signal: controller.signal,
    });
    using served = await listener.accept();
    controller.abort(reason);
    // Before the handshake's own limit, after which it would have failed anyway.
    await rejects(
      settlesBefore(HANDSHAKE_TIMEOUT_MS / 2, locking),
      (error) => error === reason,
    );
    // The client's hello, then the end of the stream: the client has closed its socket.
    const buffer = new Uint8Array(4096);
    while (await served.read(buffer) !== null) {
      // Discarded.
    }
  },
});
