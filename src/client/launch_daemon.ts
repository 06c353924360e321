import {
  DAEMON_LAUNCH_ENV,
  type DaemonLaunch,
  parseStartReport,
  type StartReport,
} from "../daemon/launch_contract.ts";
import { RC } from "../protocol/return_codes.ts";

// The permissions a daemon re-launched under `deno run` needs: it listens, reads its machine
// id, and must never stop on a permission prompt (it has no terminal).
const DENO_RUN_FLAGS = ["run", "--allow-all", "--no-prompt", "--quiet"];

/**
 * Starts a daemon by re-running this executable detached (own session, stdin and stderr on
 * /dev/null, cwd `/`), with the same visible arguments as this client, like the original's
 * forked daemon. Resolves with the daemon's start report once it listens or has failed.
 */
export async function launchDaemon(launch: DaemonLaunch, argv: string[]): Promise<StartReport> {
  const [program, args] = Deno.build.standalone
    ? [Deno.execPath(), argv]
    : [Deno.execPath(), [...DENO_RUN_FLAGS, fileUrlToPath(Deno.mainModule), ...argv]];
  const child = new Deno.Command(program, {
    args,
    cwd: "/",
    detached: true,
    stdin: "null",
    stdout: "piped",
    stderr: "null",
    env: { [DAEMON_LAUNCH_ENV]: JSON.stringify(launch) },
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

async function readFirstLine(stream: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  try {
    while (!text.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
  } finally {
    await reader.cancel();
  }
  return text.split("\n")[0]!;
}

function fileUrlToPath(url: string): string {
  return url.startsWith("file://") ? decodeURIComponent(new URL(url).pathname) : url;
}
