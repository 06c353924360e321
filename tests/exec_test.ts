/**
 * End-to-end tests of running the protected command: pass-through of stdio and exit status,
 * elements and environment, signals forwarded to the command, busy resources and timeouts.
 * Every flom is a real process on the test's own socket; a lock is held by a command that
 * waits for a line on its stdin.
 */
import assert from "node:assert/strict";
import { ENQUEUED, hold, release, TestDir, TRACE } from "./harness.ts";

// GLib's g_warning framing, as the original's child prints it when execvp fails, then our line
// with the reason.
const EXEC_WARNING =
  /^\n\*\* \(flom:\d+\): WARNING \*\*: \d\d:\d\d:\d\d\.\d{3}: Unable to execute command 'abcdefghijklmnop'\n\nflom: cannot execute 'abcdefghijklmnop': not found in any directory of PATH\n$/;

// ---------------------------------------------------------------------------------------------
// The command

Deno.test("flom passes stdin and stdout through to the command (echo x | flom -- cat)", async () => {
  await using dir = new TestDir();
  const flom = dir.spawn(["-s", dir.socket, "--", "cat"], { stdin: true });
  await flom.writeLine("x");
  await flom.writeLine("second line");
  const result = await flom.result(); // closes stdin: cat ends
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, "x\nsecond line\n");
  assert.equal(result.stderr, "");
});

Deno.test("flom passes the command's stderr through", async () => {
  await using dir = new TestDir();
  const result = await dir.run(["-s", dir.socket, "--", "sh", "-c", "echo oops >&2"]);
  assert.equal(result.code, 0);
  assert.equal(result.stdout, "");
  assert.equal(result.stderr, "oops\n");
});

Deno.test("flom exits with the command's exit status (sh -c 'exit 7' → 7)", async () => {
  await using dir = new TestDir();
  const result = await dir.run(["-s", dir.socket, "--", "sh", "-c", "exit 7"]);
  assert.equal(result.code, 7);
  assert.equal(result.stderr, "");
  const ok = await dir.run(["-s", dir.socket, "--", "true"]);
  assert.equal(ok.code, 0);
  const fails = await dir.run(["-s", dir.socket, "--", "false"]);
  assert.equal(fails.code, 1);
});

Deno.test("flom with no command exits 97 `No command to execute!` and starts no daemon", async () => {
  await using dir = new TestDir();
  const result = await dir.run(["-s", dir.socket]);
  assert.equal(result.code, 97);
  assert.equal(result.stdout, "");
  assert.equal(result.stderr, "No command to execute!\n");
  const dashes = await dir.run(["-s", dir.socket, "--"]);
  assert.equal(dashes.code, 97);
  assert.equal(dashes.stderr, "No command to execute!\n");
  assert.equal(dir.daemonPids().length, 0);
  await assert.rejects(Deno.lstat(dir.socket), Deno.errors.NotFound);
});

Deno.test("flom with a non-existent command exits 97 with the GLib-style warning", async () => {
  await using dir = new TestDir();
  const result = await dir.run(["-s", dir.socket, "-V", "--", "abcdefghijklmnop", "arg"]);
  assert.equal(result.code, 97);
  assert.match(result.stderr, EXEC_WARNING);
  // The lock was released: the resource is free again.
  const free = await dir.run(["-s", dir.socket, "-o", "0", "--", "true"]);
  assert.equal(free.code, 0, free.stderr);
});

Deno.test("flom with a command that is not executable exits 97", async () => {
  await using dir = new TestDir();
  const script = `${dir.path}/script.sh`;
  await Deno.writeTextFile(script, "#!/bin/sh\necho never\n");
  await Deno.chmod(script, 0o644);
  const result = await dir.run(["-s", dir.socket, "--", script]);
  assert.equal(result.code, 97);
  assert.equal(result.stdout, "");
  assert.match(result.stderr, /Unable to execute command '.*script\.sh'/);
  assert.match(
    result.stderr,
    /\nflom: cannot execute '.*script\.sh': permission denied \(is it executable\?\)\n$/,
  );
});

Deno.test("flom with a directory or a missing path as the command exits 97 and says which", async () => {
  await using dir = new TestDir();
  const inDir = await dir.run(["-s", dir.socket, "--", dir.path]);
  assert.equal(inDir.code, 97);
  assert.match(inDir.stderr, /\nflom: cannot execute '.*': it is a directory\n$/);
  const missing = await dir.run(["-s", dir.socket, "--", "./missing.sh"]);
  assert.equal(missing.code, 97);
  assert.match(missing.stderr, /\nflom: cannot execute '\.\/missing\.sh': no such file\n$/);
});

