/**
 * The README's examples as a user pastes them: every block marked `sh tested` runs in a shell with
 * `flom` on PATH, in a directory of its own, and its output must be the `text` block that follows
 * it. A private configuration file points the default socket into that directory, so the examples
 * run unchanged without touching the user's daemon. A block marked `ts tested` is a program of the
 * TypeScript API, run against a daemon on the per-user default socket (the API reads no
 * configuration file): only when nothing is there, as the daemon tests of that socket do.
 */
import { deepStrictEqual, ok } from "node:assert/strict";
import { userInfo } from "node:os";
import { exists, FLOM_EXECUTABLE, ROOT, runsWith, waitUntil } from "./harness.ts";

interface Example {
  language: "sh" | "ts";
  script: string;
  output: string;
  line: number;
}

/** The `sh tested` and `ts tested` blocks of `markdown`, each with the `text` block after it. */
function testedExamples(markdown: string): Example[] {
  const examples: Example[] = [];
  const pattern = /```(sh|ts) tested\n([\s\S]*?)```\s*```text\n([\s\S]*?)```/g;
  for (const match of markdown.matchAll(pattern)) {
    const line = markdown.slice(0, match.index).split("\n").length;
    const language = match[1] as Example["language"];
    examples.push({ language, script: match[2]!, output: match[3]!, line });
  }
  return examples;
}

const DEFAULT_SOCKET = `/tmp/flom-${userInfo().username}`;

/** The processes whose environment has HOME=`home`. */
function processesWithHome(home: string): number[] {
  const pids: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    const pid = Number(entry.name);
    if (!Number.isInteger(pid) || pid === Deno.pid) continue;
    try {
      if (Deno.readTextFileSync(`/proc/${pid}/environ`).split("\0").includes(`HOME=${home}`)) {
        pids.push(pid);
      }
    } catch {
      // Exited while we looked, or not ours to read.
    }
  }
  return pids;
}

const examples = testedExamples(Deno.readTextFileSync(`${ROOT}README.md`));

Deno.test("the README has tested examples", () => {
  ok(examples.length >= 2, `${examples.length} examples`);
});

for (const example of examples.filter(({ language }) => language === "sh")) {
  Deno.test(`README line ${example.line}: ${example.script.split("\n")[0]}`, async () => {
    const dir = Deno.makeTempDirSync({ prefix: "flr" });
    const socket = `${dir}/sock`; // the default socket of the examples' private configuration
    try {
      const env = privateEnvironment(dir);
      Deno.writeTextFileSync(`${dir}/.flom`, `[Daemon]\nSocketName=${socket}\n`);
      assertOutput(example, await run("bash", ["-c", example.script], dir, env));
      await stopDaemons(dir);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  });
}

for (const example of examples.filter(({ language }) => language === "ts")) {
  Deno.test({
    name: `README line ${example.line}: the TypeScript API example`,
    ignore: !runsWith(!exists(DEFAULT_SOCKET)),
    async fn() {
      const dir = Deno.makeTempDirSync({ prefix: "flr" });
      const lockExisted = exists(`${DEFAULT_SOCKET}.lock`);
      try {
        const env = privateEnvironment(dir);
        // The example imports mod.ts as a program in this tree would.
        const program = example.script.replace('"./mod.ts"', JSON.stringify(`${ROOT}mod.ts`));
        Deno.writeTextFileSync(`${dir}/example.ts`, program);
        // As the README says: a daemon first, which stays until flom -X.
        assertOutput(
          { ...example, output: "" },
          await run("flom", ["-d", "-1", "--", "true"], dir, env),
        );
        assertOutput(
          example,
          await run(Deno.execPath(), ["run", "-A", "--quiet", `${dir}/example.ts`], dir, env),
        );
        await run("flom", ["-X"], dir, env);
        await stopDaemons(dir);
        ok(!exists(DEFAULT_SOCKET), "flom -X removed the default socket");
      } finally {
        await stopDaemons(dir);
        if (!lockExisted && exists(`${DEFAULT_SOCKET}.lock`)) {
          Deno.removeSync(`${DEFAULT_SOCKET}.lock`);
        }
        Deno.removeSync(dir, { recursive: true });
      }
    },
  });
}

/** HOME in `dir` and `flom` on PATH (a link to FLOM_EXECUTABLE in `dir/bin`). */
function privateEnvironment(dir: string): Record<string, string> {
  Deno.mkdirSync(`${dir}/bin`);
  Deno.symlinkSync(FLOM_EXECUTABLE, `${dir}/bin/flom`);
  return { HOME: dir, PATH: `${dir}/bin:${Deno.env.get("PATH") ?? ""}`, NO_COLOR: "1" };
}

async function run(program: string, args: string[], dir: string, env: Record<string, string>) {
  const { code, stdout, stderr } = await new Deno.Command(program, {
    args,
    cwd: dir,
    env,
    stdin: "null",
  }).output();
  const text = new TextDecoder();
  return { code, stdout: text.decode(stdout), stderr: text.decode(stderr) };
}

function assertOutput(example: Example, result: { code: number; stdout: string; stderr: string }) {
  deepStrictEqual(
    { code: result.code, stdout: result.stdout },
    { code: 0, stdout: example.output },
    result.stderr,
  );
}

/** Stops the daemons an example started (they inherited its HOME), and sees them gone. */
async function stopDaemons(dir: string): Promise<void> {
  for (const pid of processesWithHome(dir)) Deno.kill(pid, "SIGTERM");
  await waitUntil(() => processesWithHome(dir).length === 0, "the example's daemons to stop");
}
