/**
 * `flom --foreground`: the daemon of a service manager (packaging/flom.service) runs in the
 * process that systemd started, logs to stderr and stops cleanly on SIGTERM.
 */
import { deepStrictEqual, equal, match, ok } from "node:assert/strict";
import { exists, type FlomProcess, TestDir, waitUntil } from "./harness.ts";
import { WireClient } from "./wire_client.ts";

const READY = /FLM003N FLoM daemon is ready to serve incoming requests\n/;

/** A foreground daemon on the test's socket that lives until stopped; resolves once it serves. */
async function foreground(dir: TestDir, env: Record<string, string> = {}): Promise<FlomProcess> {
  const daemon = dir.spawn(["--foreground", "-s", dir.socket, "-d", "-1"], { env });
  await daemon.waitFor(READY, "stderr");
  return daemon;
}

Deno.test("flom --foreground serves in its own process and stops cleanly on SIGTERM", async () => {
  await using dir = new TestDir();
  const daemon = await foreground(dir);
  // This very process serves: no other process was started for it.
  deepStrictEqual(dir.daemonPids(), [daemon.child.pid]);
  match(daemon.stderr, /^flom\[\d+\]: FLM000I this process is activating a local FLoM daemon/);
  // A client's lock, and a second client refused while it is held.
  using holder = await WireClient.connect(dir.socket);
  equal(await holder.lock("R"), 0);
  const busy = await dir.run(["-s", dir.socket, "-r", "R", "-o", "0", "--", "true"]);
  equal(busy.code, 98, busy.stderr);
  daemon.child.kill("SIGTERM");
  // The lock is released: the daemon closes its holder's connection, removes its socket and
  // exits 0 after saying so.
  await holder.closed();
  const result = await daemon.result();
  equal(result.code, 0, result.stderr);
  match(result.stderr, /FLM004N FLoM daemon has terminated to serve incoming requests\n$/);
  ok(!exists(dir.socket), "the socket file is removed");
  // Nothing keeps the resource: a new daemon grants it at once.
  const again = await dir.run(["-s", dir.socket, "-d", "0", "-r", "R", "-o", "0", "--", "true"]);
  equal(again.code, 99, "no daemon runs any more");
  const next = await foreground(dir);
  const free = await dir.run(["-s", dir.socket, "-r", "R", "-o", "0", "--", "echo", "free"]);
  deepStrictEqual([free.code, free.stdout], [0, "free\n"]);
  next.child.kill("SIGTERM");
  equal((await next.result()).code, 0);
});

Deno.test("flom --foreground: under systemd each message starts with its syslog priority", async () => {
  await using dir = new TestDir();
  const daemon = await foreground(dir, { JOURNAL_STREAM: "8:12345" });
  match(daemon.stderr, /^<5>FLM000I /);
  match(daemon.stderr, /^<5>FLM003N /m);
  daemon.child.kill("SIGTERM");
  equal((await daemon.result()).code, 0);
});

Deno.test("flom --foreground traces to stderr with FLOM_TRACE_MASK", async () => {
  await using dir = new TestDir();
  const daemon = await foreground(dir, { FLOM_TRACE_MASK: "0xffffffff" });
  ok(daemon.stderr.split("\n").some((line) => line.includes("daemon starting on")));
  daemon.child.kill("SIGTERM");
  equal((await daemon.result()).code, 0);
});

Deno.test("flom --foreground on a live daemon's socket fails with 99 and the reason", async () => {
  await using dir = new TestDir();
  const first = await foreground(dir);
  const second = await dir.run(["--foreground", "-s", dir.socket]);
  equal(second.code, 99);
  match(second.stderr, /flom: the daemon cannot start: ret_cod=-108 /);
  match(second.stderr, /another daemon is already serving/);
  ok(exists(dir.socket), "the first daemon's socket stays");
  first.child.kill("SIGTERM");
  equal((await first.result()).code, 0);
});

Deno.test("flom --foreground takes no command", async () => {
  await using dir = new TestDir();
  const result = await dir.run(["--foreground", "-s", dir.socket, "--", "true"]);
  deepStrictEqual([result.code, result.stdout], [99, ""]);
  equal(result.stderr, "--foreground runs a daemon, no command: 'true' given\n");
  ok(!exists(dir.socket));
});

Deno.test("flom --foreground with -d: the daemon ends after its idle lifespan, exit 0", async () => {
  await using dir = new TestDir();
  const daemon = dir.spawn(["--foreground", "-s", dir.socket, "-d", "200"]);
  const result = await daemon.result();
  equal(result.code, 0, result.stderr);
  match(result.stderr, READY);
  await waitUntil(() => !exists(dir.socket), "the socket to go");
});
