/**
 * What starting flom loads. Under `deno run` every module on a start-up path costs about a
 * quarter of a millisecond and a `node:` module tens of milliseconds (README, "Performance"), so
 * the CLI's lock path and a local daemon's start are kept to what they need: anything else is
 * imported where it is used. A new module on either path needs a reason, and a new budget here.
 */
import { deepStrictEqual, ok } from "node:assert/strict";
import { cliLockPath, staticGraph } from "./module_graph.ts";

const PATHS = [
  { name: "the CLI's lock path", modules: cliLockPath(), budget: 30 },
  {
    name: "a local daemon's start",
    modules: new Set([...staticGraph("main.ts"), ...staticGraph("src/daemon/daemon_process.ts")]),
    // 37: the launch is checked against the settings defaults (config/settings.ts); 38: the
    // resource kinds' classes are mapped in one module (resources/resource_kinds.ts); 39: the
    // status snapshot's builder (status/build_snapshot.ts), which the status file system calls
    // synchronously; 40, 41: every grant's fencing token (daemon/fencing.ts) and the locks kept
    // for the command of a client that died (daemon/orphans.ts), both on the lock path; 42:
    // the answers' bytes, cached apart from the server (daemon/answer_bytes.ts).
    budget: 42,
  },
];

for (const { name, modules, budget } of PATHS) {
  Deno.test(`${name} loads no node: module and at most ${budget} modules`, () => {
    deepStrictEqual([...modules].filter((module) => module.startsWith("node:")), []);
    ok(
      modules.size <= budget,
      `${modules.size} modules: ${[...modules].sort().join(", ")}`,
    );
  });
}
