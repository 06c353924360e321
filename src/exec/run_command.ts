/** Exit status when the command cannot be run at all (the original's 97). */
export const UNABLE_TO_EXECUTE = 97;

// Signals a user or a supervisor sends to stop a job: they go to the command first, so that the
// lock is released only once the command is gone (the original released at once).
const FORWARDED_SIGNALS: Deno.Signal[] = ["SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT"];

/** How the protected command is run; see runCommand. */
export interface RunCommandOptions {
  /** The locked element, appended as the last argument (the original's way). */
  element?: string;
  /** Extra environment for the command (FLOM_RESOURCE_NAME, FLOM_RESOURCE_ELEMENT). */
  env: Record<string, string>;
  /** Where to report a command that cannot be started. */
  warn: (line: string) => void;
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
  const listeners = FORWARDED_SIGNALS.map((signal) =>
    [signal, () => child === undefined ? pending.push(signal) : deliver(signal)] as const
  );
  for (const [signal, listener] of listeners) Deno.addSignalListener(signal, listener);
  try {
    try {
      child = new Deno.Command(program, {
        args: options.element === undefined ? args : [...args, options.element],
        stdin: "inherit",
        stdout: "inherit",
        stderr: "inherit",
        env: options.env,
      }).spawn();
    } catch {
      options.warn(execWarning(program));
      return UNABLE_TO_EXECUTE;
    }
    pending.forEach(deliver);
    // Deno reports a child killed by signal N with code 128+N, as a shell does.
    return (await child.status).code;
  } finally {
    for (const [signal, listener] of listeners) Deno.removeSignalListener(signal, listener);
  }
}

/** The original's GLib warning for a command that cannot be executed, framing included. */
function execWarning(program: string): string {
  const now = new Date();
  const pad = (value: number, width = 2) => String(value).padStart(width, "0");
  const time = `${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}.${
    pad(now.getMilliseconds(), 3)
  }`;
  return `\n** (flom:${Deno.pid}): WARNING **: ${time}: Unable to execute command '${program}'\n`;
}
