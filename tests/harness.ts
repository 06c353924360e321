/**
 * End-to-end test fixtures: the CLI as a real process (`deno run main.ts`, as scripts/flom
 * does, or the executable named by FLOM_BIN), a private temporary directory per test, and
 * cleanup of every daemon a test started, found by the test's unique socket path in its command
 * line and stopped by PID.
 */

import { deepStrictEqual } from "node:assert/strict";

// Shared with scripts/bundle.ts, which writes the bundle's start script.
export { shellWords } from "../scripts/shell_words.ts";

export const ROOT = decodeURIComponent(new URL("..", import.meta.url).pathname);
const MAIN = `${ROOT}main.ts`;
const DENO_FLAGS = ["run", "--allow-all", "--no-prompt", "--quiet", `--config=${ROOT}deno.json`];

// How long waitFor() waits for an expected output before failing the test.
const WAIT_LIMIT_MS = 20000;

/**
 * The flom executable under test when FLOM_BIN names one (a compiled binary, a package's
 * /usr/bin/flom, or any wrapper), as an absolute path; undefined when the tests run the sources.
 */
export const FLOM_BIN: string | undefined = flomBin(Deno.env.get("FLOM_BIN"));

function flomBin(bin: string | undefined): string | undefined {
  if (bin === undefined || bin === "") return undefined;
  return bin.startsWith("/") ? bin : `${Deno.cwd()}/${bin}`;
}

/**
 * The command line of a flom run with `args`: FLOM_BIN's executable, or `deno run main.ts` with
 * the flags of scripts/flom. Every end-to-end test starts flom through it.
 */
export function flomCommandLine(args: string[]): string[] {
  return FLOM_BIN === undefined
    ? [Deno.execPath(), ...DENO_FLAGS, MAIN, ...args]
    : [FLOM_BIN, ...args];
}

/** One executable that runs flom (for PATH): FLOM_BIN's, or scripts/flom. */
export const FLOM_EXECUTABLE: string = FLOM_BIN ?? `${ROOT}scripts/flom`;

/**
 * Runs end-to-end test files (paths relative to the repository) in a `deno test` of their own with
 * FLOM_BIN set to `flomBin`: the suite against another flom executable. Resolves with its exit
 * status and all it printed.
 */
export async function runSuiteWith(
  flomBin: string,
  files: string[],
  filter?: string,
): Promise<{ code: number; text: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      ...["test", "--allow-all", "--no-prompt", `--config=${ROOT}deno.json`],
      ...(filter === undefined ? [] : ["--filter", filter]),
      ...files.map((file) => `${ROOT}${file}`),
    ],
    cwd: ROOT,
    env: { FLOM_BIN: flomBin, NO_COLOR: "1" },
    stdin: "null",
  }).output();
  const decoder = new TextDecoder();
  return { code: output.code, text: decoder.decode(output.stdout) + decoder.decode(output.stderr) };
}

/** The result of a finished flom run. */
export interface FlomResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options of a flom process. */
export interface FlomOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** Keep stdin open as a pipe (to hold a command until the test writes to it). */
  stdin?: boolean;
}

/** A temporary directory with a private HOME and socket path; removes both and its daemons. */
export class TestDir implements AsyncDisposable {
  readonly path: string;

  constructor() {
    // Short: UNIX socket paths are limited to 107 bytes.
    this.path = Deno.makeTempDirSync({ prefix: "flt" });
  }

  /** A socket path unique to this test; `-s` with it keeps the test's daemons its own. */
  get socket(): string {
    return `${this.path}/sock`;
  }

  /**
   * The options that lead a flom to this test's daemon: `-s` with the test's socket here; the
   * transports of tests/transports.ts lead to a TCP address instead, with TLS or without.
   */
  get endpoint(): string[] {
    return ["-s", this.socket];
  }

  /** Environment for flom processes: private HOME, no tracing unless asked. */
  env(extra: Record<string, string> = {}): Record<string, string> {
    return { HOME: this.path, NO_COLOR: "1", ...extra };
  }

