/**
 * LockSession without sockets: the client's end of an in-memory connection
 * (src/transport/_memory_conn.ts), a fake daemon on the other end written here, its answers
 * encoded by the codec. What the wire carries is checked in protocol/; here, what the session
 * does with each answer.
 *
 * With `permissions: "none"`. Should a test here ever end waiting on nothing but lock()'s timers
 * (Atomics.waitAsync, which keep no event loop alive), Deno 2.9 fails it ("the event loop has
 * already resolved") and then panics in the next test with its own permissions ("pledge test
 * permissions called before restoring previous pledge"): look at the first failure.
 */
import assert from "node:assert/strict";
import { ClientError } from "../errors.ts";
import type { LockAnswer, LockRequest, Message } from "../protocol/messages.ts";
import { MAX_DAEMON_MESSAGE_BYTES } from "../protocol/messages.ts";
import { RC } from "../protocol/return_codes.ts";
import { memoryConnPair } from "../transport/_memory_conn.ts";
import { MessageStream } from "../transport/message_stream.ts";
import type { StreamConn } from "../transport/stream_conn.ts";
import { type LockRequestOptions, LockSession, type LockSessionOptions } from "./lock_session.ts";

const CLIENT_ID = "3c5a7e2f9b1d4a6c8e0f2b4d6a8c0e1f";
const DAEMON_ID = "a1b2c3d4e5f60718293a4b5c6d7e8f90";

/** The CLI's defaults for a simple resource `R`: EX, wait forever, create, no lifespan. */
const OPTIONS: LockRequestOptions = {
  name: "R",
  mode: 5,
  timeout: -1,
  create: true,
  idleLifespan: 0,
  peerId: CLIENT_ID,
};

/** A session on one end of a memory connection, and a fake daemon's stream on the other. */
function sessionPair(
  options: LockSessionOptions = {},
  wrap: (conn: StreamConn) => StreamConn = (conn) => conn,
) {
  const [client, daemon] = memoryConnPair();
  return {
    session: new LockSession(wrap(client), undefined, options),
    daemon: new MessageStream(daemon, MAX_DAEMON_MESSAGE_BYTES),
  };
}

/** A lock answer; the first one (step 16) carries the daemon's id. */
function answer(step: 16 | 24, rc: number, element?: string): LockAnswer {
  return {
    kind: "lockAnswer",
    step,
    ...(step === 16 ? { peerId: DAEMON_ID } : {}),
    rc,
    ...(element === undefined ? {} : { element }),
  };
}

/** The fake daemon reads the lock request, then sends `answers`. */
async function serve(daemon: MessageStream, ...answers: Message[]): Promise<Message | null> {
  const request = await daemon.read();
  for (const message of answers) await daemon.write(message);
  return request;
}

/** An assert.rejects check: a ClientError with reason code `rc`, its message matching `text`. */
function clientError(rc: number, text?: RegExp) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof ClientError, `not a ClientError: ${error}`);
    assert.equal(error.rc, rc, error.message);
    if (text !== undefined) assert.match(error.message, text);
    return true;
  };
}

Deno.test("LockSession.lock() sends the request its options describe, and a grant locks", {
  permissions: "none",
}, async () => {
  const { session, daemon } = sessionPair();
  const [request, result] = await Promise.all([
    serve(daemon, answer(16, RC.OK)),
    session.lock(OPTIONS),
  ]);
  assert.deepEqual(
    request,
    {
      kind: "lock",
      peerId: CLIENT_ID,
      name: "R",
      mode: 5,
      wait: true,
      create: true,
      lifespan: 0,
    } satisfies LockRequest,
  );
  assert.deepEqual(result, { status: "locked" });
  session.abort();
});

Deno.test("LockSession.lock() sends a quantity, no mode, and wait=0 for a timeout of 0", {
  permissions: "none",
}, async () => {
  const { session, daemon } = sessionPair();
  const { mode: _, ...numeric } = OPTIONS;
  const options = { ...numeric, name: "N[3]", quantity: 2, timeout: 0 };
  const [request] = await Promise.all([
    serve(daemon, answer(16, RC.OK)),
    session.lock({ ...options, create: false, idleLifespan: 3000 }),
  ]);
  assert.deepEqual(
    request,
    {
      kind: "lock",
      peerId: CLIENT_ID,
      name: "N[3]",
      wait: false,
      quantity: 2,
      create: false,
      lifespan: 3000,
    } satisfies LockRequest,
  );
  session.abort();
});

Deno.test(
  "LockSession.lock() returns the element the grant hands out",
  { permissions: "none" },
  async () => {
    const { session, daemon } = sessionPair();
    const [, result] = await Promise.all([
      serve(daemon, answer(16, RC.OK, "red")),
      session.lock({ ...OPTIONS, name: "red.green" }),
    ]);
    assert.deepEqual(result, { status: "locked", element: "red" });
    session.abort();
  },
);

