/**
 * What starting flom loads. Under `deno run` every module on a start-up path costs about a
 * quarter of a millisecond and a `node:` module tens of milliseconds (README, "Performance"), so
 * the CLI's lock path and a local daemon's start are kept to what they need: anything else is
 * imported where it is used. A new module on either path needs a reason, and a new budget here.
 */
import { deepStrictEqual, ok } from "node:assert/strict";
import { ROOT } from "./harness.ts";

// A static import or re-export, not a type-only one: what the runtime loads before running.
const STATIC_IMPORT = /^(?:import|export)(?!\s+type\b)[^;]*?\sfrom\s+"([^"]+)";/gms;

/** Every module `entry` loads before it runs, by path relative to the repository. */
function staticGraph(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (path: string) => {
    if (seen.has(path)) return;
    seen.add(path);
    if (path.startsWith("node:") || path.startsWith("npm:")) return;
    const source = Deno.readTextFileSync(`${ROOT}${path}`);
    for (const [, specifier] of source.matchAll(STATIC_IMPORT)) {
      visit(
        specifier!.startsWith(".")
          ? new URL(specifier!, `file:///${path}`).pathname.slice(1)
          : specifier!,
      );
    }
  };
  visit(entry);
  return seen;
}

const PATHS = [
  { name: "the CLI's lock path", entries: ["main.ts", "src/cli/run.ts"], budget: 31 },
  {
    name: "a local daemon's start",
    entries: ["main.ts", "src/daemon/daemon_process.ts"],
    budget: 35,
  },
];

for (const { name, entries, budget } of PATHS) {
  Deno.test(`${name} loads no node: module and at most ${budget} modules`, () => {
    const modules = new Set(entries.flatMap((entry) => [...staticGraph(entry)]));
    deepStrictEqual([...modules].filter((module) => module.startsWith("node:")), []);
    ok(
      modules.size <= budget,
      `${modules.size} modules: ${[...modules].sort().join(", ")}`,
    );
  });
}
