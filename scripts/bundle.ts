/**
 * Bundles the CLI for `deno compile`: main.ts and every module it reaches, as the few JavaScript
 * files of `deno bundle --code-splitting` (esbuild): a file per dynamic import's branch (the daemon,
 * help, status, TLS…) and the chunks they share, plain JavaScript with the npm package smol-toml
 * inside. Under `deno run` it starts 6–7 ms sooner than the sources, the same code (README,
 * "Performance"). The sources stay the program: the test suite runs them, and the bundle is checked
 * against the same end-to-end tests (tests/bundle_test.ts).
 *
 * Usage: `deno task bundle [OUTDIR]` (default dist/bundle). Writes OUTDIR/main.js and its chunks,
 * OUTDIR/deno.json, and OUTDIR/flom: a script that runs the bundle as scripts/flom runs the sources.
 */

import { shellWords } from "./shell_words.ts";
import { DENO_RUN_FLAGS } from "../src/client/launch_daemon.ts";

const ROOT = decodeURIComponent(new URL("..", import.meta.url).pathname);

/**
 * The bundle's own deno.json: the unstable features of the sources' deno.json (the `net` API for
 * syslog and discovery; dynamic imports loaded when they run). A daemon that the bundle starts runs
 * without `--config` and finds this file beside its main module, as one started from the sources
 * finds the repository's.
 */
function bundleConfig(): { unstable: string[] } {
  const { unstable } = JSON.parse(Deno.readTextFileSync(`${ROOT}deno.json`));
  return { unstable };
}

/** The bundle's entry and its script in `outdir`. */
export interface Bundle {
  main: string;
  script: string;
}

/** Bundles main.ts into `outdir` (emptied first). Throws with esbuild's messages on failure. */
export async function bundleCli(outdir: string): Promise<Bundle> {
  await Deno.remove(outdir, { recursive: true }).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--quiet",
      `--config=${ROOT}deno.json`,
      "--platform=deno",
      "--code-splitting",
      `--outdir=${outdir}`,
      `${ROOT}main.ts`,
    ],
    cwd: ROOT,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    throw new Error(`deno bundle failed (${code}): ${new TextDecoder().decode(stderr)}`);
  }
  const bundle = { main: `${outdir}/main.js`, script: `${outdir}/flom` };
  Deno.writeTextFileSync(`${outdir}/deno.json`, JSON.stringify(bundleConfig()) + "\n");
  const config = `--config=${outdir}/deno.json`;
  const command = shellWords([Deno.execPath(), ...DENO_RUN_FLAGS, config, bundle.main]);
  Deno.writeTextFileSync(bundle.script, `#!/bin/sh\nexec ${command} "$@"\n`, { mode: 0o755 });
  return bundle;
}

if (import.meta.main) {
  const outdir = Deno.args[0] ?? `${ROOT}dist/bundle`;
  try {
    const { main } = await bundleCli(outdir);
    const files = [...Deno.readDirSync(outdir)].filter((entry) => entry.name.endsWith(".js"));
    console.log(`${main}: ${files.length} files`);
  } catch (error) {
    console.error((error as Error).message);
    Deno.exitCode = 1;
  }
}