Deno.test(
  "LockSession.lock() waits through 'enqueued' and 'wait for the resource' until the grant",
  { permissions: "none" },
  async () => {
    const { session, daemon } = sessionPair();
    const [, result] = await Promise.all([
      serve(
        daemon,
        answer(16, RC.LOCK_WAIT_RESOURCE),
        answer(24, RC.LOCK_ENQUEUED),
        answer(24, RC.OK, "green"),
      ),
      session.lock(OPTIONS),
    ]);
    assert.deepEqual(result, { status: "locked", element: "green" });
    session.abort();
  },
);

Deno.test("LockSession.lock() reports each refusal of the daemon with its rc, first or later", {
  permissions: "none",
}, async () => {
  const refusals = [
    RC.LOCK_BUSY,
    RC.LOCK_CANT_WAIT,
    RC.LOCK_IMPOSSIBLE,
    RC.INVALID_RESOURCE_NAME,
    RC.INVALID_TIMESTAMP_FORMAT,
  ];
  for (const rc of refusals) {
    for (const answers of [[answer(16, rc)], [answer(16, RC.LOCK_ENQUEUED), answer(24, rc)]]) {
      const { session, daemon } = sessionPair();
      const [, result] = await Promise.all([serve(daemon, ...answers), session.lock(OPTIONS)]);
      assert.deepEqual(result, { status: "refused", rc }, `${answers.length} answers`);
      session.abort();
    }
  }
});

Deno.test("LockSession.lock() times out in the queue, and close() discards a late grant", {
  permissions: "none",
}, async () => {
  // The queue's deadline is a timer of the engine (transport/timer.ts), which does not keep the
  // event loop alive by itself; a real client waits on a socket, which does.
  const keepAlive = setInterval(() => {}, 60_000);
  try {
    const { session, daemon } = sessionPair();
    const [, result] = await Promise.all([
      serve(daemon, answer(16, RC.LOCK_ENQUEUED)),
      session.lock({ ...OPTIONS, timeout: 1 }),
    ]);
    assert.deepEqual(result, { status: "timeout" });
    await daemon.write(answer(24, RC.OK));
    const closing = session.close();
    assert.equal(await daemon.read(), null);
    daemon.close();
    await closing;
  } finally {
    clearInterval(keepAlive);
  }
});

Deno.test(
  "LockSession.lock() reads the first answer even after its timeout: a grant is no timeout",
  { permissions: "none" },
  async () => {
    const { session, daemon } = sessionPair();
    const locking = session.lock({ ...OPTIONS, timeout: 1 });
    const request = await daemon.read();
    assert.equal(request?.kind, "lock");
    // The daemon answers only once the client's 1 ms deadline has surely passed.
    const late = performance.now() + 2;
    while (performance.now() < late) {
      // Spinning, not sleeping: the client cannot read anything meanwhile.
    }
    await daemon.write(answer(16, RC.OK));
    assert.deepEqual(await locking, { status: "locked" });
    session.abort();
  },
);

Deno.test("LockSession.lock() fails with -126, naming TLS, when the peer hangs up unanswered", {
  permissions: "none",
}, async () => {
  const { session, daemon } = sessionPair();
  const locking = session.lock(OPTIONS);
  await daemon.read();
  daemon.close();
  await assert.rejects(locking, clientError(RC.RECV_ERROR, /without answering.*may require TLS/));
  session.abort();
});

Deno.test("LockSession.lock() fails with -126 when the daemon hangs up on a waiting request", {
  permissions: "none",
}, async () => {
  const { session, daemon } = sessionPair();
  const locking = session.lock(OPTIONS);
  await serve(daemon, answer(16, RC.LOCK_ENQUEUED));
  daemon.close();
  await assert.rejects(locking, clientError(RC.RECV_ERROR, /^the daemon closed the connection$/));
  session.abort();
});

Deno.test(
  "LockSession.lock() fails with -13 on an answer out of place",
  { permissions: "none" },
  async () => {
    const cases: [Message[], RegExp][] = [
      [[answer(24, RC.OK)], /unexpected answer step 24/],
      [[answer(16, RC.LOCK_ENQUEUED), answer(16, RC.OK)], /unexpected answer step 16/],
      [[answer(16, RC.INTERNAL_ERROR)], /unexpected answer rc -1/],
      [[{ kind: "unlock", name: "R", rollback: false }], /unexpected unlock message/],
    ];
    for (const [answers, text] of cases) {
      const { session, daemon } = sessionPair();
      const locking = session.lock(OPTIONS);
      await serve(daemon, ...answers);
      await assert.rejects(locking, clientError(RC.PROTOCOL_ERROR, text));
      session.abort();
    }
  },
);

