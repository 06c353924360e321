import { ProtocolError } from "../errors.ts";
import assert from "node:assert/strict";
import { decodeMessage } from "./codec.ts";
import { MessageFramer } from "./framing.ts";
import { MAX_DAEMON_MESSAGE_BYTES } from "./messages.ts";
import { RC } from "./return_codes.ts";

const utf8 = new TextEncoder();
const text = new TextDecoder();

const DISCOVER = '<?xml version="1.0" encoding="UTF-8" ?><msg level="3" verb="4" step="8"></msg>';
const UNLOCK =
  '<?xml version="1.0" encoding="UTF-8" ?><msg level="3" verb="2" step="8"><resource name="UjE=" rollback="0" /></msg>';

function strings(messages: Uint8Array[]): string[] {
  return messages.map((message) => text.decode(message));
}

function isOverflow(error: unknown): boolean {
  return error instanceof ProtocolError && error.rc === RC.BUFFER_OVERFLOW;
}

Deno.test("MessageFramer.push() returns a whole message", { permissions: "none" }, () => {
  const framer = new MessageFramer(MAX_DAEMON_MESSAGE_BYTES);
  assert.deepEqual(strings(framer.push(utf8.encode(DISCOVER))), [DISCOVER]);
  assert.equal(framer.pendingBytes, 0);
});

Deno.test(
  "MessageFramer.push() splits pipelined messages in one chunk",
  { permissions: "none" },
  () => {
    const framer = new MessageFramer(MAX_DAEMON_MESSAGE_BYTES);
    const chunk = utf8.encode(DISCOVER + UNLOCK + DISCOVER.slice(0, 10));
    assert.deepEqual(strings(framer.push(chunk)), [DISCOVER, UNLOCK]);
    assert.equal(framer.pendingBytes, 10);
    assert.deepEqual(strings(framer.push(utf8.encode(DISCOVER.slice(10)))), [DISCOVER]);
    assert.equal(framer.pendingBytes, 0);
  },
);

Deno.test(
  "MessageFramer.push() finds a terminator split across chunks",
  { permissions: "none" },
  () => {
    const stream = DISCOVER + UNLOCK;
    for (let split = 0; split <= stream.length; split++) {
      const framer = new MessageFramer(MAX_DAEMON_MESSAGE_BYTES);
      const messages = [
        ...framer.push(utf8.encode(stream.slice(0, split))),
        ...framer.push(utf8.encode(stream.slice(split))),
      ];
      assert.deepEqual(strings(messages), [DISCOVER, UNLOCK], `split at ${split}`);
    }
  },
);

Deno.test("MessageFramer.push() accepts one byte at a time", { permissions: "none" }, () => {
  const framer = new MessageFramer(MAX_DAEMON_MESSAGE_BYTES);
  const messages: Uint8Array[] = [];
  for (const byte of utf8.encode(UNLOCK + DISCOVER + UNLOCK)) {
    messages.push(...framer.push(new Uint8Array([byte])));
  }
  assert.deepEqual(strings(messages), [UNLOCK, DISCOVER, UNLOCK]);
});

Deno.test(
  "MessageFramer.push() is not fooled by a partial terminator",
  { permissions: "none" },
  () => {
    const framer = new MessageFramer(MAX_DAEMON_MESSAGE_BYTES);
    const tricky = "<msg></ms</</msg</msg>";
    assert.deepEqual(strings(framer.push(utf8.encode(tricky + "</m"))), [tricky]);
    assert.deepEqual(strings(framer.push(utf8.encode("sg<</msg>"))), ["</msg<</msg>"]);
  },
);

Deno.test("MessageFramer.push() keeps stray bytes as the start of the next message", {
  permissions: "none",
}, () => {
  const framer = new MessageFramer(MAX_DAEMON_MESSAGE_BYTES);
  const messages = framer.push(utf8.encode(`${UNLOCK}\n${DISCOVER}\n`));
  assert.deepEqual(strings(messages), [UNLOCK, `\n${DISCOVER}`]);
  assert.equal(framer.pendingBytes, 1);
  assert.deepEqual(decodeMessage(messages[1] ?? new Uint8Array()), { kind: "discover" });
});

Deno.test(
  "MessageFramer.push() returns a view of a message within the chunk, a copy of one across chunks",
  { permissions: "none" },
  () => {
    const framer = new MessageFramer(MAX_DAEMON_MESSAGE_BYTES);
    const chunk = utf8.encode(DISCOVER);
    const [whole] = framer.push(chunk);
    assert.equal(whole?.buffer, chunk.buffer);
    const first = utf8.encode(DISCOVER.slice(0, 10));
    const second = utf8.encode(DISCOVER.slice(10));
    assert.deepEqual(framer.push(first), []);
    const [joined] = framer.push(second);
    first.fill(0);
    second.fill(0);
    assert.equal(text.decode(joined), DISCOVER);
  },
);

Deno.test(
  "MessageFramer.push() accepts a message of exactly the limit",
  { permissions: "none" },
  () => {
    const framer = new MessageFramer(511);
    const message = "x".repeat(505) + "</msg>";
    assert.equal(message.length, 511);
    assert.deepEqual(strings(framer.push(utf8.encode(message + message))), [message, message]);
  },
);

Deno.test(
  "MessageFramer.push() refuses a message one byte over the limit",
  { permissions: "none" },
  () => {
    const message = utf8.encode("x".repeat(506) + "</msg>");
    assert.throws(() => new MessageFramer(511).push(message), isOverflow);
    const framer = new MessageFramer(511);
    framer.push(message.subarray(0, 511));
    assert.equal(framer.pendingBytes, 511);
    assert.throws(() => framer.push(message.subarray(511)), isOverflow);
  },
);

Deno.test("MessageFramer.push() refuses an unterminated run as soon as it passes the limit", {
  permissions: "none",
}, () => {
  const framer = new MessageFramer(511);
  assert.deepEqual(framer.push(new Uint8Array(300)), []);
  assert.deepEqual(framer.push(new Uint8Array(211)), []);
  assert.throws(() => framer.push(new Uint8Array(1)), isOverflow);
  assert.throws(() => new MessageFramer(1023).push(new Uint8Array(4096)), isOverflow);
});

Deno.test("MessageFramer.push() splits many pipelined messages in one pass", {
  permissions: "none",
}, () => {
  const framer = new MessageFramer(511);
  const many = utf8.encode(UNLOCK.repeat(10_000));
  assert.equal(framer.push(many).length, 10_000);
  assert.equal(framer.pendingBytes, 0);
});
