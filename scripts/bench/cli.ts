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

/**
 * The spawn floor as a program of `count` modules: `count - 1` empty ones in `dir`, then the
 * floor script itself. What Deno charges any program split into as many files as flom's lock
 * path, before the program does anything.
 */
function modularFloor(dir: string, count: number): string {
  const imports = [];
  for (let i = 1; i < count; i++) {
    Deno.writeTextFileSync(`${dir}/empty${i}.ts`, `export const value${i} = ${i};\n`);
    imports.push(`import { value${i} } from "./empty${i}.ts";\nif (value${i} !== ${i}) throw 0;\n`);
  }
  const entry = `${dir}/modular_floor.ts`;
  Deno.writeTextFileSync(entry, `${imports.join("")}import "${ROOT}scripts/bench/floor_cli.ts";\n`);
  return entry;
}

/** Median wall times in milliseconds of `runs` runs of each. */
export async function measureCli(
  socket: string,
  runs: number,
  options: { dir: string; modules: number },
): Promise<{ flom: number; floor: number; modularFloor: number }> {
  const flom = denoRun(`${ROOT}main.ts`, ["-s", socket, "-r", "R", "--", "true"]);
  const floor = denoRun(`${ROOT}scripts/bench/floor_cli.ts`, []);
  const modular = denoRun(modularFloor(options.dir, options.modules), []);
  await wallMs(modular); // its modules enter the runtime's caches, as flom's have
  const times = { flom: [] as number[], floor: [] as number[], modularFloor: [] as number[] };
  for (let i = 0; i < runs; i++) {
    times.floor.push(await wallMs(floor));
    times.modularFloor.push(await wallMs(modular));
    times.flom.push(await wallMs(flom));
  }
  return {
    flom: median(times.flom),
    floor: median(times.floor),
    modularFloor: median(times.modularFloor),
  };
}
