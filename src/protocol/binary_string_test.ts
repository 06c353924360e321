import assert from "node:assert/strict";
import { fromBinaryString, toBinaryString } from "./binary_string.ts";

Deno.test("toBinaryString() gives one char per UTF-8 byte", () => {
  assert.equal(toBinaryString("R1"), "R1");
  assert.equal(toBinaryString("café"), "caf\xc3\xa9");
  assert.equal(toBinaryString("\u{1F600}"), "\xf0\x9f\x98\x80");
  assert.equal(toBinaryString(""), "");
});

Deno.test("fromBinaryString() decodes UTF-8 back", () => {
  for (const name of ["_RESOURCE", "café", "/a/ü/\u{1F600}", ""]) {
    assert.equal(fromBinaryString(toBinaryString(name)), name);
  }
});

Deno.test("fromBinaryString() turns invalid sequences into U+FFFD", () => {
  assert.equal(fromBinaryString("a\xffb\xc3"), "a\ufffdb\ufffd");
  assert.equal(fromBinaryString("\xef\xbb\xbfx"), "\ufeffx");
});
