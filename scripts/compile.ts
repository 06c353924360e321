/**
 * Builds the native flom binaries with `deno compile`, one per target, into dist/ as
 * `flom-<target>`. Usage: `deno task compile [TARGET...]`; with no target, every supported one.
 * Needs the network the first time (deno compile downloads the runtime of each target); the
 * release workflow builds each target on a runner of its own OS and machine, and tests it there.
 *
 * What it compiles is the bundle of scripts/bundle.ts (dist/bundle/main.js): the same program as
 * the sources in a few JavaScript files, which start faster (README, "Performance"). The bundle
 * holds every module, the ones imported dynamically as chunks that its literal specifiers name (so
 * deno compile follows them), and the npm package smol-toml (TOML files): it needs no import map,
 * no lock file and no node_modules, so no configuration file either (which also keeps the sources'
 * unstable lazy loading of dynamic imports, a `deno run` feature, away from the compiler). The
 * binary needs the unstable `net` API (discovery, syslog) and every permission, FFI included (the
 * -m status file system calls libfuse3), without prompts.
 */
import { bundleCli } from "./bundle.ts";

const TARGETS = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
];

const root = new URL("..", import.meta.url).pathname;
const targets = Deno.args.length > 0 ? Deno.args : TARGETS;
const { main } = await bundleCli(`${root}dist/bundle`);
let failed = 0;
for (const target of targets) {
  if (!TARGETS.includes(target)) {
    console.error(`Cannot compile for '${target}': supported targets are ${TARGETS.join(", ")}`);
    failed++;
    continue;
  }
  // The same permissions and flags as scripts/flom: flom runs arbitrary commands, listens on
  // sockets and loads libfuse3.
  const { code } = await new Deno.Command(Deno.execPath(), {
    args: [
      "compile",
      "--allow-all",
      "--no-prompt",
      "--unstable-net",
      "--no-config",
      "--node-modules-dir=none",
      "--target",
      target,
      "--output",
      `${root}dist/flom-${target}`,
      main,
    ],
    cwd: root,
  }).spawn().status;
  if (code !== 0) failed++;
}
if (failed > 0) {
  console.error(`${failed} of ${targets.length} targets failed`);
  Deno.exitCode = 1;
}
