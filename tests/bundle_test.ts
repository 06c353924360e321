/**
 * The bundle that `deno task compile` compiles (scripts/bundle.ts): the same program as the
 * sources, so the end-to-end tests of the CLI, the daemon it starts (its syslog needs the unstable
 * API that the bundle's own deno.json enables), the status views and the safety of locks pass
 * against it too (FLOM_BIN). The whole suite passes against it as well:
 * `FLOM_BIN=dist/bundle/flom scripts/test tests/` after `deno task bundle`. The compiled binary itself is tested by the
 * CI workflow's binary job, which cannot run here.
 */
import { equal, match } from "node:assert/strict";
import { runSuiteWith, TestDir } from "./harness.ts";
import { bundleCli } from "../scripts/bundle.ts";

Deno.test("the bundle passes the CLI's, the status views' and the safety end-to-end tests", async () => {
  await using dir = new TestDir();
  const { script } = await bundleCli(`${dir.path}/bundle`);
  const { code, text } = await runSuiteWith(script, [
    "tests/cli_test.ts",
    "tests/status_test.ts",
    "tests/safety_test.ts",
    "tests/usecase_test.ts",
    "tests/syslog_test.ts",
  ]);
  equal(code, 0, text);
  match(text, /ok \| [1-9]\d* passed \| 0 failed/);
});
