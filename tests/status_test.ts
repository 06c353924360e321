/**
 * End-to-end tests of `flom --status`: what a user sees of holders, waiters, idle resources and
 * requests waiting for creation, as a table, as JSON and redrawn; the line a waiting `-V` client
 * prints; a daemon without a status view; and a status of 10,000 resources.
 */
import assert from "node:assert/strict";
import { toBinaryString } from "../src/protocol/binary_string.ts";
import type { StatusSnapshot } from "../src/status/snapshot.ts";
import { enqueue, hold, release, TestDir } from "./harness.ts";
import { transportTest } from "./transports.ts";
import { WireClient } from "./wire_client.ts";

async function statusJson(dir: TestDir, extra: string[] = []): Promise<StatusSnapshot> {
  const result = await dir.run([...dir.endpoint, "--status", "--json", ...extra]);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout);
}

Deno.test("flom --status shows holders, waiters in queue order and idle resources of every kind", async () => {
  await using dir = new TestDir();
  const holder = await hold(dir, ["-d", "-1", "-r", "backup", "-l", "PR"]);
  const pool = await hold(dir, ["-r", "pool[5]", "-q", "2"]);
  const set = await hold(dir, ["-r", "red.green"]);
  const sequence = await hold(dir, ["-r", "_s_seq[3]"]);
  const tree = await hold(dir, ["-r", "/a/b"]);
  const stamp = await hold(dir, ["-r", "_t_%Y%m%d%H%M%S[1]"]);
  const first = await enqueue(dir, ["-r", "backup", "--", "true"]);
  const second = await enqueue(dir, ["-r", "backup", "-l", "PW", "--", "true"]);
  const idle = await dir.run([...dir.endpoint, "-r", "spare", "-i", "60000", "--", "true"]);
  assert.equal(idle.code, 0);

  const snapshot = await statusJson(dir);
  assert.equal(snapshot.version, 1);
  assert.ok(!Number.isNaN(Date.parse(snapshot.takenAt)));
  const byName = new Map(snapshot.resources.map((resource) => [resource.name, resource]));
  const backup = byName.get("backup")!;
  assert.equal(backup.kind, "simple");
  assert.deepEqual(backup.holders.map(({ mode, peer, program }) => [mode, peer, program]), [
    ["PR", "local", "sh"],
  ]);
  assert.equal(backup.holders[0]!.pid, holder.child.pid);
  assert.deepEqual(backup.waiters.map(({ mode, pid }) => [mode, pid]), [
    ["EX", first.child.pid],
    ["PW", second.child.pid],
  ]);
  assert.deepEqual(byName.get("pool[5]")!.holders.map(({ quantity }) => quantity), [2]);
  assert.deepEqual(byName.get("red.green")!.holders.map(({ element }) => element), ["red"]);
  assert.deepEqual(byName.get("_s_seq[3]")!.holders.map(({ element }) => element), ["1"]);
  const [granted] = byName.get("_t_%Y%m%d%H%M%S[1]")!.holders;
  assert.match(granted!.element!, /^\d{14}$/);
  const root = byName.get("/a")!;
  assert.deepEqual([root.kind, root.holders.map(({ name }) => name)], ["hierarchical", ["/a/b"]]);
  const spare = byName.get("spare")!;
  assert.deepEqual([spare.holders, spare.waiters], [[], []]);
  assert.ok(spare.idleRemainingMs! > 0 && spare.idleRemainingMs! <= 61000);

  const table = await dir.run([...dir.endpoint, "--status"]);
  assert.equal(table.code, 0, table.stderr);
  const lines = table.stdout.split("\n");
  assert.match(lines[0]!, /^flom daemon pid \d+, up \S+, 7 resources$/);
  assert.match(lines[1]!, /^RESOURCE +KIND +STATE +CLIENT +REQUEST +ELEMENT +FOR$/);
  assert.ok(lines.some((line) => /^backup +simple +held +pid \d+: sh +PR +\d+\.\ds$/.test(line)));
  assert.ok(lines.some((line) => /^backup +simple +waiting #1 +pid \d+: true +EX +\d/.test(line)));
  assert.ok(lines.some((line) => /^backup +simple +waiting #2 +pid \d+: true +PW +\d/.test(line)));
  assert.ok(lines.some((line) => /^pool\[5\] +numeric +held +pid \d+: sh +2 units/.test(line)));
  assert.ok(lines.some((line) => /^red\.green +set +held +pid \d+: sh +red +\d/.test(line)));
  assert.ok(lines.some((line) => /^\/a\/b +hierarchical +held /.test(line)));
  assert.ok(lines.some((line) => /^spare +simple +idle +forgotten in \d/.test(line)));
  assert.ok(!table.stdout.includes("\x1b["), "no colour in a pipe");

  for (const process of [holder, pool, set, sequence, tree, stamp]) await release(process);
  assert.equal((await first.result()).code, 0);
  assert.equal((await second.result()).code, 0);
});

Deno.test("flom --status shows requests waiting for their resource's creation", async () => {
  await using dir = new TestDir();
  const holder = await hold(dir, ["-d", "-1", "-r", "other"]);
  const parked = dir.spawn([...dir.endpoint, "-r", "later", "-e", "no", "--", "true"], {
    env: { FLOM_TRACE_MASK: "0x8" },
  });
  await parked.waitFor(/step=16 rc=2 /, "stderr");
  const snapshot = await statusJson(dir);
  assert.deepEqual(
    snapshot.incubator.map(({ resource, kind, pid }) => [resource, kind, pid]),
    [["later", "simple", parked.child.pid]],
  );
  const table = await dir.run([...dir.endpoint, "--status"]);
  assert.match(table.stdout, /1 waiting for creation/);
  assert.match(table.stdout, /^later +simple +awaiting creation +pid \d+: true/m);
  parked.child.kill("SIGTERM");
  await parked.result();
  await release(holder);
});

Deno.test("flom --status -r shows one resource, and a hierarchical name with what lies below it", async () => {
  await using dir = new TestDir();
  const holders = [
    await hold(dir, ["-d", "-1", "-r", "backup"]),
    await hold(dir, ["-r", "other"]),
    await hold(dir, ["-r", "/a/b", "-l", "CR"]),
    await hold(dir, ["-r", "/a/b/c", "-l", "CR"]),
    await hold(dir, ["-r", "/a/x", "-l", "CR"]),
  ];
  assert.deepEqual((await statusJson(dir, ["-r", "backup"])).resources.map(({ name }) => name), [
    "backup",
  ]);
  const below = await statusJson(dir, ["-r", "/a/b"]);
  assert.deepEqual(below.resources[0]!.holders.map(({ name }) => name), ["/a/b", "/a/b/c"]);
  assert.deepEqual((await statusJson(dir, ["-r", "nothing"])).resources, []);
  const empty = await dir.run([...dir.endpoint, "--status", "-r", "nothing"]);
  assert.match(empty.stdout, /^flom daemon pid \d+, up \S+, 0 resources\nno resources\n$/);
  for (const holder of holders) await release(holder);
});

Deno.test("flom --status --watch redraws until interrupted, and says when no daemon runs", async () => {
  await using dir = new TestDir();
  const holder = await hold(dir, ["-d", "-1", "-r", "backup"]);
  const watcher = dir.spawn([...dir.endpoint, "--status", "--watch", "100"]);
  await watcher.waitFor(/Every 0\.1s: flom --status[^]*backup[^]*Every 0\.1s: flom --status/);
  await release(holder);
  await dir.run([...dir.endpoint, "-X"]);
  await watcher.waitFor(/no flom daemon is running at/);
  watcher.child.kill("SIGINT");
  const result = await watcher.result();
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, "");
});

Deno.test("flom --status --json --watch prints one document per line", async () => {
  await using dir = new TestDir();
  const holder = await hold(dir, ["-d", "-1", "-r", "backup"]);
  const watcher = dir.spawn([...dir.endpoint, "--status", "--json", "--watch=50"]);
  await watcher.waitFor(/\n.*\n/);
  watcher.child.kill("SIGINT");
  const result = await watcher.result();
  const documents = result.stdout.trim().split("\n").map((line) => JSON.parse(line));
  assert.ok(documents.length >= 2);
  assert.equal(documents[0].resources[0].name, "backup");
  await release(holder);
});

Deno.test("a waiting flom -V says who blocks it; without -V nothing changes", async () => {
  await using dir = new TestDir();
  const holder = await hold(dir, ["-d", "-1", "-r", "backup"], ["sh", "-c", "echo held; read _"]);
  const waiter = dir.spawn([...dir.endpoint, "-V", "-r", "backup", "--", "echo", "ran"]);
  await waiter.waitFor(
    new RegExp(
      `Waiting for 'backup': held by pid ${holder.child.pid} \\(sh\\) for \\d+\\.\\ds, next in queue`,
    ),
  );
  const quiet = await enqueue(dir, ["-r", "backup", "--", "echo", "ran"]);
  await release(holder);
  const result = await waiter.result();
  assert.equal(result.code, 0);
  assert.ok(result.stdout.indexOf("Waiting for") < result.stdout.indexOf("ran\n"));
  const plain = await quiet.result();
  assert.equal(plain.stdout, "ran\n");
});

Deno.test("flom --status against a daemon that closes the connection says it has no status view, exit 99", async () => {
  await using dir = new TestDir();
  // What FLoM 1.7.2 does with the status request: reads it and closes the connection.
  using listener = Deno.listen({ transport: "unix", path: dir.socket });
  const original = (async () => {
    const conn = await listener.accept();
    const buffer = new Uint8Array(512);
    let text = "";
    while (!text.includes("</msg>")) {
      const count = await conn.read(buffer);
      if (count === null) break;
      text += new TextDecoder().decode(buffer.subarray(0, count));
    }
    conn.close();
    return text;
  })();
  const result = await dir.run(["-s", dir.socket, "--status"]);
  assert.equal(result.code, 99);
  assert.equal(result.stdout, "");
  assert.equal(
    result.stderr,
    "this daemon does not offer a status view (FLoM 1.7.2 or older?)\n" +
      "flom: a daemon that uses TLS closes a plain connection the same way: it may need " +
      "--tls-certificate, --tls-private-key and --tls-ca-certificate\n",
  );
  assert.match(
    await original,
    /<msg level="3" verb="3" step="8"><session peerid="[^"]*"\/><status format="json"\/><\/msg>$/,
  );
});

Deno.test("flom --status never starts a daemon", async () => {
  await using dir = new TestDir();
  const result = await dir.run(["-s", dir.socket, "--status"]);
  assert.equal(result.code, 99);
  assert.match(result.stderr, /no flom daemon is running at .*sock/);
  assert.deepEqual(dir.daemonPids(), []);
  const usage = await dir.run(["-s", dir.socket, "--json"]);
  assert.deepEqual([usage.code, usage.stderr], [99, "--json and --watch go with --status\n"]);
});

Deno.test("flom --status shows 10,000 resources", async () => {
  await using dir = new TestDir();
  const holder = await hold(dir, ["-d", "-1", "-r", "first"]);
  // One connection may lock, unlock and lock again: each name stays as an idle resource.
  using client = await WireClient.connect(dir.socket);
  for (let index = 0; index < 10_000; index++) {
    await client.send({
      kind: "lock",
      peerId: "",
      name: toBinaryString(`r${index}`),
      mode: 5,
      wait: false,
      create: true,
      lifespan: 600_000,
    });
    assert.equal(await client.nextRc(), 0);
    await client.send({ kind: "unlock", name: toBinaryString(`r${index}`), rollback: false });
  }
  const snapshot = await statusJson(dir);
  assert.equal(snapshot.resources.length, 10_001);
  const table = await dir.run([...dir.endpoint, "--status"]);
  assert.equal(table.stdout.split("\n").length, 10_001 + 3);
  await release(holder);
});

transportTest("flom --status names each holder and waiter by its peer", async (dir) => {
  const holder = await hold(dir, ["-d", "-1", "-r", "backup"]);
  const waiter = await enqueue(dir, ["-r", "backup", "--", "true"]);
  const snapshot = await statusJson(dir);
  const [backup] = snapshot.resources;
  const [held] = backup!.holders;
  const [waiting] = backup!.waiters;
  assert.deepEqual([held!.pid, held!.program, waiting!.pid], [
    holder.child.pid,
    "sh",
    waiter.child.pid,
  ]);
  if (dir.endpoint.includes("-a")) {
    // Over TCP: the client's address and its host name.
    assert.match(held!.peer, /^127\.0\.0\.1\/\d+$/);
    assert.equal(held!.host, Deno.hostname());
  } else {
    assert.deepEqual([held!.peer, held!.host], ["local", undefined]);
  }
  await release(holder);
  assert.equal((await waiter.result()).code, 0);
});
