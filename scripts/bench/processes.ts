/**
 * The processes a benchmark measures: a flom daemon started directly in daemon mode (so that
 * it can be profiled), the floor server, and what /proc says of their CPU time and memory.
 */
import { DAEMON_LAUNCH_ENV } from "../../src/daemon/launch_contract.ts";
import { defaultSettings, type Settings } from "../../src/config/settings.ts";

export const ROOT = decodeURIComponent(new URL("../..", import.meta.url).pathname);
/** The `deno run` flags of every process a benchmark starts. */
export const DENO_RUN = [
  "run",
  "--allow-all",
  "--no-prompt",
  "--quiet",
  `--config=${ROOT}deno.json`,
];

// /proc/PID/stat counts CPU time in clock ticks of 10 ms (USER_HZ is 100 on Linux).
const TICK_MS = 10;

/** A server process under measurement. */
export class MeasuredProcess implements AsyncDisposable {
  constructor(readonly child: Deno.ChildProcess, readonly socket: string) {}

  get pid(): number {
    return this.child.pid;
  }

  /** User + system CPU time of all its threads so far, in milliseconds. */
  cpuMs(): number {
    const stat = Deno.readTextFileSync(`/proc/${this.pid}/stat`);
    // The fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  }

  /** Resident memory, KiB. */
  residentKiB(): number {
    const status = Deno.readTextFileSync(`/proc/${this.pid}/status`);
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    try {
      this.child.kill("SIGTERM");
    } catch {
      // Already gone.
    }
    await this.child.status;
  }
}

/** Extra `deno run` flags, e.g. `--cpu-prof` to profile a daemon. */
export interface StartOptions {
  denoFlags?: string[];
  /** Milliseconds the daemon's tracer writes to `traceFile`, with this mask. */
  trace?: { file: string; mask: string };
  /** Settings besides the socket and the endless lifespan (`etcdEndpoints`). */
  settings?: Partial<Settings>;
}

/** Starts a flom daemon on `socket` that lives until it is stopped, as `flom -s SOCKET -d -1`. */
export async function startDaemon(socket: string, options: StartOptions = {}) {
  const settings = {
    ...defaultSettings(),
    socketName: socket,
    daemonLifespan: -1,
    ...(options.trace === undefined ? {} : { daemonTraceFile: options.trace.file }),
    ...options.settings,
  };
  const child = new Deno.Command(Deno.execPath(), {
    args: [...DENO_RUN, ...(options.denoFlags ?? []), `${ROOT}main.ts`],
    env: {
      [DAEMON_LAUNCH_ENV]: JSON.stringify({ settings, privateSocket: false }),
      ...(options.trace === undefined ? {} : { FLOM_TRACE_MASK: options.trace.mask }),
    },
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const report = await firstLine(child.stdout);
  if (report !== "0") throw new Error(`the daemon did not start: ${report}`);
  return new MeasuredProcess(child, socket);
}

/**
 * Starts the floor server (scripts/bench/floor_server.ts) on `socket`; `queue`: the exclusive
 * lock's floor, which queues.
 */
export async function startFloorServer(
  socket: string,
  options: { queue?: boolean; denoFlags?: string[] } = {},
): Promise<MeasuredProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      ...DENO_RUN,
      ...(options.denoFlags ?? []),
      `${ROOT}scripts/bench/floor_server.ts`,
      socket,
      ...(options.queue ? ["--queue"] : []),
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const line = await firstLine(child.stdout);
  if (line !== "ready") throw new Error(`the floor server did not start: ${line}`);
  return new MeasuredProcess(child, socket);
}

/** The first line of a stream; the rest is drained in the background. */
async function firstLine(stream: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  (async () => {
    while (!(await reader.read()).done) {
      // Nothing else is expected; keep the pipe from filling up.
    }
  })();
  return text.split("\n")[0]!;
}

/** `deno run` with the benchmark's flags. */
export function denoRun(script: string, args: string[]): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: [...DENO_RUN, script, ...args],
    stdin: "null",
    stdout: "null",
    stderr: "inherit",
  });
}
