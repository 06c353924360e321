/**
 * runCommand with real child processes: the exit status, 128+N for a command a signal killed,
 * 97 for one that cannot run, the environment and the element it gets, and the signals flom
 * receives, forwarded or ignored. Whether a signal reached the command is read from the
 * command's own end (its exit status, its process), never from elapsed time.
 */
import assert from "node:assert/strict";
import { TraceModule, Tracer } from "../trace/trace.ts";
import { runCommand, type RunCommandOptions, UNABLE_TO_EXECUTE } from "./run_command.ts";

/** Options with no extra environment; warnings collected in `warnings`. */
function options(extra: Partial<RunCommandOptions> = {}) {
  const warnings: string[] = [];
  return { warnings, options: { env: {}, warn: (line: string) => warnings.push(line), ...extra } };
}

/** A temporary directory, removed at the end of its scope. */
function tempDir() {
  const path = Deno.makeTempDirSync({ prefix: "flom-exec" });
  return { path, [Symbol.dispose]: () => Deno.removeSync(path, { recursive: true }) };
}

/** Waits until `condition` holds, looking again every 10 ms (a file a child writes). */
async function eventually<T>(condition: () => T | undefined, what: string): Promise<T> {
  for (let tries = 0; tries < 2000; tries++) {
    const value = condition();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no ${what}`);
}

/** The pid a child wrote into `path`, once it has. */
function pidIn(path: string): Promise<number> {
  return eventually(() => {
    try {
      const text = Deno.readTextFileSync(path);
      return text.endsWith("\n") ? Number(text) : undefined;
    } catch {
      return undefined;
    }
  }, `pid in ${path}`);
}

/** Whether process `pid` runs (exists and is no zombie). */
function isRunning(pid: number): boolean {
  try {
    return Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1]?.[0] !== "Z";
  } catch {
    return false;
  }
}

/** A tracer of the EXEC module whose lines can be awaited. */
function execTracer() {
  const lines: string[] = [];
  let changed = Promise.withResolvers<void>();
  const tracer = new Tracer(TraceModule.EXEC, (line) => {
    lines.push(line);
    changed.resolve();
    changed = Promise.withResolvers();
  }, { now: () => 0, pid: 0 });
  return {
    tracer,
    lines,
    async waitFor(pattern: RegExp): Promise<void> {
      while (!lines.some((line) => pattern.test(line))) await changed.promise;
    },
  };
}

Deno.test("runCommand() returns the command's exit status", async () => {
  assert.equal(await runCommand(["true"], options().options), 0);
  assert.equal(await runCommand(["sh", "-c", "exit 7"], options().options), 7);
  assert.equal(await runCommand(["sh", "-c", "exit 255"], options().options), 255);
});

Deno.test("runCommand() returns 128+N when signal N killed the command", async () => {
  assert.equal(await runCommand(["sh", "-c", "kill -TERM $$"], options().options), 128 + 15);
  assert.equal(await runCommand(["sh", "-c", "kill -KILL $$"], options().options), 128 + 9);
  assert.equal(await runCommand(["sh", "-c", "kill -HUP $$"], options().options), 128 + 1);
});

Deno.test("runCommand() gives the command its environment and the element as last argument", async () => {
  using dir = tempDir();
  const out = `${dir.path}/out`;
  const { options: withEnv } = options({
    env: { FLOM_RESOURCE_NAME: "red.green", FLOM_RESOURCE_ELEMENT: "red", OUT: out },
    element: "red",
  });
  const script =
    'printf "%s|%s|%s|%s" "$FLOM_RESOURCE_NAME" "$FLOM_RESOURCE_ELEMENT" "$1" "$2" >"$OUT"';
  assert.equal(await runCommand(["sh", "-c", script, "sh", "first"], withEnv), 0);
  assert.equal(Deno.readTextFileSync(out), "red.green|red|first|red");
  // Without an element, nothing is appended.
  const { options: noElement } = options({ env: { OUT: out } });
  assert.equal(await runCommand(["sh", "-c", 'printf "%s" "$#" >"$OUT"', "sh", "a"], noElement), 0);
  assert.equal(Deno.readTextFileSync(out), "1");
});

Deno.test("runCommand() returns 97 and says why for a command that cannot run", async () => {
  using dir = tempDir();
  const notExecutable = `${dir.path}/script`;
  Deno.writeTextFileSync(notExecutable, "#!/bin/sh\n", { mode: 0o644 });
  const cases: [string, string][] = [
    ["/nonexistent/program", "no such file"],
    ["flom-no-such-program", "not found in any directory of PATH"],
    [dir.path, "it is a directory"],
    [notExecutable, "permission denied (is it executable?)"],
  ];
  for (const [program, why] of cases) {
    const { warnings, options: collecting } = options();
    assert.equal(await runCommand([program, "arg"], collecting), UNABLE_TO_EXECUTE, program);
    assert.equal(warnings.length, 2, warnings.join(""));
    assert.match(
      warnings[0]!,
      new RegExp(
        `^\\n\\*\\* \\(flom:${Deno.pid}\\): WARNING \\*\\*: \\d\\d:\\d\\d:\\d\\d\\.\\d{3}: Unable to execute command '`,
      ),
    );
    assert.equal(warnings[1], `flom: cannot execute '${program}': ${why}`);
  }
  assert.equal(await runCommand([], options().options), UNABLE_TO_EXECUTE);
});

