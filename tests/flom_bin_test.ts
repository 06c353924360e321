/**
 * FLOM_BIN: the end-to-end suite runs against any flom executable (the release workflow runs it
 * against each compiled binary). Here it runs part of the suite through a wrapper that records
 * every start and then runs the source tree (scripts/flom), and checks that no end-to-end test
 * starts flom any other way than through tests/harness.ts's flomCommandLine().
 */
import { deepStrictEqual, equal, match, ok } from "node:assert/strict";
import { ROOT, runSuiteWith, TestDir } from "./harness.ts";

// A wrapper that logs its arguments, one start per line, and runs flom from the sources.
function writeWrapper(dir: TestDir): { wrapper: string; log: string } {
  const wrapper = `${dir.path}/flom-wrapper`;
  const log = `${dir.path}/starts.log`;
  Deno.writeTextFileSync(
    wrapper,
    `#!/bin/sh\necho "$*" >> '${log}'\nexec '${ROOT}scripts/flom' "$@"\n`,
  );
  Deno.chmodSync(wrapper, 0o755);
  return { wrapper, log };
}

Deno.test("FLOM_BIN=wrapper: the end-to-end tests start flom through that executable", async () => {
  await using dir = new TestDir();
  const { wrapper, log } = writeWrapper(dir);
  // Two tests of the suite: a fixed output, and locks on two daemons that the wrapper starts.
  const { code, text } = await runSuiteWith(
    wrapper,
    ["tests/cli_test.ts", "tests/usecase_test.ts"],
    "/^flom -v prints the version|^use case 6: /",
  );
  equal(code, 0, text);
  match(text, /ok \| [1-9]\d* passed \| 0 failed/);
  const starts = Deno.readTextFileSync(log).split("\n").filter((line) => line !== "");
  ok(starts.includes("-v") && starts.includes("--version"), starts.join("\n"));
  ok(starts.some((line) => line.includes(" -- ")), `no lock through the wrapper: ${starts}`);
});

Deno.test("FLOM_BIN: a relative path names the executable from the working directory", async () => {
  await using dir = new TestDir();
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `import { flomCommandLine } from "${ROOT}tests/harness.ts";` +
      `console.log(JSON.stringify(flomCommandLine(["-v"])));`,
    ],
    cwd: dir.path,
    env: { FLOM_BIN: "flom-wrapper" },
    stdin: "null",
    stderr: "inherit",
  }).output();
  deepStrictEqual(JSON.parse(new TextDecoder().decode(output.stdout)), [
    `${dir.path}/flom-wrapper`,
    "-v",
  ]);
});

Deno.test("no end-to-end test starts flom other than through flomCommandLine()", () => {
  // Files that name main.ts or scripts/flom for another reason: the harness builds the command
  // line, this test wraps scripts/flom, the module graph and references tests read the sources.
  const allowed = [
    "harness.ts",
    "flom_bin_test.ts",
    "module_graph.ts",
    "references_test.ts",
    "startup_test.ts",
  ];
  const offenders: string[] = [];
  for (const entry of Deno.readDirSync(`${ROOT}tests`)) {
    if (!entry.isFile || !entry.name.endsWith(".ts") || allowed.includes(entry.name)) continue;
    const text = Deno.readTextFileSync(`${ROOT}tests/${entry.name}`);
    if (/main\.ts|scripts\/flom/.test(text.replaceAll(/\/\/.*|\/\*[\s\S]*?\*\//g, ""))) {
      offenders.push(entry.name);
    }
  }
  deepStrictEqual(offenders, []);
});
