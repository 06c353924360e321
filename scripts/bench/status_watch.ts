/**
 * Lock traffic while `flom --status --watch 100` redraws the daemon's status ten times a second:
 * pairs per second of a load with the watcher running and without it, alternated so that the
 * machine's drift touches both alike (issue 11: at least 90% of the rate without).
 */
import { cpuPerPair, type Load } from "./cpu.ts";
import { DENO_RUN, type MeasuredProcess, ROOT } from "./processes.ts";
import { median } from "./stats.ts";

/**
 * Median pairs per second of `load` on `flom`, with and without a status watcher: after a warm-up,
 * `rounds` rounds, each measuring both in turn, the first of a round being the other one than in
 * the round before (a daemon that warms up or a machine that drifts favours neither).
 */
export async function pairsWhileWatched(
  flom: MeasuredProcess,
  load: Load,
  options: { pairs: number; rounds: number },
): Promise<{ watched: number; alone: number }> {
  await cpuPerPair(flom, load, options.pairs);
  const rates = { watched: [] as number[], alone: [] as number[] };
  const measure = async (watched: boolean) => {
    await using _watcher = watched ? await startWatcher(flom.socket) : undefined;
    const { pairsPerSecond } = await cpuPerPair(flom, load, options.pairs);
    rates[watched ? "watched" : "alone"].push(pairsPerSecond);
  };
  for (let round = 0; round < options.rounds; round++) {
    await measure(round % 2 === 1);
    await measure(round % 2 === 0);
  }
  return { watched: median(rates.watched), alone: median(rates.alone) };
}

/** `flom -s SOCKET --status --watch 100`, once it has drawn its first frame; SIGINT ends it. */
async function startWatcher(socket: string): Promise<AsyncDisposable> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [...DENO_RUN, `${ROOT}main.ts`, "-s", socket, "--status", "--watch", "100"],
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.getReader();
  if ((await reader.read()).done) throw new Error("flom --status --watch drew nothing");
  const draining = (async () => {
    while (!(await reader.read()).done) {
      // Frames are not looked at; the pipe must not fill up.
    }
  })();
  return {
    async [Symbol.asyncDispose]() {
      child.kill("SIGINT");
      await child.status;
      await draining;
    },
  };
}
