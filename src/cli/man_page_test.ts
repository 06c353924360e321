import { deepStrictEqual, equal, match, ok } from "node:assert/strict";
import { inline, manPage } from "./man_page.ts";
import { helpText } from "./help.ts";
import { optionDocs } from "./option_docs.ts";
import { ROOT, runsWith } from "../../tests/harness.ts";
import { readmeDifferences } from "../../scripts/man.ts";

function has(program: string, args: string[]): boolean {
  try {
    return new Deno.Command(program, { args, stdout: "null", stderr: "null" }).outputSync()
      .success;
  } catch {
    return false;
  }
}

const DIFFERENCES = readmeDifferences(Deno.readTextFileSync(`${ROOT}README.md`));

/** The page as `deno task man` writes it, rendered by man-db at `width` columns. */
function render(width: number): { text: string; warnings: string } {
  const dir = Deno.makeTempDirSync({ prefix: "flm" });
  try {
    const written = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-read", "--allow-write", `${ROOT}scripts/man.ts`, `${dir}/flom.1`],
      stdin: "null",
    }).outputSync();
    equal(written.code, 0, new TextDecoder().decode(written.stderr));
    const output = new Deno.Command("man", {
      args: ["--warnings", "-l", `${dir}/flom.1`],
      env: { MANWIDTH: String(width), MAN_KEEP_FORMATTING: "", PAGER: "cat", LC_ALL: "C.UTF-8" },
      stdin: "null",
    }).outputSync();
    const text = new TextDecoder();
    equal(output.code, 0, text.decode(output.stderr));
    return { text: text.decode(output.stdout), warnings: text.decode(output.stderr) };
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

Deno.test({
  name: "flom(1) renders with man -l without a warning, at 80 and 200 columns",
  ignore: !runsWith(has("man", ["--version"])),
  fn() {
    for (const width of [80, 200]) equal(render(width).warnings, "", `${width} columns`);
  },
});

Deno.test({
  name: "flom(1) shows every option of --help, its configuration key and its default",
  ignore: !runsWith(has("man", ["--version"])),
  fn() {
    const { text } = render(200);
    const helpOptions = [...helpText().matchAll(/^ {2}(?:-(\S), )?--(\S+)/gm)];
    equal(helpOptions.length, optionDocs().length);
    for (const [, short, long] of helpOptions) {
      const names = short === undefined ? `--${long}` : `-${short}, --${long}`;
      match(text, new RegExp(`^ {7}${names.replace(/[?]/g, "\\?")}\\b`, "m"), names);
    }
    for (const doc of optionDocs()) {
      if (doc.configKey !== undefined) ok(text.includes(`Configuration key ${doc.configKey}`));
      if (doc.defaultValue !== undefined) ok(text.includes(`default ${doc.defaultValue}`));
    }
    for (
      const heading of [
        "SYNOPSIS",
        "RESOURCES",
        "LOCK MODES",
        "EXIT STATUS",
        "ENVIRONMENT",
        "FILES",
        "EXAMPLES",
        "DIFFERENCES FROM FLoM 1.7.2",
      ]
    ) match(text, new RegExp(`^${heading}$`, "m"));
    for (
      const variable of [
        "FLOM_TRACE_MASK",
        "FLOM_RESOURCE_NAME",
        "FLOM_RESOURCE_ELEMENT",
        "FLOM_FENCING_TOKEN",
      ]
    ) match(text, new RegExp(`^ {7}${variable}$`, "m"));
    for (const status of ["96", "97", "98", "99"]) match(text, new RegExp(`^ {7}${status} `, "m"));
    // Every difference of the README, one bullet each.
    equal([...text.matchAll(/^ {7}\u2022 /gm)].length, DIFFERENCES.length);
  },
});

Deno.test({
  name: "flom(1) passes groff -ww without a warning",
  ignore: !runsWith(has("groff", ["--version"])),
  fn() {
    const page = manPage({ version: "0.1.0", differences: DIFFERENCES });
    const output = new Deno.Command("groff", {
      args: ["-ww", "-z", "-man", "-Tutf8"],
      stdin: "piped",
      stderr: "piped",
    }).spawn();
    const writer = output.stdin.getWriter();
    writer.write(new TextEncoder().encode(page)).then(() => writer.close());
    return output.output().then(({ code, stderr }) => {
      const warnings = new TextDecoder().decode(stderr);
      equal(code, 0, warnings);
      equal(warnings, "");
    });
  },
});

Deno.test("readmeDifferences() reads the README's list, one item each, continued lines joined", () => {
  ok(DIFFERENCES.length > 20);
  ok(DIFFERENCES.every((item) => !item.startsWith("- ")));
  equal(DIFFERENCES[0], "Errors always go to stderr; the original prints some on stdout.");
});

Deno.test("inline() turns Markdown into roff: code in bold, links as text, escapes", () => {
  deepStrictEqual(
    [
      inline("`-d 0` and [TLS](#tls)"),
      inline(".dot first"),
      inline("a\\b … c"),
      inline("two\n  lines"),
    ],
    ["\\fB\\-d 0\\fR and TLS", "\\&.dot first", "a\\eb \\[u2026] c", "two lines"],
  );
});
