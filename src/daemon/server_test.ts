/**
 * The daemon server without sockets: clients over in-memory connections, the daemon's clock
 * injected. What the wire carries is the byte-exact protocol (checked in protocol/); here, what
 * the server does with it.
 */
import { deepStrictEqual, rejects, strictEqual, throws } from "node:assert/strict";
import type { LockRequest, Message } from "../protocol/messages.ts";
import { MAX_CLIENT_MESSAGE_BYTES } from "../protocol/messages.ts";
import { RC } from "../protocol/return_codes.ts";
import { MemoryListener } from "../transport/_memory_conn.ts";
import { MessageStream } from "../transport/message_stream.ts";
import { FakeClock, START } from "../resources/_testing.ts";
import { DaemonMetrics } from "./metrics.ts";
import { DaemonServer } from "./server.ts";

/** A daemon on a memory listener, stopped at the end of the test's scope. */
function startServer(now: () => number = () => 0) {
  const listener = new MemoryListener();
  const server = new DaemonServer(listener, { lifespan: -1, peerId: "daemon-id", now });
  server.serve();
  return {
    /** A new client connection, speaking the protocol. */
    connect: () => new MessageStream(listener.connect(), MAX_CLIENT_MESSAGE_BYTES),
    [Symbol.asyncDispose]: () => server[Symbol.asyncDispose](),
  };
}

const lock = (name: string): LockRequest => ({
  kind: "lock",
  peerId: "client-id",
  name,
  mode: 5,
  wait: true,
  create: true,
  lifespan: 0,
});

/** The first answer (step 16) a daemon sends to a lock request, with its id. */
const firstAnswer = (rc: number): Message => ({
  kind: "lockAnswer",
  step: 16,
  peerId: "daemon-id",
  rc,
});

/** A grant in the first answer, with its fencing token. */
const firstGrant = (fencingToken: string): Message => ({
  ...firstAnswer(RC.OK),
  fencingToken,
} as Message);

Deno.test("DaemonServer grants a free resource at once, in its first answer", async () => {
  await using daemon = startServer();
  using client = daemon.connect();
  await client.write(lock("R"));
  // On the clock's epoch, the first token is 1.
  deepStrictEqual(await client.read(), firstGrant("1"));
});

Deno.test("DaemonServer gives every grant a greater fencing token, from the clock's milliseconds", async () => {
  const clock = new FakeClock();
  await using daemon = startServer(clock.now);
  const tokens: bigint[] = [];
  for (const name of ["R", "R", "S"]) {
    using client = daemon.connect();
    await client.write(lock(name));
    tokens.push(BigInt((await client.read() as { fencingToken: string }).fencingToken));
    await client.write({ kind: "unlock", name, rollback: false });
    // Within one millisecond, the tokens count up; a later millisecond starts higher.
    clock.advance(name === "S" ? 1000 : 0.25);
  }
  using client = daemon.connect();
  await client.write(lock("R"));
  tokens.push(BigInt((await client.read() as { fencingToken: string }).fencingToken));
  const base = BigInt(START) * 4194304n;
  deepStrictEqual(tokens, [base, base + 1n, base + 2n, BigInt(START + 1000) * 4194304n]);
});

Deno.test("DaemonServer stops at the end of its scope: listener and connections closed", async () => {
  const listener = new MemoryListener();
  using client = new MessageStream(listener.connect(), MAX_CLIENT_MESSAGE_BYTES);
  let served: Promise<void>;
  {
    await using server = new DaemonServer(listener, { lifespan: -1, peerId: "daemon-id" });
    served = server.serve();
    await client.write(lock("R"));
    strictEqual((await client.read() as { rc: number }).rc, RC.OK);
  }
  await served;
  await rejects(listener.accept(), Deno.errors.BadResource);
  strictEqual(await client.read(), null);
});

Deno.test("DaemonServer queues a second request and grants it when the holder unlocks", async () => {
  await using daemon = startServer();
  const holder = daemon.connect();
  const waiter = daemon.connect();
  await holder.write(lock("R"));
  strictEqual((await holder.read() as { rc: number }).rc, RC.OK);
  await waiter.write(lock("R"));
  deepStrictEqual(await waiter.read(), firstAnswer(RC.LOCK_ENQUEUED));
  await holder.write({ kind: "unlock", name: "R", rollback: false });
  deepStrictEqual(await waiter.read(), {
    kind: "lockAnswer",
    step: 24,
    rc: RC.OK,
    fencingToken: "2",
  });
  holder.close();
  waiter.close();
});

Deno.test("DaemonServer closes a connection that sends garbage, and only that one", async () => {
  await using daemon = startServer();
  const holder = daemon.connect();
  await holder.write(lock("R"));
  strictEqual((await holder.read() as { rc: number }).rc, RC.OK);
  const garbage = daemon.connect();
  await garbage.writeBytes(new TextEncoder().encode("<not a message</msg>"));
  strictEqual(await garbage.read(), null);
  // The holder still holds: a newcomer waits.
  const newcomer = daemon.connect();
  await newcomer.write(lock("R"));
  strictEqual((await newcomer.read() as { rc: number }).rc, RC.LOCK_ENQUEUED);
  // A holder that goes away hands the lock on.
  holder.close();
  strictEqual((await newcomer.read() as { rc: number }).rc, RC.OK);
  newcomer.close();
});

