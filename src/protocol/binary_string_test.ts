import assert from "node:assert/strict";
import { fromBinaryString, toBase64, toBinaryString } from "./binary_string.ts";

Deno.test("toBinaryString() gives one char per UTF-8 byte", { permissions: "none" }, () => {
  assert.equal(toBinaryString("R1"), "R1");
  assert.equal(toBinaryString("café"), "caf\xc3\xa9");
  assert.equal(toBinaryString("\u{1F600}"), "\xf0\x9f\x98\x80");
  assert.equal(toBinaryString(""), "");
});

Deno.test("fromBinaryString() decodes UTF-8 back", { permissions: "none" }, () => {
  for (const name of ["_RESOURCE", "café", "/a/ü/\u{1F600}", ""]) {
    assert.equal(fromBinaryString(toBinaryString(name)), name);
  }
});

Deno.test("fromBinaryString() turns invalid sequences into U+FFFD", { permissions: "none" }, () => {
  assert.equal(fromBinaryString("a\xffb\xc3"), "a\ufffdb\ufffd");
  assert.equal(fromBinaryString("\xef\xbb\xbfx"), "\ufeffx");
});

Deno.test(
  "toBase64() equals btoa() for every length and every byte value",
  { permissions: "none" },
  () => {
    const all = Array.from({ length: 256 }, (_, code) => String.fromCharCode(code)).join("");
    for (let length = 0; length <= 12; length++) {
      for (let start = 0; start + length <= all.length; start += 37) {
        const binary = all.slice(start, start + length);
        assert.equal(toBase64(binary), btoa(binary));
      }
    }
    assert.equal(toBase64("_RESOURCE"), "X1JFU09VUkNF");
    assert.throws(() => toBase64("\u0100"), RangeError);
  },
);
