/**
 * Orphaned locks released in time: a flom killed with SIGKILL while its command runs leaves its
 * lock to the command (README, "Safe locks"); once the command has ended, the daemon must release
 * the lock within 200 ms. Each round measures from the moment the command is told to end (a line
 * on the FIFO it reads; it exits right after) to the grant read by a waiter queued behind it.
 */
import { awaitAnswer, requestBytes } from "../bench/load.ts";
import { flomCommand, startStressDaemon } from "./daemon.ts";

/** What each round measured. */
export interface OrphanReport {
  /** Milliseconds from the command's end to the waiter's grant, one per round. */
  releaseMs: number[];
  /** Rounds whose lock a waiter got before the command was told to end (must be none). */
  early: number;
}

/** Runs `rounds` rounds against a daemon started in `dir`, then stops it. */
export async function orphanRelease(dir: string, rounds: number): Promise<OrphanReport> {
  await using daemon = await startStressDaemon(`${dir}/orphans`);
  const report: OrphanReport = { releaseMs: [], early: 0 };
  for (let round = 0; round < rounds; round++) {
    const name = `orphan${round}`;
    const fifo = `${dir}/orphan${round}.fifo`;
    const made = await new Deno.Command("mkfifo", { args: [fifo] }).output();
    if (made.code !== 0) throw new Error(`Cannot make the FIFO '${fifo}'`);
    const [program, ...args] = flomCommand([
      "-s",
      daemon.socket,
      "-r",
      name,
      "--",
      "sh",
      "-c",
      `echo held; read _ < "$0"`,
      fifo,
    ]);
    const flom = new Deno.Command(program!, { args, stdout: "piped", stderr: "null" }).spawn();
    const output = flom.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!text.includes("held\n")) {
      const { value, done } = await output.read();
      if (done) throw new Error(`The flom of round ${round} ended before its command ran`);
      text += value;
    }
    flom.kill("SIGKILL");
    await flom.status;

    const { lock, unlock } = requestBytes(name);
    const waiter = await Deno.connect({ transport: "unix", path: daemon.socket });
    const buffer = new Uint8Array(1024);
    await waiter.write(lock);
    // A daemon answers every request at once: the grant, or "enqueued" while the command runs.
    const queued = (await firstRc(waiter, buffer)) === 1;
    const ended = performance.now();
    await Deno.writeTextFile(fifo, "\n");
    if (queued) {
      await awaitAnswer(waiter, buffer, 0);
      report.releaseMs.push(performance.now() - ended);
    } else {
      report.early++;
    }
    await waiter.write(unlock);
    waiter.close();
    while (!(await output.read()).done) {
      // The command's output ends with it.
    }
  }
  return report;
}

/** The reason code of the first answer on `conn`. */
async function firstRc(conn: Deno.Conn, buffer: Uint8Array): Promise<number> {
  let text = "";
  for (;;) {
    const n = await conn.read(buffer);
    if (n === null) throw new Error(`the daemon closed the connection after '${text}'`);
    text += new TextDecoder().decode(buffer.subarray(0, n));
    const rc = / rc="(-?\d+)"/.exec(text)?.[1];
    if (rc !== undefined) return Number(rc);
  }
}
