import assert from "node:assert/strict";
import { FencingTokens } from "./fencing.ts";

Deno.test("FencingTokens.next() gives strictly increasing tokens, however fast and whatever the clock does", () => {
  let now = Date.UTC(2026, 11, 6);
  const tokens = new FencingTokens(() => now);
  const given = [tokens.next(), tokens.next()];
  now += 5;
  given.push(tokens.next());
  now -= 1000; // the clock steps back
  given.push(tokens.next(), tokens.next());
  const numbers = given.map(BigInt);
  for (let i = 1; i < numbers.length; i++) {
    assert.ok(numbers[i]! > numbers[i - 1]!, given.join(" "));
  }
  assert.equal(given[0], (BigInt(Date.UTC(2026, 11, 6)) * 4194304n).toString());
  assert.equal(numbers[1]! - numbers[0]!, 1n);
});

Deno.test("FencingTokens of a daemon started later begin above an earlier daemon's", () => {
  let now = Date.UTC(2026, 11, 6);
  const first = new FencingTokens(() => now);
  let last = 0n;
  for (let i = 0; i < 100_000; i++) last = BigInt(first.next());
  now += 1;
  const second = new FencingTokens(() => now);
  assert.ok(BigInt(second.next()) > last);
});
