/**
 * MessageStream over in-memory connections (src/transport/_memory_conn.ts): framing across reads,
 * pipelined messages, the end of the stream, and the order of writes. No socket, no permission.
 */
import assert from "node:assert/strict";
import { encodeMessage } from "../protocol/codec.ts";
import type { Message } from "../protocol/messages.ts";
import { ProtocolError } from "../errors.ts";
import { RC } from "../protocol/return_codes.ts";
import { memoryConnPair } from "./_memory_conn.ts";
import { type MessageHandler, MessageStream } from "./message_stream.ts";
import type { StreamConn } from "./stream_conn.ts";

const LIMIT = 1023;
const PING: Message = { kind: "ping", step: 8 };
const UNLOCK: Message = { kind: "unlock", name: "R", rollback: true };
const GRANT: Message = { kind: "lockAnswer", step: 24, rc: RC.OK, element: "red" };

/** A stream on one end of a memory connection, and the raw other end. */
function streamPair(wrap: (conn: StreamConn) => StreamConn = (conn) => conn) {
  const [near, far] = memoryConnPair();
  return { stream: new MessageStream(wrap(near), LIMIT), far };
}

/** Everything the raw end receives until the stream's end, decoded as text. */
async function readAll(conn: StreamConn): Promise<string> {
  const chunks: Uint8Array[] = [];
  const buffer = new Uint8Array(64);
  for (let n = await conn.read(buffer); n !== null; n = await conn.read(buffer)) {
    chunks.push(buffer.slice(0, n));
  }
  return new TextDecoder().decode(new Uint8Array(chunks.flatMap((chunk) => [...chunk])));
}

const text = (message: Message) => new TextDecoder().decode(encodeMessage(message));

Deno.test("MessageStream.read() returns each message, however the bytes were cut", {
  permissions: "none",
}, async () => {
  const { stream, far } = streamPair();
  // Two messages in one write, then one a byte at a time.
  await far.write(new Uint8Array([...encodeMessage(PING), ...encodeMessage(UNLOCK)]));
  for (const byte of encodeMessage(GRANT)) await far.write(new Uint8Array([byte]));
  await far.closeWrite();
  assert.deepEqual(await stream.read(), PING);
  assert.deepEqual(await stream.read(), UNLOCK);
  assert.deepEqual(await stream.read(), GRANT);
  assert.equal(await stream.read(), null);
  stream.close();
});

Deno.test("MessageStream.read() reads a message longer than one read chunk (512 bytes)", {
  permissions: "none",
}, async () => {
  const { stream, far } = streamPair();
  const long: Message = { kind: "unlock", name: "x".repeat(600), rollback: false };
  assert.ok(encodeMessage(long).length > 512);
  await far.write(encodeMessage(long));
  assert.deepEqual(await stream.read(), long);
  stream.close();
});

Deno.test("MessageStream.read() throws RECV_ERROR when the stream ends inside a message", {
  permissions: "none",
}, async () => {
  const { stream, far } = streamPair();
  await far.write(encodeMessage(PING).subarray(0, 20));
  await far.closeWrite();
  await assert.rejects(
    stream.read(),
    (error: unknown) => error instanceof ProtocolError && error.rc === RC.RECV_ERROR,
  );
  stream.close();
});

Deno.test("MessageStream.read() throws BUFFER_OVERFLOW for a message over its limit", {
  permissions: "none",
}, async () => {
  const [near, far] = memoryConnPair();
  const stream = new MessageStream(near, 100);
  await far.write(encodeMessage({ kind: "unlock", name: "x".repeat(100), rollback: false }));
  await assert.rejects(
    stream.read(),
    (error: unknown) => error instanceof ProtocolError && error.rc === RC.BUFFER_OVERFLOW,
  );
  stream.close();
});

Deno.test("MessageStream.read() throws the codec's error for a framed message that is none", {
  permissions: "none",
}, async () => {
  const { stream, far } = streamPair();
  await far.write(new TextEncoder().encode('<msg level="2" verb="1" step="8"></msg>'));
  await assert.rejects(
    stream.read(),
    (error: unknown) => error instanceof ProtocolError && error.rc === RC.PROTOCOL_LEVEL_MISMATCH,
  );
  stream.close();
});

/** A handler that records what it is given and stops after `stopAfter` messages. */
function recorder(stopAfter = Infinity) {
  const messages: Message[] = [];
  const ends: unknown[][] = [];
  const handler: MessageHandler = {
    onMessage(message) {
      messages.push(message);
      return messages.length < stopAfter;
    },
    onEnd(...error) {
      ends.push(error);
    },
  };
  return { handler, messages, ends };
}

Deno.test("MessageStream.pump() hands over every message, then ends once without an error", {
  permissions: "none",
}, async () => {
  const { stream, far } = streamPair();
  const { handler, messages, ends } = recorder();
  const pumping = stream.pump(handler);
  await far.write(new Uint8Array([...encodeMessage(PING), ...encodeMessage(UNLOCK)]));
  await far.write(encodeMessage(GRANT));
  await far.closeWrite();
  await pumping;
  assert.deepEqual(messages, [PING, UNLOCK, GRANT]);
  assert.deepEqual(ends, [[undefined]]);
  stream.close();
});