Deno.test("LockSession.lock() fails with the codec's rc for an answer that is no message", {
  permissions: "none",
}, async () => {
  const { session, daemon } = sessionPair();
  const locking = session.lock(OPTIONS);
  await daemon.read();
  await daemon.writeBytes(new TextEncoder().encode('<msg level="2" verb="1" step="16"></msg>'));
  await assert.rejects(locking, clientError(RC.PROTOCOL_LEVEL_MISMATCH));
  session.abort();
});

Deno.test("LockSession.lock() refuses a request longer than a daemon reads, and sends nothing", {
  permissions: "none",
}, async () => {
  const { session, daemon } = sessionPair();
  await assert.rejects(
    session.lock({ ...OPTIONS, name: "x".repeat(MAX_DAEMON_MESSAGE_BYTES) }),
    (error: unknown) => {
      clientError(RC.BUFFER_OVERFLOW, /too long.*a daemon accepts 511/)(error);
      assert.ok((error as ClientError).explanation !== undefined);
      return true;
    },
  );
  session.abort();
  assert.equal(await daemon.read(), null);
});

Deno.test("LockSession.lock() fails with -130 when the connection is gone before sending", {
  permissions: "none",
}, async () => {
  const { session, daemon } = sessionPair();
  daemon.close();
  await assert.rejects(session.lock(OPTIONS), clientError(RC.SEND_ERROR));
  session.abort();
});

/** The client's end with the CN of a TLS peer certificate. */
const withCommonName = (commonName: string) => (conn: StreamConn): StreamConn => ({
  ...conn,
  peerCommonName: () => commonName,
});

Deno.test("LockSession with checkPeerId: the daemon's id must be its certificate's CN (-23)", {
  permissions: "none",
}, async () => {
  const good = sessionPair({ checkPeerId: true }, withCommonName(DAEMON_ID));
  const [, result] = await Promise.all([
    serve(good.daemon, answer(16, RC.OK)),
    good.session.lock(OPTIONS),
  ]);
  assert.deepEqual(result, { status: "locked" });
  good.session.abort();
  const bad = sessionPair({ checkPeerId: true }, withCommonName("someone-else"));
  const locking = bad.session.lock(OPTIONS);
  await serve(bad.daemon, answer(16, RC.OK));
  await assert.rejects(locking, clientError(RC.UNIQUE_ID_DOES_NOT_MATCH, /someone-else/));
  bad.session.abort();
  // Without the check, any id goes.
  const unchecked = sessionPair({}, withCommonName("someone-else"));
  const [, granted] = await Promise.all([
    serve(unchecked.daemon, answer(16, RC.OK)),
    unchecked.session.lock(OPTIONS),
  ]);
  assert.deepEqual(granted, { status: "locked" });
  unchecked.session.abort();
});

Deno.test("LockSession.unlock() sends the locked name with its rollback flag", {
  permissions: "none",
}, async () => {
  for (const rollback of [false, true]) {
    const { session, daemon } = sessionPair();
    await Promise.all([serve(daemon, answer(16, RC.OK)), session.lock(OPTIONS)]);
    await session.unlock(rollback);
    assert.deepEqual(await daemon.read(), { kind: "unlock", name: "R", rollback });
    session.abort();
  }
});

Deno.test("LockSession.close() half-closes, then resolves once the daemon has closed", {
  permissions: "none",
}, async () => {
  const { session, daemon } = sessionPair();
  await Promise.all([serve(daemon, answer(16, RC.OK)), session.lock(OPTIONS)]);
  await session.unlock(false);
  let closed = false;
  const closing = session.close().then(() => closed = true);
  assert.deepEqual(await daemon.read(), { kind: "unlock", name: "R", rollback: false });
  assert.equal(await daemon.read(), null);
  // The client has said all; it still waits for the daemon, which has not closed yet.
  assert.equal(closed, false);
  daemon.close();
  await closing;
  assert.equal(closed, true);
  await session.close(); // once only
});

Deno.test("LockSession.abort() closes at once; close() afterwards does nothing", {
  permissions: "none",
}, async () => {
  const { session, daemon } = sessionPair();
  await Promise.all([serve(daemon, answer(16, RC.OK)), session.lock(OPTIONS)]);
  session.abort();
  assert.equal(await daemon.read(), null);
  await session.close();
});

Deno.test("LockSession at the end of an `await using` scope closes gracefully", {
  permissions: "none",
}, async () => {
  const [client, daemonEnd] = memoryConnPair();
  const daemon = new MessageStream(daemonEnd, MAX_DAEMON_MESSAGE_BYTES);
  const events: string[] = [];
  // The daemon: grants, reads until the client's end, then closes its side.
  const serving = (async () => {
    await serve(daemon, answer(16, RC.OK));
    while ((await daemon.read()) !== null) events.push("message");
    events.push("daemon saw the end");
    daemon.close();
  })();
  {
    await using session = new LockSession(client);
    assert.deepEqual(await session.lock(OPTIONS), { status: "locked" });
  }
  events.push("scope left");
  await serving;
  assert.deepEqual(events, ["daemon saw the end", "scope left"]);
});
