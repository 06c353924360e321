/** The TypeScript API (mod.ts) against a real daemon, side by side with the CLI. */
import assert from "node:assert/strict";
import { lock, LockError, RC } from "../mod.ts";
import { runsWith, TestDir } from "./harness.ts";
import { makeCertificates, OPENSSL, peer, UNIQUE_ID } from "./certificates.ts";

async function startDaemon(dir: TestDir): Promise<void> {
  assert.equal((await dir.run(["-s", dir.socket, "-d", "-1", "--", "true"])).code, 0);
}

Deno.test("lock() holds a resource until unlock(): the CLI sees it busy, then free", async () => {
  await using dir = new TestDir();
  await startDaemon(dir);
  const held = await lock({ resource: "R", socketName: dir.socket });
  assert.equal(held.element, undefined);
  assert.equal((await dir.run(["-s", dir.socket, "-r", "R", "-o", "0", "--", "true"])).code, 98);
  await held.unlock();
  assert.equal((await dir.run(["-s", dir.socket, "-r", "R", "-o", "0", "--", "true"])).code, 0);
});

Deno.test("lock() releases at the end of an `await using` scope", async () => {
  await using dir = new TestDir();
  await startDaemon(dir);
  {
    await using _held = await lock({ resource: "R", socketName: dir.socket });
    assert.equal((await dir.run(["-s", dir.socket, "-r", "R", "-o", "0", "--", "true"])).code, 98);
  }
  assert.equal((await dir.run(["-s", dir.socket, "-r", "R", "-o", "0", "--", "true"])).code, 0);
});

Deno.test("lock() hands out a set element and refuses a busy resource with rc 4", async () => {
  await using dir = new TestDir();
  await startDaemon(dir);
  const first = await lock({ resource: "red.green", socketName: dir.socket });
  const second = await lock({ resource: "red.green", socketName: dir.socket });
  assert.deepEqual([first.element, second.element], ["red", "green"]);
  await assert.rejects(
    lock({ resource: "red.green", socketName: dir.socket, timeout: 0 }),
    (error) => error instanceof LockError && error.rc === 4,
  );
  await first.unlock();
  await second.unlock();
});

Deno.test("lock() rolls back a transactional sequence value on unlock({ rollback: true })", async () => {
  await using dir = new TestDir();
  await startDaemon(dir);
  const options = { resource: "_S_api[1]", socketName: dir.socket, idleLifespan: 5000 };
  const first = await lock(options);
  await first.unlock({ rollback: true });
  const again = await lock(options);
  assert.equal(again.element, first.element);
  await again.unlock();
});

Deno.test("lock() never starts a daemon: rc -105 when none runs", async () => {
  await using dir = new TestDir();
  await assert.rejects(
    lock({ socketName: dir.socket }),
    (error) => error instanceof LockError && error.rc === -105,
  );
  assert.equal(dir.daemonPids().length, 0);
});

Deno.test("lock() with a timeout rejects with rc 9 when the resource stays busy", async () => {
  await using dir = new TestDir();
  await startDaemon(dir);
  await using _held = await lock({ resource: "R", socketName: dir.socket });
  await assert.rejects(
    lock({ resource: "R", socketName: dir.socket, timeout: 200 }),
    (error) => error instanceof LockError && error.rc === 9,
  );
});

Deno.test({
  name: "lock() over TLS with mutual authentication and the peer-id check",
  ignore: !runsWith(OPENSSL && UNIQUE_ID !== undefined),
  async fn() {
    await using dir = new TestDir();
    await makeCertificates(dir);
    const tlsOf = (ca: string, name: string) => ({
      certificate: `${dir.path}/${ca}/${name}_${ca}_cert.pem`,
      privateKey: `${dir.path}/${ca}/${name}_${ca}_key.pem`,
      caCertificate: `${dir.path}/${ca}/cacert.pem`,
    });
    const started = await dir.run([
      "-s",
      dir.socket,
      ...peer(dir, "CA1", "peer1"),
      "-d",
      "-1",
      "--",
      "true",
    ]);
    assert.equal(started.code, 0, started.stderr);
    const held = await lock({
      resource: "R",
      socketName: dir.socket,
      tls: tlsOf("CA1", "peer2"),
      tlsCheckPeerId: true,
    });
    await held.unlock();
    await assert.rejects(
      lock({ resource: "R", socketName: dir.socket, tls: tlsOf("CA2", "peer2") }),
      (error) => error instanceof LockError && error.rc < 0,
    );
  },
});

Deno.test("a 1 ms timeout never fails on a free resource: 1,000 locks with lock(), 10 with flom -o 1", async () => {
  await using dir = new TestDir();
  await startDaemon(dir);
  let timeouts = 0;
  for (let i = 0; i < 1000; i++) {
    try {
      await (await lock({ resource: "free", socketName: dir.socket, timeout: 1 })).unlock();
    } catch (error) {
      if (!(error instanceof LockError)) throw error;
      timeouts++;
    }
  }
  assert.equal(timeouts, 0);
  for (let i = 0; i < 10; i++) {
    const result = await dir.run(["-s", dir.socket, "-r", "free", "-o", "1", "--", "true"]);
    assert.deepEqual(result, { code: 0, stdout: "", stderr: "" });
  }
});

Deno.test("a lock without a timeout waits in the queue longer than a daemon may take to answer", async () => {
  await using dir = new TestDir();
  await startDaemon(dir);
  const holder = await lock({ resource: "R", socketName: dir.socket });
  const waiter = lock({ resource: "R", socketName: dir.socket });
  // Longer than the 5 s a client gives a daemon for its first answer (which came at once).
  const outcome = await Promise.race([
    waiter.then(() => "granted early", (error) => `failed: ${error}`),
    new Promise<string>((resolve) => setTimeout(() => resolve("still waiting"), 6000)),
  ]);
  assert.equal(outcome, "still waiting");
  await holder.unlock();
  await (await waiter).unlock();
});

Deno.test("lock() with no daemon rejects with RC.CONNECT_ERROR and names the socket", async () => {
  await using dir = new TestDir();
  await assert.rejects(
    lock({ resource: "R", socketName: dir.socket }),
    (error) =>
      error instanceof LockError && error.rc === RC.CONNECT_ERROR &&
      error.message ===
        `ERROR: 'connect' function returned an error condition: no flom daemon is running at ${dir.socket}`,
  );
});

Deno.test("lock() with an aborted signal withdraws its waiting request and rejects with the reason", async () => {
  await using dir = new TestDir();
  await startDaemon(dir);
  const holder = await lock({ resource: "R", socketName: dir.socket });
  const controller = new AbortController();
  const waiter = lock({ resource: "R", socketName: dir.socket, signal: controller.signal });
  const second = lock({ resource: "R", socketName: dir.socket });
  // Wherever it is (connecting or queued), an aborted request gives up with the reason, and
  // its connection is closed, which takes it off the daemon's queue.
  controller.abort(new Error("no longer needed"));
  await assert.rejects(waiter, { message: "no longer needed" });
  await holder.unlock();
  await (await second).unlock();
  await assert.rejects(
    lock({ resource: "R", socketName: dir.socket, signal: AbortSignal.abort() }),
    { name: "AbortError" },
  );
});