Deno.test(
  "MessageStream.pump() stopped by its handler leaves the next pipelined message to read()",
  {
    permissions: "none",
  },
  async () => {
    const { stream, far } = streamPair();
    const { handler, messages, ends } = recorder(1);
    await far.write(new Uint8Array([...encodeMessage(PING), ...encodeMessage(UNLOCK)]));
    await stream.pump(handler);
    assert.deepEqual(messages, [PING]);
    assert.deepEqual(ends, [[undefined]]);
    assert.deepEqual(await stream.read(), UNLOCK);
    stream.close();
  },
);

Deno.test("MessageStream.pump() ends with the error that stopped the reading", {
  permissions: "none",
}, async () => {
  const { stream, far } = streamPair();
  const { handler, messages, ends } = recorder();
  await far.write(encodeMessage(PING));
  await far.write(new TextEncoder().encode("<half"));
  await far.closeWrite();
  await stream.pump(handler);
  assert.deepEqual(messages, [PING]);
  assert.equal(ends.length, 1);
  const [error] = ends[0]!;
  assert.ok(error instanceof ProtocolError && error.rc === RC.RECV_ERROR, String(error));
  stream.close();
});

/** A connection that writes at most one byte per call, one event-loop turn later. */
function byteByByte(conn: StreamConn): StreamConn {
  return {
    ...conn,
    write: async (data) => {
      await new Promise<void>((resolve) => queueMicrotask(resolve));
      return await conn.write(data.subarray(0, 1));
    },
  };
}

Deno.test("MessageStream.write() never interleaves messages sent without waiting", {
  permissions: "none",
}, async () => {
  const { stream, far } = streamPair(byteByByte);
  const writes = [stream.write(PING), stream.write(UNLOCK), stream.write(GRANT)];
  await Promise.all(writes);
  await stream.closeWrite();
  assert.equal(await readAll(far), text(PING) + text(UNLOCK) + text(GRANT));
  stream.close();
});

Deno.test("MessageStream.write() hands the bytes to the connection within the call", {
  permissions: "none",
}, () => {
  const written: Uint8Array[] = [];
  const [near] = memoryConnPair();
  const stream = new MessageStream({
    ...near,
    write: (data) => {
      written.push(data.slice());
      return Promise.resolve(data.length);
    },
  }, LIMIT);
  const done = stream.write(PING);
  assert.deepEqual(written, [encodeMessage(PING)]);
  stream.close();
  return done;
});

Deno.test("MessageStream.write() that fails rejects, and later writes still go out in order", {
  permissions: "none",
}, async () => {
  let failures = 1;
  const { stream, far } = streamPair((conn) => ({
    ...conn,
    write: (data) =>
      failures-- > 0 ? Promise.reject(new Deno.errors.ConnectionReset("reset")) : conn.write(data),
  }));
  const first = stream.write(PING);
  const second = stream.write(UNLOCK);
  await assert.rejects(first, Deno.errors.ConnectionReset);
  await second;
  await stream.closeWrite();
  assert.equal(await readAll(far), text(UNLOCK));
  stream.close();
});

Deno.test("MessageStream.closeWrite() waits for pending writes, and tells the peer the end", {
  permissions: "none",
}, async () => {
  const { stream, far } = streamPair(byteByByte);
  const written = stream.write(GRANT);
  await stream.closeWrite();
  assert.equal(await readAll(far), text(GRANT));
  await written;
  // The peer may still answer a half-closed stream.
  await far.write(encodeMessage(PING));
  assert.deepEqual(await stream.read(), PING);
  stream.close();
});

Deno.test("MessageStream.closeWrite() ignores a peer that is gone", {
  permissions: "none",
}, async () => {
  const { stream } = streamPair((conn) => ({
    ...conn,
    closeWrite: () => Promise.reject(new Deno.errors.NotConnected("gone")),
  }));
  await stream.closeWrite();
  stream.close();
});

Deno.test("MessageStream.close() closes the connection once", { permissions: "none" }, async () => {
  let closes = 0;
  const { stream, far } = streamPair((conn) => ({
    ...conn,
    close: () => {
      closes++;
      conn.close();
    },
  }));
  stream.close();
  stream.close();
  assert.equal(closes, 1);
  assert.equal(await far.read(new Uint8Array(8)), null);
});

Deno.test("MessageStream reads into the buffer it was given", { permissions: "none" }, async () => {
  const [near, far] = memoryConnPair();
  const buffer = new Uint8Array(512);
  const stream = new MessageStream(near, LIMIT, buffer);
  assert.equal(stream.readBuffer, buffer);
  await far.write(encodeMessage(PING));
  assert.deepEqual(await stream.read(), PING);
  assert.equal(new TextDecoder().decode(buffer.subarray(0, text(PING).length)), text(PING));
  stream.close();
});