Deno.test("flom -- -- true tries to run a program called --", async () => {
  await using dir = new TestDir();
  const result = await dir.run(["-s", dir.socket, "--", "--", "true"]);
  assert.equal(result.code, 97);
  assert.match(result.stderr, /Unable to execute command '--'/);
});

Deno.test("flom exits 143 when SIGTERM kills the command", async () => {
  await using dir = new TestDir();
  const result = await dir.run(["-s", dir.socket, "--", "sh", "-c", "kill -TERM $$"]);
  assert.equal(result.code, 143);
  const kill = await dir.run(["-s", dir.socket, "--", "sh", "-c", "kill -KILL $$"]);
  assert.equal(kill.code, 137);
});

Deno.test("flom appends the set element as the command's last argument (X red)", async () => {
  await using dir = new TestDir();
  const result = await dir.run(["-s", dir.socket, "-r", "red.green.blue", "--", "echo", "X"]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, "X red\n");
});

Deno.test("flom -V prints `Locked element is 'red'` before the command runs", async () => {
  await using dir = new TestDir();
  const result = await dir.run(["-s", dir.socket, "-V", "-r", "red.green.blue", "--", "echo", "X"]);
  assert.equal(result.code, 0, result.stderr);
  const lines = result.stdout.split("\n");
  assert.equal(lines.length, 32); // 29 dump lines, the element, X, and the empty rest
  assert.equal(lines[29], "Locked element is 'red'");
  assert.equal(lines[30], "X red");
});

Deno.test("flom gives the command FLOM_RESOURCE_NAME and FLOM_RESOURCE_ELEMENT", async () => {
  await using dir = new TestDir();
  const script = 'echo "$FLOM_RESOURCE_NAME|$FLOM_RESOURCE_ELEMENT|$#|$1|$MINE"';
  const result = await dir.run(
    ["-s", dir.socket, "-r", "red.green.blue", "--", "sh", "-c", script, "sh"],
    { env: { MINE: "inherited" } },
  );
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, "red.green.blue|red|1|red|inherited\n");
});

Deno.test("flom on a simple resource sets FLOM_RESOURCE_NAME only and appends nothing", async () => {
  await using dir = new TestDir();
  const script = 'echo "$FLOM_RESOURCE_NAME|${FLOM_RESOURCE_ELEMENT-unset}|$#"';
  const result = await dir.run(["-s", dir.socket, "-r", "simple", "--", "sh", "-c", script, "sh"]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, "simple|unset|0\n");
  const byDefault = await dir.run(["-s", dir.socket, "--", "sh", "-c", script, "sh"]);
  assert.equal(byDefault.stdout, "_RESOURCE|unset|0\n");
});

Deno.test("flom hands out a sequence value as the element", async () => {
  await using dir = new TestDir();
  const first = await dir.run(["-s", dir.socket, "-r", "_s_seq[3]", "--", "echo", "got"]);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.stdout, "got 1\n");
});

// ---------------------------------------------------------------------------------------------
// Signals sent to flom while the command runs

// A command that reports the signal and then holds on until told, so that the test can check
// that the lock is still held after the signal; it gives up by itself after about 5 s, so that a
// flom that died of the signal instead of forwarding it fails the test rather than hanging it.
function trappingCommand(signal: string): string {
  return `trap "echo got-${signal}; read _; exit 3" ${signal.slice(3)}; echo held; ` +
    "i=0; while [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done; echo no-signal";
}

for (const signal of ["SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT"] as const) {
  Deno.test(`flom forwards ${signal} to the command and releases the lock only after it exited`, async () => {
    await using dir = new TestDir();
    const flom = dir.spawn(
      ["-s", dir.socket, "-r", "R", "--", "sh", "-c", trappingCommand(signal)],
      { stdin: true },
    );
    await flom.waitFor(/held/);
    flom.child.kill(signal);
    await flom.waitFor(new RegExp(`got-${signal}`));
    // The command still runs (it waits for a line): the lock is still held.
    const busy = await dir.run(["-s", dir.socket, "-r", "R", "-o", "0", "--", "true"]);
    assert.equal(busy.code, 98, busy.stderr);
    assert.equal(busy.stderr, "Resource already locked, the lock cannot be obtained\n");
    await flom.writeLine("finish");
    const result = await flom.result();
    assert.equal(result.code, 3, result.stderr);
    assert.equal(result.stdout, `held\ngot-${signal}\n`);
    assert.equal(result.stderr, "");
    const free = await dir.run(["-s", dir.socket, "-r", "R", "-o", "0", "--", "true"]);
    assert.equal(free.code, 0, free.stderr);
  });
}

