import assert from "node:assert/strict";
import { AnswerBytes } from "./answer_bytes.ts";
import { encodeMessage } from "../protocol/codec.ts";
import { RC } from "../protocol/return_codes.ts";

const PEER_ID = "0123456789abcdef0123456789abcdef";

function encodedGrant(step: 16 | 24, fencingToken: string, element?: string): Uint8Array {
  return encodeMessage({
    kind: "lockAnswer",
    step,
    ...(step === 16 ? { peerId: PEER_ID } : {}),
    rc: RC.OK,
    ...(element === undefined ? {} : { element }),
    fencingToken,
  });
}

Deno.test("AnswerBytes.grant() gives the bytes the codec encodes, at both steps, with and without an element", () => {
  const answers = new AnswerBytes(PEER_ID);
  for (const step of [16, 24] as const) {
    for (const token of ["7", "7596313574973440001", "12345678901234567890"]) {
      assert.deepEqual(answers.grant(step, undefined, token), encodedGrant(step, token));
    }
    assert.deepEqual(answers.grant(step, "blue", "42"), encodedGrant(step, "42", "blue"));
  }
});

Deno.test("a recycled grant buffer carries the next grant's token and nothing of the one before", () => {
  const answers = new AnswerBytes(PEER_ID);
  const first = answers.grant(24, undefined, "7596313574973440001");
  answers.recycle(first);
  const second = answers.grant(24, undefined, "7596313574973440002");
  assert.equal(second.buffer, first.buffer, "the written buffer is used again");
  assert.deepEqual(second, encodedGrant(24, "7596313574973440002"));
  // Another length, or a buffer still being written, is not taken.
  const longer = answers.grant(24, undefined, "17596313574973440003");
  assert.notEqual(longer.buffer, first.buffer);
  assert.deepEqual(longer, encodedGrant(24, "17596313574973440003"));
  const third = answers.grant(16, undefined, "7596313574973440004");
  assert.notEqual(third.buffer, first.buffer);
  assert.deepEqual(third, encodedGrant(16, "7596313574973440004"));
});

Deno.test("answers without an element are encoded once", () => {
  const answers = new AnswerBytes(PEER_ID);
  const busy = answers.answer(16, RC.LOCK_BUSY);
  assert.equal(answers.answer(16, RC.LOCK_BUSY), busy);
  assert.deepEqual(
    busy,
    encodeMessage({ kind: "lockAnswer", step: 16, peerId: PEER_ID, rc: RC.LOCK_BUSY }),
  );
});
