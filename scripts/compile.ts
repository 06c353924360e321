/**
 * Builds the native flom binaries with `deno compile`, one per target, into dist/ as
 * `flom-<target>`. Usage: `deno task compile [TARGET...]`; with no target, every supported one.
 * Needs the network the first time (deno compile downloads the runtime of each target); the
 * release workflow builds each target on a runner of its own OS and machine, and tests it there.
 *
 * What the binary needs of the sources: every module, the ones imported dynamically included
 * (their specifiers are literal, so deno compile follows them); the npm package smol-toml (TOML
 * files), embedded from Deno's cache with only the packages main.ts reaches (not the test-only
 * ones of the lock file); the unstable `net` API (discovery, syslog); and every permission, FFI
 * included (the -m status file system calls libfuse3), without prompts.
 */
const TARGETS = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
];

const root = new URL("..", import.meta.url).pathname;
const targets = Deno.args.length > 0 ? Deno.args : TARGETS;
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
      `--config=${root}deno.json`,
      "--node-modules-dir=none",
      "--exclude-unused-npm",
      "--target",
      target,
      "--output",
      `${root}dist/flom-${target}`,
      `${root}main.ts`,
    ],
    cwd: root,
  }).spawn().status;
  if (code !== 0) failed++;
}
if (failed > 0) {
  console.error(`${failed} of ${targets.length} targets failed`);
  Deno.exitCode = 1;
}