Deno.test("runCommand() forwards a SIGTERM flom receives to the command", async () => {
  const { tracer, lines } = execTracer();
  // The command runs once runCommand() returns its promise: the listener is in place by then.
  const running = runCommand(["sleep", "60"], { ...options().options, tracer });
  Deno.kill(Deno.pid, "SIGTERM");
  assert.equal(await running, 128 + 15);
  assert.ok(lines.some((line) => line.includes("SIGTERM received, forwarded to the command")));
});

Deno.test("runCommand() with SIGTERM ignored: flom survives it, the command keeps running", async () => {
  using dir = tempDir();
  const pidFile = `${dir.path}/pid`;
  const trace = execTracer();
  const running = runCommand(["sh", "-c", 'echo $$ >"$0"; exec sleep 60', pidFile], {
    ...options().options,
    ignoredSignals: [{ number: 15, name: "SIGTERM" }],
    tracer: trace.tracer,
  });
  const pid = await pidIn(pidFile);
  Deno.kill(Deno.pid, "SIGTERM");
  await trace.waitFor(/SIGTERM received and ignored/);
  assert.ok(isRunning(pid), "the command was stopped");
  assert.ok(!trace.lines.some((line) => line.includes("forwarded")));
  Deno.kill(pid, "SIGKILL");
  assert.equal(await running, 128 + 9);
});

Deno.test("runCommand() warns about a signal that cannot be ignored, and runs the command", async () => {
  const { warnings, options: collecting } = options({
    ignoredSignals: [{ number: 9, name: "SIGKILL" }, { number: 10, name: "SIGUSR1" }],
  });
  assert.equal(await runCommand(["true"], collecting), 0);
  assert.deepEqual(warnings, [
    "Warning: couldn't ignore signal 9:SIGKILL",
    "Warning: couldn't ignore signal 10:SIGUSR1",
  ]);
});

Deno.test("runCommand() stops the command whose lock is lost: SIGTERM", async () => {
  const { tracer, lines } = execTracer();
  const lost = new AbortController();
  const status = await runCommand(["sleep", "60"], {
    ...options().options,
    onStart: () => lost.abort(),
    stop: { signal: lost.signal, graceMs: 60_000 },
    tracer,
  });
  assert.equal(status, 128 + 15);
  assert.ok(lines.some((line) => line.includes("the lock is lost, SIGTERM sent")));
  assert.ok(!lines.some((line) => line.includes("SIGKILL")));
});

Deno.test("runCommand() stops the command whose lock is lost: SIGKILL once the grace is over", async () => {
  using dir = tempDir();
  const ready = `${dir.path}/ready`;
  const { tracer, lines } = execTracer();
  const lost = new AbortController();
  const running = runCommand(["sh", "-c", 'trap "" TERM; echo $$ >"$0"; exec sleep 60', ready], {
    ...options().options,
    stop: { signal: lost.signal, graceMs: 100 },
    tracer,
  });
  await pidIn(ready); // SIGTERM is ignored from here on
  lost.abort();
  assert.equal(await running, 128 + 9);
  assert.ok(lines.some((line) => line.includes("SIGTERM sent")));
  assert.ok(lines.some((line) => line.includes("outlived its grace, SIGKILL sent")));
});
