/**
 * CLI wall time: `flom -s SOCKET -r R -- true` against a running daemon, from the sources and from
 * the bundle that `deno task compile` compiles, next to the spawn floor script and the lock floor
 * script (the spawn floor plus a canned lock and unlock), all under the same `deno run` flags, run
 * alternately so that the machine's drift touches all alike.
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
  options: { dir: string; modules: number; bundle: string },
): Promise<{
  flom: number;
  bundled: number;
  floor: number;
  modularFloor: number;
  lockFloor: number;
}> {
  const args = ["-s", socket, "-r", "R", "--", "true"];
  const commands = {
    flom: denoRun(`${ROOT}main.ts`, args),
    bundled: denoRun(options.bundle, args),
    floor: denoRun(`${ROOT}scripts/bench/floor_cli.ts`, []),
    modularFloor: denoRun(modularFloor(options.dir, options.modules), []),
    lockFloor: denoRun(`${ROOT}scripts/bench/floor_lock_cli.ts`, [socket]),
  };
  // Their modules enter the runtime's caches, as the sources' have.
  await wallMs(commands.bundled);
  await wallMs(commands.modularFloor);
  const names = ["floor", "modularFloor", "lockFloor", "flom", "bundled"] as const;
  const times = new Map(names.map((name) => [name, [] as number[]]));
  for (let i = 0; i < runs; i++) {
    for (const name of names) times.get(name)!.push(await wallMs(commands[name]));
  }
  const medianOf = (name: typeof names[number]) => median(times.get(name)!);
  return {
    flom: medianOf("flom"),
    bundled: medianOf("bundled"),
    floor: medianOf("floor"),
    modularFloor: medianOf("modularFloor"),
    lockFloor: medianOf("lockFloor"),
  };
}
