/**
 * The daemon as a real process: robustness against misbehaving clients, exactly one daemon per
 * socket, stale sockets, socket file clean-up, lifespan, the per-user default socket and the
 * exact bytes it sends. Every test uses its own socket (`-s dir.socket`) so that its daemon's
 * command line names the test directory and the fixture can stop it by PID. Waiting is on
 * events (output, answers, closed connections); only process exits and file removals are polled.
 * Every wait is bounded, so that an event that never comes fails its test instead of hanging.
 */
import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  notDeepStrictEqual as assertNotEquals,
  ok as assert,
} from "node:assert/strict";
import { userInfo } from "node:os";
import { MAX_CLIENT_MESSAGE_BYTES } from "../src/protocol/messages.ts";
import { toBinaryString } from "../src/protocol/binary_string.ts";
import { readUniqueId } from "../src/transport/unique_id.ts";
import {
  exists,
  flomCommandLine,
  type FlomProcess,
  processesMentioning,
  ROOT,
  runsWith,
  TestDir,
  waitUntil,
} from "./harness.ts";
import { messageBytes, WireClient } from "./wire_client.ts";

const HOLD = ["sh", "-c", "echo held; read _"];
const noDaemonStderr = (socket: string) =>
  "flom_client_connect: ret_cod=-105 (ERROR: 'connect' function returned an error condition)\n" +
  `flom: no flom daemon is running at ${socket}, and -d 0 does not start one\n`;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

// ---------------------------------------------------------------------------------------------
// Helpers

/** Runs flom against the test's own socket. */
function flom(dir: TestDir, args: string[], socket = dir.socket) {
  return bounded(dir.run(["-s", socket, ...args]), `flom ${args.join(" ")}`);
}

/** Starts a flom whose command holds `resource` until release(); resolves once it holds. */
async function hold(
  dir: TestDir,
  resource: string,
  extra: string[] = [],
  socket = dir.socket,
): Promise<FlomProcess> {
  const holder = dir.spawn(["-s", socket, "-r", resource, ...extra, "--", ...HOLD], {
    stdin: true,
  });
  await bounded(holder.waitFor(/held/), `the lock on ${resource}`);
  return holder;
}

async function release(holder: FlomProcess): Promise<void> {
  await holder.writeLine("");
  assertEquals((await bounded(holder.result(), "the holder to end")).code, 0);
}

/**
 * PIDs of the daemons among the processes naming `marker`: a daemon runs in a session of its
 * own (whose leader, the shell that started it, has exited), clients and their commands run in
 * the test's session.
 */
function daemonsMentioning(marker: string): number[] {
  const ours = sessionOf(Deno.pid);
  return processesMentioning(marker).filter((pid) => {
    const session = sessionOf(pid);
    return session !== undefined && session !== ours;
  });
}

/** The daemons serving `socket` (whose command line names it). */
function daemonsOn(socket: string): number[] {
  return daemonsMentioning(`${socket}\0`);
}

function sessionOf(pid: number): number | undefined {
  try {
    const fields = Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1]?.split(" ");
    return fields === undefined ? undefined : Number(fields[3]);
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    const state = Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1]?.[0];
    return state !== undefined && state !== "Z";
  } catch {
    return false;
  }
}

/**
 * Resolves as `promise` does, or fails after `limitMs`: an awaited event that never comes is a
 * failure of the test, not a hang of the suite.
 */
async function bounded<T>(promise: Promise<T>, what: string, limitMs = 15000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), limitMs);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves when the daemon has closed `client`'s connection. */
function closedByDaemon(client: WireClient): Promise<void> {
  return bounded(client.closed(), "the daemon to close the connection");
}

/** Starts the only daemon on `socket` with `lifespan` and returns its PID. */
async function startDaemon(dir: TestDir, lifespan = "-1", socket = dir.socket): Promise<number> {
  assertEquals((await flom(dir, ["-d", lifespan, "--", "true"], socket)).code, 0);
  const pids = daemonsOn(socket);
  assertEquals(pids.length, 1, `one daemon on ${socket}: ${pids}`);
  return pids[0]!;
}

