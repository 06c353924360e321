import assert from "node:assert/strict";
import { ConfigSyntaxError, type KeyFile, parseKeyFile } from "./keyfile.ts";

function value(file: KeyFile, group: string, key: string): string | undefined {
  return file.get(group)?.get(key)?.value;
}

Deno.test("parseKeyFile() reads groups, keys, comments and blank lines", () => {
  const file = parseKeyFile(
    "# flom.conf\n\n[Trace]\nVerbose=yes\n  # indented comment\n[Resource]\nName=MYRES\nTimeout=100\n",
  );
  assert.deepEqual([...file.keys()], ["Trace", "Resource"]);
  assert.deepEqual(file.get("Resource")?.get("Timeout"), { value: "100", line: 8 });
  assert.equal(value(file, "Trace", "Verbose"), "yes");
  assert.equal(value(file, "Resource", "Name"), "MYRES");
});

Deno.test("parseKeyFile() ignores blanks around the key and before the value only", () => {
  const file = parseKeyFile("[Daemon]\n  SocketName \t=  /tmp/x y  \nEmpty=\n");
  assert.equal(value(file, "Daemon", "SocketName"), "/tmp/x y  ");
  assert.equal(value(file, "Daemon", "Empty"), "");
});

Deno.test("parseKeyFile() accepts blanks after a group header and CRLF line ends", () => {
  const file = parseKeyFile("[Resource]  \r\nName=A\r\n");
  assert.equal(value(file, "Resource", "Name"), "A");
});

Deno.test("parseKeyFile() decodes the escapes of values", () => {
  const file = parseKeyFile("[G]\nK=a\\sb\\nc\\td\\re\\\\f\nL=\\s lead\n");
  assert.equal(value(file, "G", "K"), "a b\nc\td\re\\f");
  assert.equal(value(file, "G", "L"), "  lead");
});

Deno.test("parseKeyFile() keeps the last of repeated keys and merges repeated groups", () => {
  const file = parseKeyFile("[Resource]\nName=A\n[Daemon]\n[Resource]\nName=B\nTimeout=1\n");
  assert.deepEqual(file.get("Resource")?.get("Name"), { value: "B", line: 5 });
  assert.equal(value(file, "Resource", "Timeout"), "1");
});

Deno.test("parseKeyFile() keeps group and key names case sensitive", () => {
  const file = parseKeyFile("[resource]\nname=A\n");
  assert.equal(value(file, "Resource", "Name"), undefined);
  assert.equal(value(file, "resource", "name"), "A");
});

Deno.test("parseKeyFile() reports a bad line with its number", () => {
  const cases: [string, number, string][] = [
    ["[Resource]\nName=A\nthis is not a key\n", 3, "expected a [Group] header"],
    ["[Resource]\n=value\n", 2, "expected a [Group] header"],
    ["[Resource\n", 1, "expected a [Group] header"],
    ["[]\n", 1, "expected a [Group] header"],
    ["# comment\nName=A\n", 2, "key 'Name' comes before any [Group] header"],
    ["[G]\n\nK=a\\qb\n", 3, "invalid escape sequence '\\q'"],
    ["[G]\nK=ab\\\n", 2, "escape character at end of line"],
  ];
  for (const [text, line, detail] of cases) {
    assert.throws(() => parseKeyFile(text), (error) => {
      assert.ok(error instanceof ConfigSyntaxError);
      assert.ok(error instanceof SyntaxError);
      assert.equal(error.line, line, text);
      assert.ok(error.detail.startsWith(detail), error.detail);
      assert.equal(error.message, `line ${line}: ${error.detail}`);
      return true;
    });
  }
});

Deno.test("parseKeyFile() reads an empty text as no groups", () => {
  assert.equal(parseKeyFile("").size, 0);
});
