/**
 * Builds the native flom binaries with `deno compile`, one per target, into dist/. Usage:
 * `deno task compile [TARGET...]`; with no target, every supported one. Needs the network the
 * first time (deno compile downloads the runtime of each target).
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
  // The same permissions as scripts/flom: flom runs arbitrary commands and listens on sockets.
  const { code } = await new Deno.Command(Deno.execPath(), {
    args: [
      "compile",
      "--allow-all",
      "--no-prompt",
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