Deno.test("DaemonServer keeps an idle resource for the lifespan its creator's request asked", async () => {
  const clock = new FakeClock();
  await using daemon = startServer(clock.now);
  /**
   * The first answer's rc to a lock request, after which the client hangs up gracefully: once
   * this resolves, the daemon has dropped the connection.
   */
  const lockAndLeave = async (request: LockRequest) => {
    const client = daemon.connect();
    await client.write(request);
    const { rc } = await client.read() as { rc: number };
    await client.closeWrite();
    strictEqual(await client.read(), null);
    client.close();
    return rc;
  };
  /** A request that neither creates nor waits: OK while the resource exists. */
  const probe = (name: string) => lockAndLeave({ ...lock(name), create: false, wait: false });
  strictEqual(await lockAndLeave({ ...lock("/kept"), lifespan: 3000 }), RC.OK);
  strictEqual(await lockAndLeave({ ...lock("/dropped"), lifespan: 0 }), RC.OK);
  // Past the default (2 s after the last connection), within the asked lifespan + 1 s.
  clock.advance(2500);
  strictEqual(await probe("/kept/x"), RC.OK);
  strictEqual(await probe("/dropped/x"), RC.LOCK_CANT_WAIT);
  // The probe was the resource's last user again: its lifespan counts from the probe's end.
  clock.advance(4000);
  strictEqual(await probe("/kept/x"), RC.LOCK_CANT_WAIT);
});

Deno.test("DaemonServer counts for its metrics: grants, waits, refusals, abandoned waits, connections, bad input", async () => {
  const clock = new FakeClock();
  const listener = new MemoryListener();
  const metrics = new DaemonMetrics();
  await using server = new DaemonServer(listener, {
    lifespan: -1,
    peerId: "daemon-id",
    now: clock.now,
    metrics,
  });
  server.serve();
  const connect = () => new MessageStream(listener.connect(), MAX_CLIENT_MESSAGE_BYTES);
  const rcOf = async (stream: MessageStream) => (await stream.read() as { rc: number }).rc;
  using holder = connect();
  await holder.write(lock("R"));
  strictEqual(await rcOf(holder), RC.OK);
  using waiter = connect();
  await waiter.write(lock("R"));
  strictEqual(await rcOf(waiter), RC.LOCK_ENQUEUED);
  using busy = connect();
  await busy.write({ ...lock("R"), wait: false });
  strictEqual(await rcOf(busy), RC.LOCK_BUSY);
  clock.advance(1500);
  await holder.write({ kind: "unlock", name: "R", rollback: false });
  strictEqual(await rcOf(waiter), RC.OK);
  // A waiter that leaves before its grant; once its read ends, the daemon has dropped it.
  using leaver = connect();
  await leaver.write(lock("R"));
  strictEqual(await rcOf(leaver), RC.LOCK_ENQUEUED);
  await leaver.closeWrite();
  strictEqual(await leaver.read(), null);
  using garbage = connect();
  await garbage.writeBytes(new TextEncoder().encode("<not a message</msg>"));
  strictEqual(await garbage.read(), null);

  const values = new Map(
    server.metricsText().split("\n").filter((line) => /^flom_/.test(line)).map((line) => {
      const space = line.lastIndexOf(" ");
      return [line.slice(0, space), Number(line.slice(space + 1))] as const;
    }),
  );
  deepStrictEqual(
    [
      "flom_lock_grants_total",
      'flom_lock_refusals_total{reason="busy"}',
      "flom_lock_waits_abandoned_total",
      "flom_lock_wait_seconds_count",
      "flom_lock_wait_seconds_sum",
      'flom_lock_wait_seconds_bucket{le="1"}',
      'flom_lock_wait_seconds_bucket{le="5"}',
      "flom_connections_accepted_total",
      "flom_connections_open",
      "flom_bad_messages_total",
      'flom_holders{kind="simple"}',
      'flom_waiters{kind="simple"}',
      'flom_resources{kind="simple"}',
    ].map((name) => [name, values.get(name)]),
    [
      ["flom_lock_grants_total", 2],
      ['flom_lock_refusals_total{reason="busy"}', 1],
      ["flom_lock_waits_abandoned_total", 1],
      ["flom_lock_wait_seconds_count", 1],
      ["flom_lock_wait_seconds_sum", 1.5],
      ['flom_lock_wait_seconds_bucket{le="1"}', 0],
      ['flom_lock_wait_seconds_bucket{le="5"}', 1],
      ["flom_connections_accepted_total", 5],
      ["flom_connections_open", 3],
      ["flom_bad_messages_total", 1],
      ['flom_holders{kind="simple"}', 1],
      ['flom_waiters{kind="simple"}', 0],
      ['flom_resources{kind="simple"}', 1],
    ],
  );
});

Deno.test("DaemonServer without metrics has no metrics text", async () => {
  await using server = new DaemonServer(new MemoryListener(), { lifespan: -1, peerId: "id" });
  throws(() => server.metricsText(), /Cannot show metrics/);
});
