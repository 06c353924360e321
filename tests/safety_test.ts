/**
 * End-to-end tests of the locks flom keeps safe beyond the original: a lock outlives a flom
 * killed by SIGKILL while its command runs, and every grant carries a fencing token that grows,
 * also across a daemon restart.
 */
import assert from "node:assert/strict";
import { toBinaryString } from "../src/protocol/binary_string.ts";
import { RC } from "../src/protocol/return_codes.ts";
import { lock } from "../mod.ts";
import { hold, release, TestDir, waitUntil } from "./harness.ts";
import { WireClient } from "./wire_client.ts";

const LOCK = (name: string, wait: boolean) => ({
  kind: "lock" as const,
  peerId: "",
  client: { pid: Deno.pid },
  name: toBinaryString(name),
  mode: 5,
  wait,
  create: true,
  lifespan: 0,
});

/** The first answer to a lock request of `name`, with its fencing token. */
async function lockOver(client: WireClient, name: string, wait = false) {
  await client.send(LOCK(name, wait));
  const answer = await client.stream.read();
  assert.equal(answer?.kind, "lockAnswer");
  return answer as { rc: number; fencingToken?: string };
}

Deno.test("a flom killed by SIGKILL leaves its lock to its command, which releases it when it ends", async () => {
  await using dir = new TestDir();
  const done = `${dir.path}/done`;
  const go = `${dir.path}/go`;
  assert.equal((await new Deno.Command("mkfifo", { args: [go] }).output()).code, 0);
  // The command outlives its flom: it waits for a line on the FIFO, then records its end.
  const holder = await hold(dir, ["-d", "-1", "-r", "backup"], [
    "sh",
    "-c",
    `echo held; read _ < ${go}; echo ended > ${done}`,
  ]);
  holder.child.kill("SIGKILL");
  // Not result(): the command still writes to the output the dead flom left it.
  assert.equal((await holder.child.status).signal, "SIGKILL");

  const status = await dir.run([...dir.endpoint, "--status", "--json"]);
  const [backup] = JSON.parse(status.stdout).resources;
  assert.equal(backup.holders.length, 1, status.stdout);
  assert.ok(backup.holders[0].orphanedPid > 0);
  const table = await dir.run([...dir.endpoint, "--status"]);
  assert.match(table.stdout, /held +orphaned pid \d+: sh/);

  // Busy while the command runs, though its flom is gone.
  const busy = await dir.run([...dir.endpoint, "-r", "backup", "-o", "0", "--", "true"]);
  assert.equal(busy.code, 98, busy.stderr);

  const waiter = dir.spawn([...dir.endpoint, "-r", "backup", "--", "cat", done]);
  await Deno.writeTextFile(go, "\n");
  const result = await waiter.result();
  assert.equal(result.code, 0, result.stderr);
  // The waiter's command ran only once the orphan's command had ended.
  assert.equal(result.stdout, "ended\n");
});

Deno.test("the daemon keeps a lock for a reported child of its holder, not for any other process", async () => {
  await using dir = new TestDir();
  const first = await hold(dir, ["-d", "-1", "-r", "warmup"]);
  await release(first);
  const child = new Deno.Command("sleep", { args: ["60"] }).spawn();
  try {
    for (const [reported, kept, name] of [[1, false, "R1"], [child.pid, true, "R2"]] as const) {
      const holder = await WireClient.connect(dir.socket);
      const granted = await lockOver(holder, name);
      assert.equal(granted.rc, RC.OK);
      assert.match(granted.fencingToken!, /^\d+$/);
      const reporter = await WireClient.connect(dir.socket);
      await reporter.send({
        kind: "commandReport",
        peerId: "",
        fencingToken: granted.fencingToken!,
        pid: reported,
      });
      await reporter.closed();
      reporter[Symbol.dispose]();
      holder[Symbol.dispose]();
      using other = await WireClient.connect(dir.socket);
      if (!kept) {
        // A process that is not the holder's child pins nothing: the lock goes with its client
        // (after the daemon has looked twice for a process carrying the lock's token).
        const first = await lockOver(other, name, true);
        if (first.rc === RC.LOCK_ENQUEUED) assert.equal(await other.nextRc(), RC.OK);
        else assert.equal(first.rc, RC.OK);
        continue;
      }
      assert.equal((await lockOver(other, name)).rc, RC.LOCK_BUSY);
      using waiter = await WireClient.connect(dir.socket);
      assert.equal((await lockOver(waiter, name, true)).rc, RC.LOCK_ENQUEUED);
      child.kill("SIGKILL");
      await child.status;
      assert.equal(await waiter.nextRc(), RC.OK);
    }
  } finally {
    try {
      child.kill("SIGKILL");
    } catch {
      // Killed by the test already.
    }
    await child.status;
  }
});

Deno.test("fencing tokens grow with every grant of a resource, also across a daemon restart", async () => {
  await using dir = new TestDir();
  const token = async () => {
    const result = await dir.run([
      ...dir.endpoint,
      "-r",
      "R",
      "--",
      "sh",
      "-c",
      'echo "$FLOM_FENCING_TOKEN"',
    ]);
    assert.equal(result.code, 0, result.stderr);
    return BigInt(result.stdout.trim());
  };
  const tokens = [await token(), await token()];
  assert.equal((await dir.run([...dir.endpoint, "-X"])).code, 0);
  await waitUntil(() => dir.daemonPids().length === 0, "the daemon to exit");
  tokens.push(await token());
  for (let i = 1; i < tokens.length; i++) assert.ok(tokens[i]! > tokens[i - 1]!, tokens.join(" "));
});

Deno.test("lock() returns the grant's fencing token", async () => {
  await using dir = new TestDir();
  await release(await hold(dir, ["-d", "-1", "-r", "warmup"]));
  await using first = await lock({ resource: "A", socketName: dir.socket });
  await first.unlock();
  await using second = await lock({ resource: "A", socketName: dir.socket });
  assert.equal(typeof first.fencingToken, "bigint");
  assert.ok(second.fencingToken! > first.fencingToken!);
});

Deno.test("a lock is kept, without any report, for every process that carries its token", async () => {
  await using dir = new TestDir();
  await release(await hold(dir, ["-d", "-1", "-r", "warmup"]));
  const holder = await WireClient.connect(dir.socket);
  const granted = await lockOver(holder, "R");
  assert.equal(granted.rc, RC.OK);
  // What a flom killed before its report leaves behind: a command with the token, unreported.
  const command = new Deno.Command("sleep", {
    args: ["60"],
    env: { FLOM_FENCING_TOKEN: granted.fencingToken! },
  }).spawn();
  try {
    holder[Symbol.dispose]();
    using waiter = await WireClient.connect(dir.socket);
    assert.equal((await lockOver(waiter, "R", true)).rc, RC.LOCK_ENQUEUED);
    // The waiter waits for the command, which the status shows as the holder.
    const status = await dir.run(["-s", dir.socket, "--status", "--json"]);
    const resource = JSON.parse(status.stdout).resources.find(({ name }: { name: string }) =>
      name === "R"
    );
    assert.equal(resource.holders[0].orphanedPid, command.pid, status.stdout);
    assert.equal(resource.waiters.length, 1);
    command.kill("SIGKILL");
    await command.status;
    assert.equal(await waiter.nextRc(), RC.OK);
  } finally {
    try {
      command.kill("SIGKILL");
    } catch {
      // Killed by the test already.
    }
    await command.status;
  }
});
