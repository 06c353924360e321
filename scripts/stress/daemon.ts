/**
 * The daemon a stress check runs against: flom's own daemon mode (flom with a launch in its
 * environment, as a client starts it), optionally under a descriptor limit, and what /proc says
 * of it.
 */
import { DAEMON_LAUNCH_ENV } from "../../src/daemon/launch_contract.ts";
import { defaultSettings, type Settings } from "../../src/config/settings.ts";
import { MeasuredProcess } from "../bench/processes.ts";
import { flomCommandLine } from "../../tests/harness.ts";

/**
 * The command line of a flom run: the sources as scripts/flom runs them, or the executable that
 * FLOM_BIN names (the test suite's choice, tests/harness.ts).
 */
export const flomCommand: (args: string[]) => string[] = flomCommandLine;

/** How a stress daemon is started. */
export interface StressDaemonOptions {
  /** `ulimit -n` of the daemon (started through `/bin/sh`). @default the caller's limit */
  openFiles?: number;
  /** The daemon's trace file (`-t`) and FLOM_TRACE_MASK. @default no trace */
  trace?: { file: string; mask: string };
  /** Settings besides the socket and the endless lifespan (`etcdEndpoints`). */
  settings?: Partial<Settings>;
}

/** A running daemon that lives until it is stopped (`-d -1`), on a UNIX socket. */
export class StressDaemon extends MeasuredProcess {
  /** Set once the process has ended, whatever ended it. */
  exited = false;
  readonly ended: Promise<Deno.CommandStatus>;

  constructor(child: Deno.ChildProcess, socket: string) {
    super(child, socket);
    this.ended = child.status.then((status) => {
      this.exited = true;
      return status;
    });
  }

  /** How many descriptors the daemon has open now. */
  openDescriptors(): number {
    return [...Deno.readDirSync(`/proc/${this.pid}/fd`)].length;
  }

  /** Kills it with SIGKILL and waits for its end. */
  async kill(): Promise<void> {
    try {
      this.child.kill("SIGKILL");
    } catch {
      // Gone already.
    }
    await this.ended;
  }

  override async [Symbol.asyncDispose](): Promise<void> {
    if (!this.exited) await super[Symbol.asyncDispose]();
  }
}

/** Starts a daemon on `socket`; resolves once it listens. */
export async function startStressDaemon(
  socket: string,
  options: StressDaemonOptions = {},
): Promise<StressDaemon> {
  const settings = {
    ...defaultSettings(),
    socketName: socket,
    daemonLifespan: -1,
    ...(options.trace === undefined ? {} : { daemonTraceFile: options.trace.file }),
    ...options.settings,
  };
  const command = flomCommand([]);
  const [program, args] = options.openFiles === undefined
    ? [command[0]!, command.slice(1)]
    : ["/bin/sh", ["-c", `ulimit -n ${options.openFiles} && exec "$@"`, "sh", ...command]];
  const child = new Deno.Command(program, {
    args,
    env: {
      [DAEMON_LAUNCH_ENV]: JSON.stringify({ settings, privateSocket: false }),
      ...(options.trace === undefined ? {} : { FLOM_TRACE_MASK: options.trace.mask }),
    },
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const daemon = new StressDaemon(child, socket);
  const report = await firstLine(child.stdout);
  if (report !== "0") {
    await daemon.kill();
    throw new Error(`Cannot start a daemon on '${socket}': it reported '${report}'`);
  }
  return daemon;
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
