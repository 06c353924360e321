/**
 * The bundle that `deno task compile` compiles (scripts/bundle.ts) is the same program as the
 * sources: the end-to-end tests of the CLI, of the daemon it starts (whose syslog needs the unstable
 * API that the bundle's own deno.json enables), of the status views, of safety and of the use cases
 * pass against it (FLOM_BIN). So does the whole suite, run by hand:
 * `deno task bundle && FLOM_BIN=dist/bundle/flom scripts/test tests/`. The compiled binary itself
 * is tested by the CI workflow's binary job, which cannot run here.
 */
import { equal, match } from "node:assert/strict";
import { runSuiteWith, TestDir } from "./harness.ts";
import { bundleCli } from "../scripts/bundle.ts";

Deno.test("the bundle passes the end-to-end tests of the CLI, status, safety, syslog, use cases", async () => {
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
