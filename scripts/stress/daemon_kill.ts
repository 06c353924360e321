/**
 * The daemon killed with SIGKILL: every client that waits for a lock, and every one whose
 * command holds one (once that command ends), exits 99 at once with the original's message,
 * and the next client starts a fresh daemon over the socket file the dead one left.
 */
import { ENQUEUED, FlomProcess, processesMentioning, TRACE } from "../../tests/harness.ts";
import { flomCommand, startStressDaemon } from "./daemon.ts";

/** The original's messages (docs/compatibility.md, "Exit statuses and messages"). */
export const WAITER_MESSAGE =
  "flom_client_lock: ret_cod=-126 (ERROR: 'recv' function returned an error condition)";
export const HOLDER_MESSAGE =
  "flom_client_unlock: ret_cod=-130 (ERROR: 'send' function returned an error condition)";

/** How one client ended. */
export interface ClientEnd {
  role: "holder" | "waiter";
  code: number;
  stderr: string;
  /** From the daemon's death (a holder: from the end of its command) to the client's exit, ms. */
  exitMs: number;
  /** Its stderr ends with the original's message for its role. */
  expectedMessage: boolean;
}

/** What the check saw. */
export interface DaemonKillReport {
  clients: ClientEnd[];
  slowestExitMs: number;
  /** The next client, on the dead daemon's socket. */
  next: { code: number; stdout: string; stderr: string };
  /** The daemons serving the socket after the next client: one, not the killed one. */
  freshDaemons: number[];
  killedPid: number;
}

/** Runs the check with a daemon started in `dir`; stops every daemon it started. */
export async function killDaemonUnderClients(dir: string): Promise<DaemonKillReport> {
  const socket = `${dir}/killed`;
  const daemon = await startStressDaemon(socket);
  const spawn = (args: string[], options: { stdin?: boolean } = {}) => {
    const [program, ...rest] = flomCommand(["-s", socket, ...args]);
    return new FlomProcess(
      new Deno.Command(program!, {
        args: rest,
        env: TRACE,
        stdin: options.stdin ? "piped" : "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn(),
    );
  };
  const holding = ["--", "sh", "-c", "echo held; read _"];
  const holders: FlomProcess[] = [];
  const waiters: FlomProcess[] = [];
  try {
    // An exclusive lock and a numeric one, each held and waited for.
    for (const args of [["-r", "X"], ["-r", "N[2]", "-q", "1"], ["-r", "N[2]", "-q", "1"]]) {
      const holder = spawn([...args, ...holding], { stdin: true });
      holders.push(holder);
      await holder.waitFor(/held/);
    }
    for (const args of [["-r", "X"], ["-r", "X"], ["-r", "N[2]", "-q", "2"]]) {
      const waiter = spawn([...args, "--", "true"]);
      waiters.push(waiter);
      await waiter.waitFor(ENQUEUED, "stderr");
    }
    await daemon.kill();
    const killedAt = performance.now();
    // The holders' commands end now; each flom then finds the daemon gone.
    const ended = [
      ...holders.map(async (holder) => {
        await holder.writeLine("");
        const commandEnded = performance.now();
        return end("holder", holder, commandEnded);
      }),
      ...waiters.map((waiter) => end("waiter", waiter, killedAt)),
    ];
    const clients = await Promise.all(ended);
    const [program, ...rest] = flomCommand(["-s", socket, "-d", "1000", "--", "echo", "fresh"]);
    const next = await new Deno.Command(program!, { args: rest, stdin: "null" }).output();
    const decoder = new TextDecoder();
    return {
      clients,
      slowestExitMs: Math.max(...clients.map((client) => client.exitMs)),
      next: {
        code: next.code,
        stdout: decoder.decode(next.stdout),
        stderr: decoder.decode(next.stderr),
      },
      freshDaemons: processesMentioning(`${socket}\0`),
      killedPid: daemon.pid,
    };
  } finally {
    await daemon.kill();
    for (const client of [...holders, ...waiters]) {
      try {
        client.child.kill("SIGKILL");
      } catch {
        // Ended.
      }
      await client.result();
    }
    for (const pid of processesMentioning(`${socket}\0`)) Deno.kill(pid, "SIGKILL");
  }
}

async function end(role: ClientEnd["role"], client: FlomProcess, from: number): Promise<ClientEnd> {
  const { code, stderr } = await client.result();
  const message = role === "holder" ? HOLDER_MESSAGE : WAITER_MESSAGE;
  return {
    role,
    code,
    stderr,
    exitMs: performance.now() - from,
    expectedMessage: stderr.trimEnd().split("\n").includes(message),
  };
}
