/**
 * The static module graph of a start-up path: what the runtime loads before the entry runs
 * (dynamic imports and type-only imports excluded). Shared by the start-up test and the
 * benchmark, which builds a floor of as many empty modules.
 */
import { ROOT } from "./harness.ts";

// A static import or re-export, not a type-only one: what the runtime loads before running.
const STATIC_IMPORT = /^(?:import|export)(?!\s+type\b)[^;]*?\sfrom\s+"([^"]+)";/gms;

/** Every module `entry` loads before it runs, by path relative to the repository. */
export function staticGraph(entry: string): Set<string> {
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

/** The modules of flom's CLI lock path: main.ts and the CLI it imports. */
export function cliLockPath(): Set<string> {
  return new Set([...staticGraph("main.ts"), ...staticGraph("src/cli/run.ts")]);
}
