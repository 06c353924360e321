import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { completionScript } from "./completions.ts";
import { optionDocs } from "./option_docs.ts";
import { runsWith } from "../../tests/harness.ts";

function has(program: string): boolean {
  try {
    return new Deno.Command(program, { args: ["-c", "true"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

function run(program: string, args: string[], cwd: string): { code: number; out: string } {
  const output = new Deno.Command(program, { args, cwd, stdin: "null", env: { HOME: cwd } })
    .outputSync();
  const text = new TextDecoder();
  return { code: output.code, out: text.decode(output.stdout) + text.decode(output.stderr) };
}

/** Runs `body` with the `shell` script written to a temporary directory. */
function withScript(shell: "bash" | "zsh" | "fish", body: (dir: string, file: string) => void) {
  const dir = Deno.makeTempDirSync({ prefix: "flc" });
  try {
    const file = `${dir}/flom.${shell}`;
    Deno.writeTextFileSync(file, completionScript(shell));
    body(dir, file);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

// Completes the words of each case (the last one being completed) with the bash script loaded
// in a real bash, as bash does on TAB: COMP_WORDS and COMP_CWORD, then the function that
// `complete -p flom` names. Prints one line per case: the candidates, sorted.
const BASH_DRIVER = `
source "$1"
shift
complete -p flom
function=$(complete -p flom | sed -E 's/.*-F ([^ ]+) .*/\\1/')
for case in "$@"; do
  eval "COMP_WORDS=($case)"
  COMP_CWORD=$((\${#COMP_WORDS[@]} - 1))
  COMPREPLY=()
  "$function" flom "\${COMP_WORDS[COMP_CWORD]}" "\${COMP_WORDS[COMP_CWORD - 1]}"
  printf '%s\\n' "$(printf '%s\\n' "\${COMPREPLY[@]}" | sort | tr '\\n' ' ')"
done
`;

function bashComplete(cases: string[]): string[] {
  let lines: string[] = [];
  withScript("bash", (dir, file) => {
    Deno.writeTextFileSync(`${dir}/driver.bash`, BASH_DRIVER);
    Deno.mkdirSync(`${dir}/conf.d`);
    Deno.writeTextFileSync(`${dir}/client.pem`, "");
    Deno.writeTextFileSync(`${dir}/ca.pem`, "");
    const { code, out } = run("bash", ["--norc", `${dir}/driver.bash`, file, ...cases], dir);
    equal(code, 0, out);
    lines = out.split("\n").slice(0, -1);
  });
  return lines;
}

Deno.test({
  name: "completionScript('bash') registers _flom for flom and completes in a real bash",
  ignore: !runsWith(has("bash")),
  fn() {
    const [registration, ...answers] = bashComplete([
      "flom --lock-m",
      "flom -l ''",
      "flom --lock-mode P",
      "flom --lock-mode = ''",
      "flom --resource-create = y",
      "flom --ignore-signal SIGT",
      "flom --debug-feature tls",
      "flom --completions ''",
      "flom --tls-ca-certificate c",
      "flom -c ''",
      "flom -m ''",
      "flom -r backup -- ech",
      "flom -r backup ech",
      "flom -Vr backup -o 0 -- ech",
      "flom -d0 --status --wat",
      "flom -r x -- echo ''",
    ]);
    equal(registration, "complete -F _flom flom");
    deepStrictEqual(answers.slice(0, 11), [
      "--lock-mode ",
      "CR CW EX NL PR PW ",
      "PR PW ",
      "CR CW EX NL PR PW ",
      "yes ",
      "SIGTERM SIGTRAP SIGTSTP SIGTTIN SIGTTOU ",
      "tls.client tls.server ",
      "bash fish zsh ",
      "ca.pem client.pem conf.d ",
      "ca.pem client.pem conf.d driver.bash flom.bash ",
      "conf.d ",
    ]);
    // The command after "--", or the first word that is not an option: command names.
    for (const answer of answers.slice(11, 14)) ok(answer.split(" ").includes("echo"), answer);
    equal(answers[14], "--watch ");
    // The command's own arguments: files, without bash-completion's _command_offset.
    ok(answers[15]!.split(" ").includes("flom.bash"), answers[15]);
  },
});

Deno.test("completionScript('bash') offers every option of the table", () => {
  const offered = /compgen -W "(-h [^"]*)"/.exec(completionScript("bash"))?.[1]?.split(" ");
  const names = optionDocs().flatMap((doc) => [
    ...(doc.short === undefined ? [] : [`-${doc.short}`]),
    `--${doc.long}`,
  ]);
  deepStrictEqual(offered, names);
});

Deno.test({
  name: "completionScript('zsh') passes zsh -n and names every option",
  ignore: !runsWith(has("zsh")),
  fn() {
    withScript("zsh", (dir, file) => {
      const { code, out } = run("zsh", ["-n", file], dir);
      equal(code, 0, out);
      equal(out, "");
    });
    const script = completionScript("zsh");
    ok(script.startsWith("#compdef flom\n"));
    for (const doc of optionDocs()) ok(script.includes(`--${doc.long}`), doc.long);
    ok(script.includes("'(-)1:command:_command_names -e'"));
  },
});

Deno.test({
  name: "completionScript('fish') passes fish -n and completes in a real fish",
  ignore: !runsWith(has("fish")),
  fn() {
    withScript("fish", (dir, file) => {
      const check = run("fish", ["-n", file], dir);
      equal(check.code, 0, check.out);
      equal(check.out, "");
      const complete = (line: string) => {
        const { code, out } = run("fish", ["-c", `source ${file}; complete -C '${line}'`], dir);
        equal(code, 0, out);
        return out.split("\n").filter((row) => row !== "").map((row) => row.split("\t")[0]);
      };
      deepStrictEqual(complete("flom --lock-mode "), ["CR", "CW", "EX", "NL", "PR", "PW"]);
      deepStrictEqual(complete("flom -e "), ["no", "yes"]);
      deepStrictEqual(complete("flom --completions "), ["bash", "fish", "zsh"]);
      ok(complete("flom --loc").includes("--lock-mode"));
      ok(complete("flom -r backup -- ech").includes("echo"));
    });
  },
});
