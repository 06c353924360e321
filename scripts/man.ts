/**
 * Writes the flom(1) man page (src/cli/man_page.ts) to the file given, or to stdout: `deno task
 * man [FILE]`. Its differences from FLoM 1.7.2 are the README's list of that name.
 */
import { manPage } from "../src/cli/man_page.ts";
import { VERSION } from "../src/cli/version.ts";

const root = decodeURIComponent(new URL("..", import.meta.url).pathname);

/** The items of the README's "Differences from FLoM 1.7.2" list, as Markdown. */
export function readmeDifferences(readme: string): string[] {
  const start = readme.indexOf("\n## Differences from FLoM 1.7.2\n");
  if (start < 0) throw new Error("Cannot find the README's 'Differences from FLoM 1.7.2'");
  const section = readme.slice(start).split("\n").slice(2);
  const end = section.findIndex((line) => line.startsWith("#"));
  const items: string[] = [];
  for (const line of end < 0 ? section : section.slice(0, end)) {
    if (line.startsWith("- ")) items.push(line.slice(2));
    else if (line.startsWith("  ") && items.length > 0) items.push(`${items.pop()}\n${line}`);
  }
  return items;
}

if (import.meta.main) {
  const page = manPage({
    version: VERSION,
    differences: readmeDifferences(Deno.readTextFileSync(`${root}README.md`)),
  });
  if (Deno.args[0] === undefined) await Deno.stdout.write(new TextEncoder().encode(page));
  else Deno.writeTextFileSync(Deno.args[0], page);
}
