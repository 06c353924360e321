/**
 * Comments and docs point only to files inside the repository: every path they name exists, and
 * none names a document kept elsewhere.
 */
import { deepStrictEqual } from "node:assert/strict";
import { ROOT } from "./harness.ts";

// A repository path as comments write it: a top folder or file, then more path.
const REFERENCE =
  /\b((?:src|tests|scripts|docs|\.github)\/[A-Za-z0-9_./-]*[A-Za-z0-9_]|(?:README|DESIGN|STYLE|DENO_NOTES)\.md|spec\/[a-z-]+\.(?:md|txt))/g;

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of Deno.readDirSync(`${ROOT}${dir}`)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory && entry.name !== "fixtures") yield* sourceFiles(path);
    else if (entry.isFile && /\.(ts|md)$/.test(entry.name)) yield path;
  }
}

function exists(path: string): boolean {
  try {
    Deno.statSync(`${ROOT}${path}`);
    return true;
  } catch {
    return false;
  }
}

Deno.test("every file that source, tests, scripts and docs name is in the repository", () => {
  const missing: string[] = [];
  const files = [
    "main.ts",
    "mod.ts",
    "README.md",
    ...["src", "tests", "scripts", "docs"].flatMap(
      (dir) => [...sourceFiles(dir)],
    ),
  ];
  for (const file of files) {
    const text = Deno.readTextFileSync(`${ROOT}${file}`);
    for (const [reference] of text.matchAll(REFERENCE)) {
      // A glob or a folder named with a trailing part of a sentence is not a file reference.
      const path = reference!.replace(/\.$/, "");
      if (path.includes("*") || exists(path)) continue;
      missing.push(`${file}: ${path}`);
    }
  }
  deepStrictEqual(missing, []);
});
