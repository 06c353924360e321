/** The TypeScript API (mod.ts) against a real daemon, side by side with the CLI. */
import assert from "node:assert/strict";
import { lock, LockError, RC } from "../mod.ts";
import { runsWith, TestDir } from "./harness.ts";
import { makeCertificates, OPENSSL, peer, UNIQUE_ID } from "./certificates.ts";

/** An assert.rejects check: a LockError with reason code `rc`, and its message if given. */
function lockError(rc: number, message?: string) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof LockError, `not a LockError: ${error}`);
    assert.equal(error.rc, rc, error.message);
    if (message !== undefined) assert.equal(error.message, message);
    return true;
  };
}

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

Deno.test("lock() hands out a set element and refuses a busy resource with rc 4 (LOCK_BUSY)", async () => {
  await using dir = new TestDir();
  await startDaemon(dir);
  const first = await lock({ resource: "red.green", socketName: dir.socket });
  const second = await lock({ resource: "red.green", socketName: dir.socket });
  assert.deepEqual([first.element, second.element], ["red", "green"]);
  await assert.rejects(
    lock({ resource: "red.green", socketName: dir.socket, timeout: 0 }),
    lockError(
      RC.LOCK_BUSY,
      "INFO: the lock can not be obtained because the resource is already locked",
    ),
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

Deno.test("lock() never starts a daemon: rc -105 (CONNECT_ERROR) when none runs", async () => {
  await using dir = new TestDir();
  await assert.rejects(lock({ socketName: dir.socket }), lockError(RC.CONNECT_ERROR));
  assert.equal(dir.daemonPids().length, 0);
});

Deno.test("lock() with a timeout rejects with rc 9 (NETWORK_TIMEOUT) when the resource stays busy", async () => {
  await using dir = new TestDir();
  await startDaemon(dir);
  await using _held = await lock({ resource: "R", socketName: dir.socket });
  await assert.rejects(
    lock({ resource: "R", socketName: dir.socket, timeout: 200 }),
    lockError(RC.NETWORK_TIMEOUT, "WARNING: network operation timeout"),
  );
});

Deno.test("lock() rejects with the daemon's reason code: 5 can't wait, 6 impossible, -25 bad format", async () => {
  await using dir = new TestDir();
  await startDaemon(dir);
  const socketName = dir.socket;
  await assert.rejects(
    lock({ resource: "/missing", create: false, timeout: 0, socketName }),
    lockError(RC.LOCK_CANT_WAIT),
  );
  await assert.rejects(
    lock({ resource: "foo[2]", quantity: 3, socketName }),
    lockError(RC.LOCK_IMPOSSIBLE),
  );
  await assert.rejects(
    lock({ resource: "_t_invalid%a[1]", socketName }),
    lockError(RC.INVALID_TIMESTAMP_FORMAT),
  );
  // Each refusal left the daemon serving: the same names with a possible request are granted.
  await (await lock({ resource: "foo[2]", quantity: 2, socketName })).unlock();
});

Deno.test("lock() refuses a name that is no resource name with rc -14, without a daemon", async () => {
  await using dir = new TestDir();
  await assert.rejects(
    lock({ resource: "db-backup", socketName: dir.socket }),
    lockError(RC.INVALID_RESOURCE_NAME),
  );
  assert.equal(dir.daemonPids().length, 0);
});

Deno.test({
  name:
    "lock() over TLS with mutual authentication and the peer-id check; an untrusted daemon is rc -407",
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
    // CA2 did not sign the daemon's certificate: the client refuses it.
    await assert.rejects(
      lock({ resource: "R", socketName: dir.socket, tls: tlsOf("CA2", "peer2") }),
      lockError(RC.SSL_GET_VERIFY_RESULT_ERROR),
    );
    // A daemon whose certificate's CN is not its unique id fails the peer-id check.
    const wrongId = `${dir.path}/wrong-id`;
    const other = await dir.run([
      "-s",
      wrongId,
      ...peer(dir, "CA1", "peer3"),
      "-d",
      "-1",
      "--",
      "true",
    ]);
    assert.equal(other.code, 0, other.stderr);
    await assert.rejects(
      lock({
        resource: "R",
        socketName: wrongId,
        tls: tlsOf("CA1", "peer2"),
        tlsCheckPeerId: true,
      }),
      lockError(RC.UNIQUE_ID_DOES_NOT_MATCH),
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
      if (!(error instanceof LockError && error.rc === RC.NETWORK_TIMEOUT)) throw error;
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
    lockError(
      RC.CONNECT_ERROR,
      `ERROR: 'connect' function returned an error condition: no flom daemon is running at ${dir.socket}`,
    ),
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

Deno.test("a held lock's signal aborts when the daemon goes away (-X), and never after unlock()", async () => {
  await using dir = new TestDir();
  await startDaemon(dir);
  const kept = await lock({ resource: "kept", socketName: dir.socket });
  await kept.unlock();
  const held = await lock({ resource: "R", socketName: dir.socket });
  const aborted = new Promise<unknown>((resolve) =>
    held.signal.addEventListener("abort", () => resolve(held.signal.reason))
  );
  assert.equal((await dir.run(["-s", dir.socket, "-X"])).code, 0);
  const reason = await aborted;
  assert.ok(lockError(RC.CONNECTION_CLOSED_BY_SERVER)(reason));
  assert.equal(
    (reason as LockError).message,
    "lock on 'R' lost: the daemon closed the connection",
  );
  assert.equal(kept.signal.aborted, false);
  await held.unlock(); // nothing is held any more: it resolves at once
});