  /** Runs flom to completion. */
  async run(args: string[], options: FlomOptions = {}): Promise<FlomResult> {
    refuseMulticast(args);
    const [program, ...programArgs] = flomCommandLine(args);
    const output = await new Deno.Command(program!, {
      args: programArgs,
      env: this.env(options.env),
      cwd: options.cwd ?? this.path,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const decoder = new TextDecoder();
    return {
      code: output.code,
      stdout: decoder.decode(output.stdout),
      stderr: decoder.decode(output.stderr),
    };
  }

  /** Starts flom in the background. */
  spawn(args: string[], options: FlomOptions = {}): FlomProcess {
    refuseMulticast(args);
    const [program, ...programArgs] = flomCommandLine(args);
    const child = new Deno.Command(program!, {
      args: programArgs,
      env: this.env(options.env),
      cwd: options.cwd ?? this.path,
      stdin: options.stdin ? "piped" : "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    return new FlomProcess(child);
  }

  /** PIDs of live processes whose command line mentions this directory (its daemons). */
  daemonPids(): number[] {
    return processesMentioning(this.path);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    for (const pid of this.daemonPids()) {
      try {
        Deno.kill(pid, "SIGKILL");
      } catch {
        // Gone already.
      }
    }
    await waitUntil(() => this.daemonPids().length === 0, "daemons to die");
    await Deno.remove(this.path, { recursive: true });
  }
}

/** A flom process in the background, with its output collected as it comes. */
export class FlomProcess {
  readonly child: Deno.ChildProcess;
  stdout = "";
  stderr = "";
  #changed: PromiseWithResolvers<void> = Promise.withResolvers();
  #collecting: Promise<void>;
  #stdin: WritableStreamDefaultWriter<Uint8Array> | undefined;

  constructor(child: Deno.ChildProcess) {
    this.child = child;
    this.#collecting = Promise.all([
      this.#collect(child.stdout, (text) => this.stdout += text),
      this.#collect(child.stderr, (text) => this.stderr += text),
    ]).then(() => {});
  }

  /** Resolves once `pattern` appears on stdout or stderr (or rejects if the process ends first). */
  async waitFor(pattern: RegExp, stream: "stdout" | "stderr" = "stdout"): Promise<void> {
    let ended = false;
    this.#collecting.then(() => ended = true);
    // A broken product must fail the test, not hang the suite.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const limit = new Promise<"limit">((resolve) =>
      timer = setTimeout(resolve, WAIT_LIMIT_MS, "limit")
    );
    try {
      while (!pattern.test(this[stream])) {
        if (ended) {
          throw new Error(`process ended without ${pattern}: ${this.stdout}${this.stderr}`);
        }
        const woke = await Promise.race([this.#changed.promise, this.#collecting, limit]);
        if (woke === "limit") {
          throw new Error(`no ${pattern} within ${WAIT_LIMIT_MS} ms: ${this.stdout}${this.stderr}`);
        }
      }
    } finally {
      clearTimeout(timer);
    }
  }

  /** Writes a line to the process's stdin (spawned with stdin: true). */
  async writeLine(line: string): Promise<void> {
    this.#stdin ??= this.child.stdin.getWriter();
    await this.#stdin.write(new TextEncoder().encode(`${line}\n`));
  }

  /** Waits for the end; returns the exit status and all output. */
  async result(): Promise<FlomResult> {
    if (this.#stdin) await this.#stdin.close().catch(() => {});
    const status = await this.child.status;
    await this.#collecting;
    return { code: status.code, stdout: this.stdout, stderr: this.stderr };
  }

  async #collect(stream: ReadableStream<Uint8Array>, append: (text: string) => void) {
    for await (const text of stream.pipeThrough(new TextDecoderStream())) {
      append(text);
      const changed = this.#changed;
      this.#changed = Promise.withResolvers();
      changed.resolve();
    }
  }
}

/**
 * Multicast from the host namespace would reach the machine's shared network: such tests belong
 * in tests/netns.ts's namespaces.
 */
function refuseMulticast(args: string[]): void {
  const end = args.indexOf("--");
  const options = end === -1 ? args : args.slice(0, end);
  if (options.some((arg) => arg.startsWith("-A") || arg.startsWith("--multicast-address"))) {
    throw new Error(
      "multicast outside a test network namespace is not allowed: use tests/netns.ts",
    );
  }
}

/**
 * Whether a test whose requirement is `available` (openssl, python3, a free default socket, …)
 * runs: always under CI=true, where a missing requirement fails the test with its reason instead
 * of skipping it silently (CI has everything the suite needs).
 */
export function runsWith(available: boolean): boolean {
  return available || Deno.env.get("CI") === "true";
}

/** Whether anything (file, socket, link) exists at `path`. */
export function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether this is Linux, where the whole suite runs. Elsewhere (macOS) the tests that need /proc,
 * network namespaces, unshare, FUSE or the Linux packaging tools cannot run (README, "Install").
 */
export const ON_LINUX: boolean = Deno.build.os === "linux";

/** PIDs of live processes (other than this one) whose command line contains `marker`. */
export function processesMentioning(marker: string): number[] {
  if (!ON_LINUX) return processesMentioningByPs(marker);
  const pids: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    const pid = Number(entry.name);
    if (!Number.isInteger(pid) || pid === Deno.pid) continue;
    try {
      const cmdline = Deno.readTextFileSync(`/proc/${pid}/cmdline`);
      const state = Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1]?.[0];
      if (cmdline.includes(marker) && state !== "Z") pids.push(pid);
    } catch {
      // Exited while we looked.
    }
  }
  return pids;
}

// Without /proc: ps, whose command lines join the arguments with spaces (a marker ending in
// "\0" then matches an argument that ends there).
function processesMentioningByPs(marker: string): number[] {
  const output = new Deno.Command("ps", {
    args: ["-axww", "-o", "pid=,stat=,command="],
    stdout: "piped",
    stderr: "null",
  }).outputSync();
  const wanted = marker.replaceAll("\0", " ");
  return new TextDecoder().decode(output.stdout).split("\n").flatMap((line) => {
    const match = /^\s*(\d+)\s+(\S+)\s(.*)$/.exec(line);
    if (match === null || Number(match[1]) === Deno.pid || match[2]!.startsWith("Z")) return [];
    return `${match[3]} `.includes(wanted) ? [Number(match[1])] : [];
  });
}

/** A TCP port nobody listens on now (the kernel's choice for port 0, then closed). */
export function freePort(hostname: string): number {
  const listener = Deno.listen({ hostname, port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/**
 * Polls `condition` until it holds (for process exits and file removals, which give no event
 * to await); fails after `limitMs`.
 */
export async function waitUntil(condition: () => boolean, what: string, limitMs = 15000) {
  const deadline = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A command that prints "held" once it runs, then keeps its lock until a line arrives on stdin. */
export const HOLD = ["sh", "-c", "echo held; read _"];
/** Client tracing (FLOM_TRACE_MASK=0x8): the daemon's answers appear on stderr. */
export const TRACE = { FLOM_TRACE_MASK: "0x8" };
/** The daemon's answer "enqueued" (LOCK_ENQUEUED) in the client trace. */
export const ENQUEUED = /step=16 rc=1 /;

/**
 * Starts a flom on the test's daemon (`dir.endpoint`) whose command (HOLD unless given) keeps the
 * lock until release(); resolves once the command runs.
 */
export async function hold(
  dir: TestDir,
  args: string[],
  command: string[] = HOLD,
): Promise<FlomProcess> {
  const holder = dir.spawn([...dir.endpoint, ...args, "--", ...command], { stdin: true });
  await holder.waitFor(/held/);
  return holder;
}

/** Lets a hold() command end; the flom must then exit 0. */
export async function release(holder: FlomProcess): Promise<void> {
  await holder.writeLine("");
  deepStrictEqual((await holder.result()).code, 0);
}

/**
 * Starts a flom on the test's daemon (`dir.endpoint`) that must queue; resolves once the daemon
 * has enqueued it.
 */
export async function enqueue(dir: TestDir, args: string[]): Promise<FlomProcess> {
  const waiter = dir.spawn([...dir.endpoint, ...args], { env: TRACE });
  await waiter.waitFor(ENQUEUED, "stderr");
  return waiter;
}

/** Whether the status file system can be mounted here: /dev/fuse and libfuse3. */
export function fuseAvailable(): boolean {
  try {
    Deno.statSync("/dev/fuse");
    Deno.dlopen("libfuse3.so.3", {}).close();
    return true;
  } catch {
    return false;
  }
}
