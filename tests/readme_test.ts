/**
 * The README's examples as a user pastes them: every block marked `sh tested` runs in a shell with
 * `flom` on PATH, in a directory of its own, and its output must be the `text` block that follows
 * it. A private configuration file points the default socket into that directory, so the examples
 * run unchanged without touching the user's daemon.
 */
import { deepStrictEqual, ok } from "node:assert/strict";
import { ROOT, waitUntil } from "./harness.ts";

interface Example {
  script: string;
  output: string;
  line: number;
}

/** The `sh tested` blocks of `markdown`, each with the `text` block after it. */
function testedExamples(markdown: string): Example[] {
  const examples: Example[] = [];
  const pattern = /```sh tested\n([\s\S]*?)```\s*```text\n([\s\S]*?)```/g;
  for (const match of markdown.matchAll(pattern)) {
    const line = markdown.slice(0, match.index).split("\n").length;
    examples.push({ script: match[1]!, output: match[2]!, line });
  }
  return examples;
}

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

for (const example of examples) {
  Deno.test(`README line ${example.line}: ${example.script.split("\n")[0]}`, async () => {
    const dir = Deno.makeTempDirSync({ prefix: "flr" });
    const socket = `${dir}/sock`; // the default socket of the examples' private configuration
    try {
      Deno.mkdirSync(`${dir}/bin`);
      Deno.symlinkSync(`${ROOT}scripts/flom`, `${dir}/bin/flom`);
      Deno.writeTextFileSync(`${dir}/.flom`, `[Daemon]\nSocketName=${socket}\n`);
      const env = {
        HOME: dir,
        PATH: `${dir}/bin:${Deno.env.get("PATH") ?? ""}`,
        NO_COLOR: "1",
      };
      const { code, stdout, stderr } = await new Deno.Command("bash", {
        args: ["-c", example.script],
        cwd: dir,
        env,
        stdin: "null",
      }).output();
      const text = new TextDecoder();
      deepStrictEqual(
        { code, stdout: text.decode(stdout) },
        { code: 0, stdout: example.output },
        text.decode(stderr),
      );
      // Stop the daemons the example started (they inherited its HOME), and see them gone.
      const started = processesWithHome(dir);
      for (const pid of started) Deno.kill(pid, "SIGTERM");
      await waitUntil(() => processesWithHome(dir).length === 0, "the example's daemons to stop");
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  });
}
