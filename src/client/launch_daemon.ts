import {
  DAEMON_LAUNCH_ENV,
  type DaemonLaunch,
  parseStartReport,
  type StartReport,
} from "../daemon/launch_contract.ts";
import { RC } from "../protocol/return_codes.ts";
import type { Settings } from "../config/settings.ts";
import { decodeUtf8 } from "../protocol/binary_string.ts";

/**
 * The `deno run` flags of flom run from JavaScript, as a daemon re-launched under `deno run` and
 * the bundle's start script (scripts/bundle.ts) run it: a daemon listens, reads its machine id,
 * and must never stop on a permission prompt (it has no terminal).
 */
export const DENO_RUN_FLAGS = ["run", "--allow-all", "--no-prompt", "--quiet"];

// Starts the daemon in the background and exits at once, so that the daemon is an orphan from
// its first instant, as the original's double-forked daemon is: tools that select processes by
// parent or by job never take it for part of the client. The daemon inherits the pipe of its
// start report from this shell.
const ORPHANING_SHELL = ["/bin/sh", "-c", '"$0" "$@" &'];

/**
 * Starts a daemon by re-running this executable detached (own session, no parent but init, stdin
 * and stderr on /dev/null, cwd `/`), with the same visible arguments as this client, like the
 * original's forked daemon. Resolves with the daemon's start report once it listens or has
 * failed.
 */
export async function launchDaemon(launch: DaemonLaunch, argv: string[]): Promise<StartReport> {
  const daemon = Deno.build.standalone
    ? [Deno.execPath(), ...argv]
    : [Deno.execPath(), ...DENO_RUN_FLAGS, fileUrlToPath(Deno.mainModule), ...argv];
  const [shell, ...shellArgs] = ORPHANING_SHELL;
  const child = new Deno.Command(shell!, {
    args: [...shellArgs, ...daemon],
    cwd: "/",
    detached: true,
    stdin: "null",
    stdout: "piped",
    stderr: "null",
    env: {
      [DAEMON_LAUNCH_ENV]: JSON.stringify({ ...launch, settings: absolutePaths(launch.settings) }),
    },
  }).spawn();
  try {
    const line = await readFirstLine(child.stdout);
    return parseStartReport(line) ??
      { rc: RC.DAEMON_NOT_STARTED, message: "the daemon exited before listening" };
  } finally {
    // The daemon outlives this process; nothing of it may keep our event loop alive.
    child.unref();
  }
}

/**
 * The settings with relative file paths (`-s`, `-t`) made absolute against this client's
 * working directory: the daemon runs in `/`, where they would name other files.
 */
function absolutePaths(settings: Settings): Settings {
  const cwd = Deno.cwd();
  const absolute = (path: string) => path.startsWith("/") ? path : `${cwd}/${path}`;
  const resolved = { ...settings };
  if (resolved.socketName !== undefined) resolved.socketName = absolute(resolved.socketName);
  if (resolved.daemonTraceFile !== undefined) {
    resolved.daemonTraceFile = absolute(resolved.daemonTraceFile);
  }
  return resolved;
}

// Bytes, decoded once the line is complete: no text stream machinery to load on the way.
async function readFirstLine(stream: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      chunks.push(value);
      if (value.includes(NEWLINE)) break;
    }
  } finally {
    await reader.cancel();
  }
  const bytes = new Uint8Array(chunks.reduce((length, chunk) => length + chunk.length, 0));
  chunks.reduce((offset, chunk) => (bytes.set(chunk, offset), offset + chunk.length), 0);
  return decodeUtf8(bytes, { fatal: false }).split("\n")[0]!;
}

const NEWLINE = 0x0a;

function fileUrlToPath(url: string): string {
  return url.startsWith("file://") ? decodeURIComponent(new URL(url).pathname) : url;
}