// The command signals flom the moment it starts: flom must already be forwarding then, or it
// dies of the signal (130) and the lock goes while the command runs on. A race, so a few rounds.
Deno.test("flom forwards a signal that arrives as soon as the command has started", async () => {
  await using dir = new TestDir();
  const command = 'trap "exit 5" INT; kill -INT $PPID; ' +
    "i=0; while [ $i -lt 50 ]; do sleep 0.02; i=$((i+1)); done; exit 7";
  const statuses: number[] = [];
  for (let round = 0; round < 8; round++) {
    statuses.push((await dir.run(["-s", dir.socket, "--", "sh", "-c", command])).code);
  }
  assert.deepEqual(statuses, Array(8).fill(5));
});

Deno.test("flom exits 128+N when a forwarded signal N kills the command", async () => {
  await using dir = new TestDir();
  const flom = dir.spawn(
    ["-s", dir.socket, "-r", "R", "--", "sh", "-c", "echo held $$; exec sleep 30"],
  );
  await flom.waitFor(/held \d+\n/);
  const command = Number(/held (\d+)/.exec(flom.stdout)![1]);
  flom.child.kill("SIGTERM");
  const result = await flom.result();
  assert.equal(result.code, 143, result.stderr);
  assert.equal(result.stderr, "");
  // sleep died of the forwarded signal: flom did not merely die of it and leave sleep running.
  assert.ok(!isRunning(command), "the command was killed");
});

Deno.test("flom --ignore-signal=SIGTERM survives a SIGTERM and runs the command to its end", async () => {
  await using dir = new TestDir();
  const flom = dir.spawn(
    [
      "-s",
      dir.socket,
      "--ignore-signal=SIGTERM",
      "--",
      "sh",
      "-c",
      "echo held; read _; echo finished",
    ],
    { stdin: true, env: { FLOM_TRACE_MASK: "0x4" } },
  );
  await flom.waitFor(/held/);
  flom.child.kill("SIGTERM");
  await flom.waitFor(/SIGTERM received and ignored/, "stderr");
  await flom.writeLine("go on");
  const result = await flom.result();
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, "held\nfinished\n");
});

Deno.test("flom --ignore-signal accepts numbers and warns about signals that cannot be ignored", async () => {
  await using dir = new TestDir();
  const result = await dir.run([
    "-s",
    dir.socket,
    "--ignore-signal",
    "15",
    "--ignore-signal=SIGKILL",
    "--ignore-signal=SIGSTOP",
    "--",
    "echo",
    "ran",
  ]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, "ran\n");
  assert.equal(
    result.stderr,
    "Warning: couldn't ignore signal 9:SIGKILL\nWarning: couldn't ignore signal 19:SIGSTOP\n",
  );
});

Deno.test("flom killed by SIGKILL: the lock stays with its command, and is free once it ends", async () => {
  await using dir = new TestDir();
  const flom = dir.spawn(
    ["-s", dir.socket, "-r", "R", "--", "sh", "-c", "echo held; read _"],
    { stdin: true },
  );
  await flom.waitFor(/held/);
  flom.child.kill("SIGKILL");
  assert.equal((await flom.child.status).code, 137);
  // The command is an orphan now and still runs: it still holds the lock.
  const busy = await dir.run(["-s", dir.socket, "-r", "R", "-o", "0", "--", "true"]);
  assert.equal(busy.code, 98, busy.stderr);
  await flom.writeLine("end"); // the orphan's stdin is our pipe: let it end
  await flom.result();
  const free = await dir.run(["-s", dir.socket, "-r", "R", "--", "true"]);
  assert.equal(free.code, 0, free.stderr);
});

// ---------------------------------------------------------------------------------------------
// Busy resources and timeouts

Deno.test("flom -o 0 exits 98 while another command holds the lock", async () => {
  await using dir = new TestDir();
  const holder = await hold(dir, ["-r", "R"]);
  const busy = await dir.run(["-s", dir.socket, "-r", "R", "-o", "0", "--", "echo", "never"]);
  assert.equal(busy.code, 98);
  assert.equal(busy.stdout, "");
  assert.equal(busy.stderr, "Resource already locked, the lock cannot be obtained\n");
  // Another resource is not affected.
  const other = await dir.run(["-s", dir.socket, "-r", "Other", "-o", "0", "--", "echo", "ok"]);
  assert.equal(other.code, 0, other.stderr);
  assert.equal(other.stdout, "ok\n");
  await release(holder);
  const free = await dir.run(["-s", dir.socket, "-r", "R", "-o", "0", "--", "echo", "free"]);
  assert.equal(free.code, 0, free.stderr);
  assert.equal(free.stdout, "free\n");
});

