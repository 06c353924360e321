import { clockTime, NO_TRACE, TraceModule, type Tracer, zeroPadded } from "../trace/trace.ts";
import { startTimer, type Timer } from "../transport/timer.ts";

/** Exit status when the command cannot be run at all (the original's 97). */
export const UNABLE_TO_EXECUTE = 97;

// Signals a user or a supervisor sends to stop a job: they go to the command first, so that the
// lock is released only once the command is gone (the original released at once).
const FORWARDED_SIGNALS: Deno.Signal[] = ["SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT"];

// Signals no process can ignore, and SIGUSR1, which always starts Deno's debugger.
const UNIGNORABLE: ReadonlySet<string> = new Set(["SIGKILL", "SIGSTOP", "SIGUSR1"]);

/** How the protected command is run; see runCommand. */
export interface RunCommandOptions {
  /** The locked element, appended as the last argument (the original's way). */
  element?: string;
  /** Extra environment for the command (FLOM_RESOURCE_NAME, FLOM_RESOURCE_ELEMENT). */
  env: Record<string, string>;
  /** Where to report a command that cannot be started, or a signal that cannot be ignored. */
  warn: (line: string) => void;
  /**
   * Signals flom ignores while the command runs (`--ignore-signal`): not forwarded, and not
   * fatal to flom; the command keeps its default handling.
   */
  ignoredSignals?: { number: number; name: string }[];
  /** Called once the command runs, with its process id. */
  onStart?: (pid: number) => void;
  /**
   * Stops the command when `signal` aborts (its lock is lost): SIGTERM, then SIGKILL should it
   * still run `graceMs` milliseconds later.
   */
  stop?: { signal: AbortSignal; graceMs: number };
  tracer?: Tracer;
}

/**
 * Runs `command` (PATH search, no shell) with inherited stdio and waits for it. Returns its exit
 * status, 128+N when a signal N killed it, 97 when it could not be started.
 */
export async function runCommand(command: string[], options: RunCommandOptions): Promise<number> {
  const [program, ...args] = command;
  if (program === undefined) return UNABLE_TO_EXECUTE;
  // Listen before starting the command: a signal arriving while it starts is kept and
  // delivered once it runs, instead of killing flom and releasing the lock under it.
  let child: Deno.ChildProcess | undefined;
  const pending: Deno.Signal[] = [];
  const deliver = (signal: Deno.Signal) => {
    try {
      child!.kill(signal);
    } catch {
      // It has just exited.
    }
  };
  const ignored = options.ignoredSignals ?? [];
  const listeners: [Deno.Signal, () => void][] = [];
  const listen = (signal: Deno.Signal, listener: () => void) => {
    Deno.addSignalListener(signal, listener);
    listeners.push([signal, listener]);
  };
  const tracer = options.tracer ?? NO_TRACE;
  for (const signal of FORWARDED_SIGNALS) {
    if (ignored.some(({ name }) => name === signal)) continue;
    listen(signal, () => {
      tracer.trace(TraceModule.EXEC, `flom_exec: ${signal} received, forwarded to the command`);
      if (child === undefined) pending.push(signal);
      else deliver(signal);
    });
  }
  for (const { number, name } of ignored) {
    try {
      // A listener replaces the default action; SIGUSR1 would still open Deno's inspector.
      if (UNIGNORABLE.has(name)) throw new Error("cannot be ignored");
      listen(name as Deno.Signal, () => {
        tracer.trace(TraceModule.EXEC, `flom_exec: ${name} received and ignored`);
      });
    } catch {
      options.warn(`Warning: couldn't ignore signal ${number}:${name}`);
    }
  }
  try {
    try {
      child = new Deno.Command(program, {
        args: options.element === undefined ? args : [...args, options.element],
        stdin: "inherit",
        stdout: "inherit",
        stderr: "inherit",
        env: options.env,
      }).spawn();
    } catch (error) {
      options.warn(execWarning(program));
      options.warn(`flom: cannot execute '${program}': ${whyNotExecutable(program, error)}`);
      return UNABLE_TO_EXECUTE;
    }
    options.onStart?.(child.pid);
    pending.forEach(deliver);
    const { stop } = options;
    let killer: Timer | undefined;
    const terminate = () => {
      tracer.trace(TraceModule.EXEC, "flom_exec: the lock is lost, SIGTERM sent to the command");
      deliver("SIGTERM");
      killer = startTimer(stop!.graceMs, () => {
        tracer.trace(TraceModule.EXEC, "flom_exec: the command outlived its grace, SIGKILL sent");
        deliver("SIGKILL");
      });
    };
    if (stop?.signal.aborted) terminate();
    else stop?.signal.addEventListener("abort", terminate, { once: true });
    try {
      // Deno reports a child killed by signal N with code 128+N, as a shell does.
      return (await child.status).code;
    } finally {
      stop?.signal.removeEventListener("abort", terminate);
      killer?.cancel();
    }
  } finally {
    for (const [signal, listener] of listeners) Deno.removeSignalListener(signal, listener);
  }
}

/** Why `program` could not be started, in words. */
function whyNotExecutable(program: string, error: unknown): string {
  if (error instanceof Deno.errors.NotFound) {
    return program.includes("/") ? "no such file" : "not found in any directory of PATH";
  }
  if (error instanceof Deno.errors.PermissionDenied && program.includes("/")) {
    try {
      const info = Deno.statSync(program);
      if (info.isDirectory) return "it is a directory";
      if (!info.isFile) return "it is not a regular file";
      return "permission denied (is it executable?)";
    } catch {
      // Fall through to the system's words.
    }
  }
  if (error instanceof Deno.errors.PermissionDenied) return "permission denied";
  return error instanceof Error ? error.message : String(error);
}

/** The original's GLib warning for a command that cannot be executed, framing included. */
function execWarning(program: string): string {
  const now = new Date();
  const time = `${clockTime(now)}.${zeroPadded(now.getMilliseconds(), 3)}`;
  return `\n** (flom:${Deno.pid}): WARNING **: ${time}: Unable to execute command '${program}'\n`;
}