/** Whether a resource can be locked right now, asked over a raw connection (wait=0). */
async function isFree(socket: string, resource: string): Promise<boolean> {
  using client = await WireClient.connect(socket);
  const rc = await bounded(client.lock(resource, { wait: false }), `an answer about ${resource}`);
  assert(rc === 0 || rc === 4, `rc ${rc}`);
  return rc === 0;
}

function lockRequest(name: string) {
  return messageBytes({
    kind: "lock",
    peerId: "",
    name: toBinaryString(name),
    mode: 5,
    wait: true,
    create: true,
    lifespan: 0,
  });
}

function concat(...parts: (Uint8Array | string)[]): Uint8Array {
  const chunks = parts.map((part) => typeof part === "string" ? encoder.encode(part) : part);
  const result = new Uint8Array(chunks.reduce((total, chunk) => total + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    result.set(chunk, offset);
    offset += chunk.length;
  }
  return result;
}

/** A connection that sends and receives exact bytes, split at `</msg>`. */
class RawConn implements Disposable {
  readonly conn: Deno.UnixConn;
  #pending: Uint8Array = new Uint8Array(0);

  private constructor(conn: Deno.UnixConn) {
    this.conn = conn;
  }

  static async connect(socket: string): Promise<RawConn> {
    return new RawConn(await Deno.connect({ transport: "unix", path: socket }));
  }

  async send(text: string): Promise<void> {
    const data = encoder.encode(text);
    let offset = 0;
    while (offset < data.length) offset += await this.conn.write(data.subarray(offset));
  }

  /** The next message, terminator included, exactly as received; null at end of stream. */
  async readMessage(): Promise<string | null> {
    const buffer = new Uint8Array(MAX_CLIENT_MESSAGE_BYTES + 1);
    for (;;) {
      const text = decoder.decode(this.#pending);
      const end = text.indexOf("</msg>");
      if (end >= 0) {
        const message = text.slice(0, end + "</msg>".length);
        this.#pending = this.#pending.subarray(encoder.encode(message).length);
        return message;
      }
      const n = await bounded(this.conn.read(buffer), "a message or the end of the stream");
      if (n === null) {
        if (this.#pending.length > 0) throw new Error(`end of stream after "${text}"`);
        return null;
      }
      this.#pending = concat(this.#pending, buffer.subarray(0, n));
    }
  }

  /** Resolves with true when the daemon closes the connection with nothing more sent. */
  async endsCleanly(): Promise<boolean> {
    return (await this.readMessage()) === null;
  }

  [Symbol.dispose](): void {
    try {
      this.conn.close();
    } catch {
      // Closed already.
    }
  }
}

/**
 * The messages of a wire fixture (tests/fixtures/wire/), in order, with the daemon's peer id
 * replaced by this machine's id (the fixtures were captured on another host).
 */
function fixtureMessages(name: string): string[] {
  const text = Deno.readTextFileSync(`${ROOT}tests/fixtures/wire/${name}.txt`);
  const messages = text.split("\n").filter((line) => line.startsWith("bytes: b'")).map((line) =>
    line.slice("bytes: b'".length, -1)
  );
  const capturedId = /peerid="([0-9a-f]*)"/.exec(messages[0]!)![1]!;
  const ourId = readUniqueId() ?? "";
  return messages.map((message) => message.replaceAll(capturedId, ourId));
}

// ---------------------------------------------------------------------------------------------
// 1. Robustness: one misbehaving client is disconnected alone

Deno.test("misbehaving connections are closed alone: the holder keeps its lock and others are served", async () => {
  await using dir = new TestDir();
  const holder = await hold(dir, "R");
  const [daemon] = daemonsOn(dir.socket);
  assert(daemon !== undefined);

  // (a) garbage that is not XML at all
  using garbage = await WireClient.connect(dir.socket);
  await garbage.sendRaw(concat(new Uint8Array([0x00, 0xff]), "not xml</msg>"));
  await closedByDaemon(garbage);

  // (b) more than 511 bytes without a terminator
  using oversized = await WireClient.connect(dir.socket);
  await oversized.sendRaw("x".repeat(600));
  await closedByDaemon(oversized);

  // (c) half a lock request, then silence; stays open to the end of the test
  using half = await WireClient.connect(dir.socket);
  const request = lockRequest("R");
  await half.sendRaw(request.subarray(0, Math.floor(request.length / 2)));

  // (d) a valid lock request for R (which queues), then gone at once
  {
    using gone = await WireClient.connect(dir.socket);
    await gone.sendRaw(request);
  }

  // (e) well-formed, but protocol level 2
  using level2 = await WireClient.connect(dir.socket);
  await level2.sendRaw(decoder.decode(request).replace('level="3"', 'level="2"'));
  await closedByDaemon(level2);

  // (f) an unlock as the first message
  using unlockFirst = await WireClient.connect(dir.socket);
  await unlockFirst.send({ kind: "unlock", name: "R", rollback: false });
  await closedByDaemon(unlockFirst);

  const busy = await flom(dir, ["-o", "0", "-r", "R", "--", "echo", "never"]);
  assertEquals([busy.code, busy.stdout], [98, ""]);
  await release(holder);
  const next = await flom(dir, ["-o", "10000", "-r", "R", "--", "echo", "ok"]);
  assertEquals([next.code, next.stdout], [0, "ok\n"]);
  assertEquals(daemonsOn(dir.socket), [daemon]);
});

Deno.test("a half-sent message does not stall the daemon for other clients of the same resource", async () => {
  await using dir = new TestDir();
  const daemon = await startDaemon(dir);
  using half = await WireClient.connect(dir.socket);
  await half.sendRaw(lockRequest("R").subarray(0, 40));
  const first = await flom(dir, ["-o", "10000", "-r", "R", "--", "echo", "first"]);
  assertEquals([first.code, first.stdout], [0, "first\n"]);
  const holder = await hold(dir, "R");
  assertEquals(await isFree(dir.socket, "R"), false);
  await release(holder);
  assertEquals(await isFree(dir.socket, "R"), true);
  assertEquals(daemonsOn(dir.socket), [daemon]);
});

Deno.test("a holder that sends garbage is disconnected and its lock goes to the next waiter", async () => {
  await using dir = new TestDir();
  await startDaemon(dir);
  using holder = await WireClient.connect(dir.socket);
  assertEquals(await bounded(holder.lock("R"), "an answer"), 0);
  using waiter = await WireClient.connect(dir.socket);
  assertEquals(await bounded(waiter.lock("R"), "an answer"), 1);
  await holder.sendRaw("<msg>\x01garbage</msg>");
  await closedByDaemon(holder);
  assertEquals(await bounded(waiter.nextRc(), "the grant"), 0);
});

Deno.test("a holder that sends an oversized message is disconnected and loses its lock", async () => {
  await using dir = new TestDir();
  await startDaemon(dir);
  using holder = await WireClient.connect(dir.socket);
  assertEquals(await bounded(holder.lock("R"), "an answer"), 0);
  await holder.sendRaw(`<msg>${"y".repeat(600)}`);
  await closedByDaemon(holder);
  assertEquals(await isFree(dir.socket, "R"), true);
});

Deno.test("an unlock of another resource than the one locked closes the connection and releases", async () => {
  await using dir = new TestDir();
  await startDaemon(dir);
  using holder = await WireClient.connect(dir.socket);
  assertEquals(await bounded(holder.lock("R"), "an answer"), 0);
  await holder.send({ kind: "unlock", name: "Other", rollback: false });
  await closedByDaemon(holder);
  assertEquals(await isFree(dir.socket, "R"), true);
});

Deno.test("a flom killed with SIGKILL while holding leaves its lock to its command until it ends", async () => {
  await using dir = new TestDir();
  const holder = await hold(dir, "R");
  holder.child.kill("SIGKILL");
  assertEquals((await holder.child.status).code, 137);
  // The orphaned command still runs, and still holds the lock (the original released it).
  const busy = await flom(dir, ["-o", "0", "-r", "R", "--", "echo", "never"]);
  assertEquals(busy.code, 98);
  const next = dir.spawn(["-s", dir.socket, "-r", "R", "--", "echo", "ok"]);
  // The orphaned command reads its stdin: let it end.
  await holder.writeLine("");
  await bounded(holder.result(), "the orphaned command");
  const result = await bounded(next.result(), "the next flom");
  assertEquals([result.code, result.stdout], [0, "ok\n"]);
});

Deno.test("a raw client that closes while holding hands the lock to the queued one", async () => {
  await using dir = new TestDir();
  await startDaemon(dir);
  const waiter = await WireClient.connect(dir.socket);
  try {
    {
      using holder = await WireClient.connect(dir.socket);
      assertEquals(await bounded(holder.lock("R"), "an answer"), 0);
      assertEquals(await bounded(waiter.lock("R"), "an answer"), 1);
    }
    assertEquals(await bounded(waiter.nextRc(), "the grant"), 0);
  } finally {
    waiter[Symbol.dispose]();
  }
});

Deno.test("a queued client that disappears is removed from the queue", async () => {
  await using dir = new TestDir();
  const holder = await hold(dir, "R");
  {
    using ghost = await WireClient.connect(dir.socket);
    assertEquals(await bounded(ghost.lock("R"), "an answer"), 1);
  }
  await release(holder);
  const next = await flom(dir, ["-o", "10000", "-r", "R", "--", "echo", "ok"]);
  assertEquals([next.code, next.stdout], [0, "ok\n"]);
});

// ---------------------------------------------------------------------------------------------
// 2. Exactly one daemon

async function startTogether(dir: TestDir, count: number, args: string[]) {
  const clients = Array.from({ length: count }, () => dir.spawn(["-s", dir.socket, ...args]));
  return await bounded(Promise.all(clients.map((client) => client.result())), "the clients");
}

Deno.test("8 clients started together with no daemon all succeed and leave exactly one daemon", async () => {
  await using dir = new TestDir();
  const results = await startTogether(dir, 8, ["-d", "3000", "-r", "R", "--", "echo", "ran"]);
  for (const result of results) assertEquals([result.code, result.stdout], [0, "ran\n"]);
  // Daemons that lost the race exit right after telling their client.
  await waitUntil(() => dir.daemonPids().length <= 1, "losing daemons to exit");
  assertEquals(dir.daemonPids().length, 1);
  const [daemon] = dir.daemonPids();
  assertEquals(await isFree(dir.socket, "R"), true);
  assertEquals(dir.daemonPids(), [daemon]);
});

Deno.test("8 clients started together on a stale socket leave exactly one daemon", async () => {
  await using dir = new TestDir();
  const killed = await startDaemon(dir);
  Deno.kill(killed, "SIGKILL");
  await waitUntil(() => !isAlive(killed), "the daemon to die");
  assert(Deno.lstatSync(dir.socket).isSocket);
  const results = await startTogether(dir, 8, ["-d", "3000", "-r", "R", "--", "true"]);
  for (const result of results) assertEquals(result.code, 0, result.stderr);
  await waitUntil(() => dir.daemonPids().length <= 1, "losing daemons to exit");
  assertEquals(dir.daemonPids().length, 1);
  assertEquals(await isFree(dir.socket, "R"), true);
});

// ---------------------------------------------------------------------------------------------
// 3. Stale sockets, live daemons, foreign files

Deno.test("a socket left by a SIGKILLed daemon is replaced by a new daemon", async () => {
  await using dir = new TestDir();
  const first = await startDaemon(dir);
  Deno.kill(first, "SIGKILL");
  await waitUntil(() => !isAlive(first), "the daemon to die");
  assert(Deno.lstatSync(dir.socket).isSocket, "the killed daemon's socket file stays");
  const result = await flom(dir, ["-d", "-1", "--", "echo", "served"]);
  assertEquals([result.code, result.stdout, result.stderr], [0, "served\n", ""]);
  const pids = daemonsOn(dir.socket);
  assertEquals(pids.length, 1);
  assertNotEquals(pids[0], first);
});

Deno.test("a live daemon is never replaced by clients starting together", async () => {
  await using dir = new TestDir();
  const daemon = await startDaemon(dir);
  const inode = Deno.lstatSync(dir.socket).ino;
  const results = await startTogether(dir, 4, ["-d", "-1", "--", "true"]);
  for (const result of results) assertEquals(result.code, 0, result.stderr);
  assertEquals(dir.daemonPids(), [daemon]);
  assertEquals(Deno.lstatSync(dir.socket).ino, inode);
});

Deno.test("a second daemon started on a live daemon's socket refuses to start and changes nothing", async () => {
  await using dir = new TestDir();
  const daemon = await startDaemon(dir);
  const inode = Deno.lstatSync(dir.socket).ino;
  const holder = await hold(dir, "R");
  // The very launch the first daemon got, replayed: a second daemon process on the same socket.
  const launch = /(?:^|\0)FLOM_DAEMON_LAUNCH=([^\0]*)/.exec(
    Deno.readTextFileSync(`/proc/${daemon}/environ`),
  )?.[1];
  assert(launch !== undefined, "the daemon's launch environment");
  // The test directory in its arguments lets the fixture kill it if it did start.
  const [program, ...args] = flomCommandLine([dir.path]);
  const second = new Deno.Command(program!, {
    args,
    cwd: "/",
    env: { FLOM_DAEMON_LAUNCH: launch },
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).output();
  const output = await bounded(second, "the second daemon to give up");
  assertMatch(decoder.decode(output.stdout), /^-108 .*another daemon/);
  assertEquals(output.code, 1);
  assertEquals(daemonsOn(dir.socket), [daemon]);
  assertEquals(Deno.lstatSync(dir.socket).ino, inode);
  assertEquals(await isFree(dir.socket, "R"), false);
  await release(holder);
  assertEquals(await isFree(dir.socket, "R"), true);
});

Deno.test("a regular file at the socket path is kept: flom fails with 99", async () => {
  await using dir = new TestDir();
  Deno.writeTextFileSync(dir.socket, "precious data\n");
  const result = await flom(dir, ["--", "echo", "never"]);
  assertEquals([result.code, result.stdout], [99, ""]);
  assertMatch(result.stderr, /^flom_client_connect: ret_cod=-\d+ /);
  assertEquals(Deno.readTextFileSync(dir.socket), "precious data\n");
  await waitUntil(() => dir.daemonPids().length === 0, "the failed daemon to exit");
});

// ---------------------------------------------------------------------------------------------
// 4. Socket file clean-up

Deno.test("a daemon at the end of its idle lifespan exits and removes its socket file", async () => {
  await using dir = new TestDir();
  assertEquals((await flom(dir, ["-d", "200", "--", "true"])).code, 0);
  await waitUntil(
    () => dir.daemonPids().length === 0 && !exists(dir.socket),
    "the daemon to exit and remove its socket",
  );
});

for (const signal of ["SIGTERM", "SIGINT", "SIGQUIT"] as const) {
  Deno.test(`a daemon stopped by ${signal} removes its socket file`, async () => {
    await using dir = new TestDir();
    const daemon = await startDaemon(dir);
    Deno.kill(daemon, signal);
    await waitUntil(() => !isAlive(daemon), "the daemon to exit");
    assertEquals(exists(dir.socket), false);
  });
}

Deno.test("a daemon ignores SIGHUP and keeps serving its holders", async () => {
  await using dir = new TestDir();
  const daemon = await startDaemon(dir);
  const holder = await hold(dir, "R");
  Deno.kill(daemon, "SIGHUP");
  // A connection served after the signal proves the signal has been handled.
  assertEquals(await isFree(dir.socket, "R"), false);
  assertEquals(await isFree(dir.socket, "Other"), true);
  await release(holder);
  assertEquals(await isFree(dir.socket, "R"), true);
  assertEquals(daemonsOn(dir.socket), [daemon]);
});

Deno.test("flom -X stops the daemon at once and the daemon removes its socket file", async () => {
  await using dir = new TestDir();
  const daemon = await startDaemon(dir);
  const result = await flom(dir, ["-X"]);
  assertEquals(result, {
    code: 0,
    stdout: "Starting FLoM daemon immediate shutdown...\n",
    stderr: "",
  });
  await waitUntil(() => !isAlive(daemon), "the daemon to exit");
  assertEquals(exists(dir.socket), false);
});

Deno.test("flom -X makes a waiting client fail with 99 (-126 recv)", async () => {
  await using dir = new TestDir();
  const daemon = await startDaemon(dir);
  const holder = await hold(dir, "R");
  const waiter = dir.spawn(["-s", dir.socket, "-r", "R", "--", "echo", "never"], {
    env: { FLOM_TRACE_MASK: "0x8" },
  });
  await bounded(waiter.waitFor(/step=16 rc=1 /, "stderr"), "the waiter to queue");
  assertEquals((await flom(dir, ["-X"])).code, 0);
  const waited = await bounded(waiter.result(), "the waiter to fail");
  assertEquals([waited.code, waited.stdout], [99, ""]);
  assertMatch(waited.stderr, /flom_client_lock: ret_cod=-126 /);
  await waitUntil(() => !isAlive(daemon), "the daemon to exit");
  assertEquals(exists(dir.socket), false);
  await holder.writeLine("");
  await bounded(holder.result(), "the holder to end");
});

Deno.test("flom -x lets the holder finish, serves new clients, then the daemon exits cleanly", async () => {
  await using dir = new TestDir();
  const daemon = await startDaemon(dir);
  const holder = await hold(dir, "R");
  const result = await flom(dir, ["-x"]);
  assertEquals([result.code, result.stdout], [0, "Starting FLoM daemon quiesce shutdown...\n"]);
  const busy = await flom(dir, ["-o", "0", "-r", "R", "--", "true"]);
  assertEquals(busy.code, 98);
  assert(isAlive(daemon));
  await release(holder);
  await waitUntil(() => !isAlive(daemon), "the daemon to exit");
  assertEquals(exists(dir.socket), false);
});

// ---------------------------------------------------------------------------------------------
// 5. Lifespan

Deno.test("flom -d 0 with no daemon fails with -105 and starts none", async () => {
  await using dir = new TestDir();
  const result = await flom(dir, ["-d", "0", "--", "echo", "never"]);
  assertEquals(result, { code: 99, stdout: "", stderr: noDaemonStderr(dir.socket) });
  assertEquals(dir.daemonPids(), []);
  assertEquals(exists(dir.socket), false);
});

Deno.test("flom -d 0 uses a daemon that is already running", async () => {
  await using dir = new TestDir();
  const daemon = await startDaemon(dir);
  const result = await flom(dir, ["-d", "0", "--", "echo", "served"]);
  assertEquals([result.code, result.stdout], [0, "served\n"]);
  assertEquals(daemonsOn(dir.socket), [daemon]);
});

Deno.test("a started daemon is never a child of the client that started it", async () => {
  await using dir = new TestDir();
  const holder = await hold(dir, "R");
  const [daemon] = daemonsOn(dir.socket);
  assert(daemon !== undefined);
  // The client is still alive and holds its lock: the daemon was orphaned from the start.
  const parent = Number(
    /^PPid:\s+(\d+)/m.exec(Deno.readTextFileSync(`/proc/${daemon}/status`))?.[1],
  );
  assert(parent !== holder.child.pid, `the daemon's parent is the client ${parent}`);
  assertEquals(processesMentioning(`${dir.socket}\0`).filter((pid) => pid === parent), []);
  await release(holder);
});

Deno.test("a -d -1 daemon outlives its client and a -d 200 daemon started with it", async () => {
  await using dir = new TestDir();
  const forever = `${dir.path}/forever`;
  const brief = `${dir.path}/brief`;
  const [foreverDaemon, briefDaemon] = await Promise.all([
    startDaemon(dir, "-1", forever),
    startDaemon(dir, "200", brief),
  ]);
  await waitUntil(() => !isAlive(briefDaemon), "the -d 200 daemon to exit");
  assert(isAlive(foreverDaemon));
  const result = await flom(dir, ["-d", "0", "--", "echo", "still here"], forever);
  assertEquals([result.code, result.stdout], [0, "still here\n"]);
  assertEquals(daemonsOn(forever), [foreverDaemon]);
});

Deno.test("a daemon does not exit by idleness while a client holds a lock", async () => {
  await using dir = new TestDir();
  const holder = await hold(dir, "R", ["-d", "200"]);
  const [daemon] = daemonsOn(dir.socket);
  assert(daemon !== undefined);
  // A second daemon with the same lifespan, idle from the start, sets the pace.
  const pace = `${dir.path}/pace`;
  const paceDaemon = await startDaemon(dir, "200", pace);
  await waitUntil(() => !isAlive(paceDaemon), "the idle daemon to exit");
  assert(isAlive(daemon));
  assertEquals(await isFree(dir.socket, "R"), false);
  await release(holder);
  await waitUntil(() => !isAlive(daemon), "the daemon to exit once idle");
  assertEquals(exists(dir.socket), false);
});

// ---------------------------------------------------------------------------------------------
// 6. The default per-user socket (/tmp/flom-<login>, shared with the rest of the machine: these
// tests run only when nothing is there)

const DEFAULT_SOCKET = `/tmp/flom-${userInfo().username}`;
const DEFAULT_LOCK = `${DEFAULT_SOCKET}.lock`;
const DEFAULT_IN_USE = exists(DEFAULT_SOCKET);

/** Removes what a test created at the default path, and any daemon it left. */
async function cleanDefault(dir: TestDir, lockExisted: boolean): Promise<void> {
  for (const pid of dir.daemonPids()) {
    try {
      Deno.kill(pid, "SIGKILL");
    } catch {
      // Gone already.
    }
  }
  await waitUntil(() => dir.daemonPids().length === 0, "daemons to die");
  if (exists(DEFAULT_SOCKET)) Deno.removeSync(DEFAULT_SOCKET);
  if (!lockExisted && exists(DEFAULT_LOCK)) Deno.removeSync(DEFAULT_LOCK);
}

Deno.test({
  name: "the default per-user socket is created owner-only and removed by flom -X",
  ignore: !runsWith(!DEFAULT_IN_USE),
  async fn() {
    await using dir = new TestDir();
    const lockExisted = exists(DEFAULT_LOCK);
    try {
      // The test directory among the command's words makes the daemon's command line name it.
      const result = await bounded(dir.run(["-d", "-1", "--", "true", dir.path]), "flom");
      assertEquals(result, { code: 0, stdout: "", stderr: "" });
      const info = Deno.lstatSync(DEFAULT_SOCKET);
      assert(info.isSocket);
      assertEquals((info.mode ?? 0) & 0o777, 0o600);
      assertEquals(info.uid, Deno.uid());
      if (!lockExisted) assertEquals((Deno.lstatSync(DEFAULT_LOCK).mode ?? 0) & 0o077, 0);
      const [daemon] = daemonsMentioning(dir.path);
      assert(daemon !== undefined);
      assertEquals((await bounded(dir.run(["-X"]), "flom -X")).code, 0);
      await waitUntil(() => !isAlive(daemon), "the daemon to exit");
      assertEquals(exists(DEFAULT_SOCKET), false);
    } finally {
      await cleanDefault(dir, lockExisted);
    }
  },
});

Deno.test({
  name: "a client refuses a default socket that belongs to another user",
  ignore: !runsWith(!DEFAULT_IN_USE),
  async fn() {
    await using dir = new TestDir();
    const lockExisted = exists(DEFAULT_LOCK);
    const trap = Deno.listen({ transport: "unix", path: DEFAULT_SOCKET });
    try {
      Deno.chownSync(DEFAULT_SOCKET, 65534, 65534);
      const noStart = await bounded(dir.run(["-d", "0", "--", "echo", "never", dir.path]), "flom");
      assertEquals([noStart.code, noStart.stdout], [99, ""]);
      assertMatch(noStart.stderr, /another user/);
      const autoStart = await bounded(dir.run(["--", "echo", "never", dir.path]), "flom");
      assertEquals([autoStart.code, autoStart.stdout], [99, ""]);
      assertMatch(autoStart.stderr, /another user/);
      const shutdown = await bounded(dir.run(["-X", dir.path]), "flom -X");
      assertEquals(shutdown.code, 99);
      assertMatch(shutdown.stderr, /another user/);
      assertEquals(daemonsMentioning(dir.path), []);
      assertEquals(Deno.lstatSync(DEFAULT_SOCKET).uid, 65534);
    } finally {
      trap.close();
      await cleanDefault(dir, lockExisted);
    }
  },
});

// ---------------------------------------------------------------------------------------------
// 7. The bytes on the socket (fixtures captured from the original over TCP; the same bytes go
// over a UNIX socket)

// Our daemon's grants carry one attribute more than the original's, its fencing token, which C
// clients ignore (docs/protocol-extensions.md): every other byte is the original's.
const FENCING = / fencing="\d+"/;

function originalBytes(answer: string | null | undefined): string | null | undefined {
  return answer?.replace(FENCING, "");
}

Deno.test("a lock request gets the original's 147-byte step-16 answer with this host's peer id", async () => {
  await using dir = new TestDir();
  await startDaemon(dir);
  const [request, answer, unlock] = fixtureMessages("01_simple_lock_granted");
  const peerId = readUniqueId();
  assert(peerId !== undefined && peerId.length === 32, "a machine id is configured");
  using conn = await RawConn.connect(dir.socket);
  await conn.send(request!);
  const received = await conn.readMessage();
  assertMatch(received!, FENCING);
  assertEquals(originalBytes(received), answer);
  assertEquals(encoder.encode(originalBytes(received)!).length, 147);
  assert(received!.includes(`<session peerid="${peerId}"/>`));
  await conn.send(unlock!);
  await conn.conn.closeWrite();
  assertEquals(await conn.endsCleanly(), true);
});

Deno.test("a queued request gets step-16 rc=1, then the 95-byte step-24 grant on release", async () => {
  await using dir = new TestDir();
  await startDaemon(dir);
  const [lock1, granted, lock2, enqueued, unlock1, grant, unlock2] = fixtureMessages(
    "02_queued_then_granted",
  );
  using first = await RawConn.connect(dir.socket);
  await first.send(lock1!);
  assertEquals(originalBytes(await first.readMessage()), granted);
  using second = await RawConn.connect(dir.socket);
  await second.send(lock2!);
  assertEquals(originalBytes(await second.readMessage()), enqueued);
  await first.send(unlock1!);
  await first.conn.closeWrite();
  const received = await second.readMessage();
  assertMatch(received!, FENCING);
  assertEquals(originalBytes(received), grant);
  assertEquals(encoder.encode(originalBytes(received)!).length, 95);
  assertEquals(await first.endsCleanly(), true);
  await second.send(unlock2!);
  await second.conn.closeWrite();
  assertEquals(await second.endsCleanly(), true);
});

Deno.test("a busy refusal (rc=4) leaves the connection open for another lock request", async () => {
  await using dir = new TestDir();
  await startDaemon(dir);
  const [lock1, granted, tryLock, busy, unlock1] = fixtureMessages("03_busy_refusal_o0");
  using holder = await RawConn.connect(dir.socket);
  await holder.send(lock1!);
  assertEquals(originalBytes(await holder.readMessage()), granted);
  using trier = await RawConn.connect(dir.socket);
  await trier.send(tryLock!);
  assertEquals(originalBytes(await trier.readMessage()), busy);
  await holder.send(unlock1!);
  await holder.conn.closeWrite();
  assertEquals(await holder.endsCleanly(), true);
  await trier.send(tryLock!);
  assertEquals(originalBytes(await trier.readMessage()), granted);
  await trier.conn.closeWrite();
  assertEquals(await trier.endsCleanly(), true);
});

Deno.test("a holder that half-closes without unlocking is closed by the daemon and released", async () => {
  await using dir = new TestDir();
  await startDaemon(dir);
  const [request, answer] = fixtureMessages("01_simple_lock_granted");
  using conn = await RawConn.connect(dir.socket);
  await conn.send(request!);
  assertEquals(originalBytes(await conn.readMessage()), answer);
  await conn.conn.closeWrite();
  assertEquals(await conn.endsCleanly(), true);
  assertEquals(await isFree(dir.socket, "foo"), true);
});

Deno.test("a request split into single bytes is framed and answered", async () => {
  await using dir = new TestDir();
  await startDaemon(dir);
  const [request, answer] = fixtureMessages("01_simple_lock_granted");
  using conn = await RawConn.connect(dir.socket);
  for (const char of request!) await conn.send(char);
  assertEquals(originalBytes(await conn.readMessage()), answer);
});