Deno.test("flom -o 300 exits 98 with the timeout message after 300 ms", async () => {
  await using dir = new TestDir();
  const holder = await hold(dir, ["-r", "R"]);
  const started = Date.now();
  const late = await dir.run(["-s", dir.socket, "-r", "R", "-o", "300", "--", "echo", "never"]);
  const elapsed = Date.now() - started;
  assert.equal(late.code, 98);
  assert.equal(late.stdout, "");
  assert.equal(
    late.stderr,
    "The lock was not obtained because timeout (300 milliseconds) expired\n",
  );
  assert.ok(elapsed >= 300, `gave up after ${elapsed} ms`);
  await release(holder);
});

Deno.test("flom waiting without a timeout runs its command once the holder releases", async () => {
  await using dir = new TestDir();
  const holder = await hold(dir, ["-r", "R"]);
  const waiter = dir.spawn(
    ["-s", dir.socket, "-r", "R", "--", "echo", "second"],
    { env: TRACE },
  );
  await waiter.waitFor(ENQUEUED, "stderr"); // the daemon's first answer: enqueued
  assert.equal(waiter.stdout, "");
  await release(holder);
  const result = await waiter.result();
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, "second\n");
});

Deno.test("flom -l PR: two protected readers share, a writer is refused", async () => {
  await using dir = new TestDir();
  const reader = await hold(dir, ["-r", "R", "-l", "PR"]);
  const second = await dir.run(["-s", dir.socket, "-r", "R", "-l", "PR", "-o", "0", "--", "true"]);
  assert.equal(second.code, 0, second.stderr);
  const writer = await dir.run(["-s", dir.socket, "-r", "R", "-l", "PW", "-o", "0", "--", "true"]);
  assert.equal(writer.code, 98, writer.stderr);
  await release(reader);
});

Deno.test("flom -e no -o 0 on a missing resource exits 96 with the can't-wait message", async () => {
  await using dir = new TestDir();
  const result = await dir.run(
    ["-s", dir.socket, "-r", "Missing", "-e", "no", "-o", "0", "--", "echo", "never"],
  );
  assert.equal(result.code, 96);
  assert.equal(result.stdout, "");
  assert.equal(
    result.stderr,
    "The resource could be available in the future, but the requester can't wait\n",
  );
});

Deno.test("flom -q 3 on foo[2] exits 99: the lock is impossible", async () => {
  await using dir = new TestDir();
  const result = await dir.run([
    "-s",
    dir.socket,
    "-r",
    "foo[2]",
    "-q",
    "3",
    "--",
    "echo",
    "never",
  ]);
  assert.equal(result.code, 99);
  assert.equal(result.stdout, "");
  assert.equal(
    result.stderr,
    "Resource will never satisfy the request, the lock cannot be obtained\n",
  );
});

Deno.test("flom -d 0 with no daemon running exits 99 with ret_cod=-105 and starts none", async () => {
  await using dir = new TestDir();
  const result = await dir.run(["-s", dir.socket, "-d", "0", "--", "echo", "never"]);
  assert.equal(result.code, 99);
  assert.equal(result.stdout, "");
  assert.equal(
    result.stderr,
    "flom_client_connect: ret_cod=-105 (ERROR: 'connect' function returned an error condition)\n" +
      `flom: no flom daemon is running at ${dir.socket}, and -d 0 does not start one\n`,
  );
  assert.equal(dir.daemonPids().length, 0);
});

// The daemon's idle lifespan counts from when nobody is connected; the client that started it
// must still get to connect and lock.
Deno.test("flom -d 1 runs the command: the daemon it starts waits for it to connect", async () => {
  await using dir = new TestDir();
  for (let attempt = 0; attempt < 3; attempt++) {
    const socket = `${dir.path}/s${attempt}`;
    const result = await dir.run(["-s", socket, "-d", "1", "--", "echo", "ran"]);
    assert.equal(result.code, 0, `attempt ${attempt}: ${result.stderr}`);
    assert.equal(result.stdout, "ran\n");
  }
});

Deno.test("flom refuses a resource name too long for a daemon's 511-byte message, and says why", async () => {
  await using dir = new TestDir();
  const name = `/a/${"x".repeat(600)}`;
  const result = await dir.run(["-s", dir.socket, "-r", name, "--", "echo", "never"]);
  assert.equal(result.code, 99);
  assert.equal(result.stdout, "");
  assert.match(
    result.stderr,
    /^flom_client_lock: ret_cod=-9 \(ERROR: the process has been stopped to avoid a buffer overflow\)\nflom: the resource name is too long: the lock request takes \d+ bytes, a daemon accepts 511\n$/,
  );
  const ok = await dir.run(["-s", dir.socket, "-r", "/a/short", "--", "echo", "ok"]);
  assert.equal(ok.stdout, "ok\n");
});

/** Whether process `pid` exists and has not ended (a zombie has ended). */
function isRunning(pid: number): boolean {
  try {
    return Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1]?.[0] !== "Z";
  } catch {
    return false;
  }
}
