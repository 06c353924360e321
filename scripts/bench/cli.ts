/**
 * CLI wall time: `flom -s SOCKET -r R -- true` against a running daemon next to the spawn floor
 * script, both under the same `deno run` flags, run alternately so that the machine's drift
 * touches both alike.
 */
import { denoRun, ROOT } from "./processes.ts";
import { median } from "./stats.ts";

/** Milliseconds from start to exit of `command`, which must succeed. */
export async function wallMs(command: Deno.Command): Promise<number> {
  const start = performance.now();
  const { code } = await command.output();
  const elapsed = performance.now() - start;
  if (code !== 0) throw new Error(`exit status ${code}`);
  return elapsed;
}

/** Median wall times in milliseconds of `runs` runs of each. */
export async function measureCli(
  socket: string,
  runs: number,
): Promise<{ flom: number; floor: number }> {
  const flom = denoRun(`${ROOT}main.ts`, ["-s", socket, "-r", "R", "--", "true"]);
  const floor = denoRun(`${ROOT}scripts/bench/floor_cli.ts`, []);
  const times = { flom: [] as number[], floor: [] as number[] };
  for (let i = 0; i < runs; i++) {
    times.floor.push(await wallMs(floor));
    times.flom.push(await wallMs(flom));
  }
  return { flom: median(times.flom), floor: median(times.floor) };
}
