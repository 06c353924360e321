import assert from "node:assert/strict";
import {
  EtcdError,
  fromBase64,
  parseKeepAlive,
  parseRange,
  parseTxn,
  parseWatchMessage,
  prefixEnd,
  toBase64,
  txnBody,
} from "./json_gateway.ts";

// Answers as etcd 3.4.23's gateway sent them (zero values left out).
const HEADER = { cluster_id: "1", member_id: "2", revision: "7", raft_term: "2" };

Deno.test("toBase64() and fromBase64() carry UTF-8 text and binary-string names", () => {
  assert.equal(toBase64("foo"), "Zm9v");
  for (const text of ["/flom/db/v", "/flom/%C3%A9/1/0000000001", "é€"]) {
    assert.equal(fromBase64(toBase64(text)), text);
  }
});

Deno.test("prefixEnd() ends the range of a prefix after its last byte", () => {
  assert.equal(prefixEnd("/flom/db/"), "/flom/db0");
  assert.throws(() => prefixEnd(""), RangeError);
});

Deno.test("txnBody() spells compares and operations as the gateway reads them", () => {
  assert.deepEqual(
    txnBody([{ key: "k", target: "MOD", result: "EQUAL", value: 0 }], [
      { put: { key: "k", value: "v", lease: "42" } },
      { deleteRange: { key: "x" } },
    ]),
    {
      compare: [{ key: "aw==", target: "MOD", result: "EQUAL", mod_revision: "0" }],
      success: [
        { request_put: { key: "aw==", value: "dg==", lease: "42" } },
        { request_delete_range: { key: "eA==" } },
      ],
    },
  );
});

Deno.test("parseRange() and parseTxn() read revisions, keys and zero values left out", () => {
  const range = parseRange({
    header: HEADER,
    kvs: [{ key: "Zm9v", create_revision: "2", mod_revision: "3", version: "2", value: "YmF6" }],
    count: "1",
  });
  assert.deepEqual(range, {
    revision: 7,
    kvs: [{
      key: "foo",
      value: "baz",
      createRevision: 2,
      modRevision: 3,
      version: 2,
      lease: "0",
    }],
  });
  assert.deepEqual(parseRange({ header: HEADER }), { revision: 7, kvs: [] });
  assert.deepEqual(parseTxn({ header: HEADER, succeeded: true }), { succeeded: true, revision: 7 });
  assert.deepEqual(parseTxn({ header: HEADER }), { succeeded: false, revision: 7 });
});

Deno.test("parseKeepAlive() reads an expired lease as TTL 0", () => {
  assert.equal(parseKeepAlive({ result: { header: HEADER, ID: "9", TTL: "10" } }), 10);
  assert.equal(parseKeepAlive({ result: { header: HEADER, ID: "9" } }), 0);
});

Deno.test("parseWatchMessage() reads events, deletions included", () => {
  const message = parseWatchMessage({
    result: {
      header: HEADER,
      events: [{ type: "DELETE", kv: { key: "Zm9v", mod_revision: "4" } }, {
        kv: { key: "Zm9v", mod_revision: "5", value: "YmF6" },
      }],
    },
  });
  assert.deepEqual(message.events, [
    { type: "DELETE", key: "foo", modRevision: 4 },
    { type: "PUT", key: "foo", modRevision: 5 },
  ]);
  assert.equal(parseWatchMessage({ result: { header: HEADER, created: true } }).created, true);
});

Deno.test("an error answer becomes an EtcdError with its gRPC code", () => {
  const error = { error: "etcdserver: requested lease not found", code: 5, message: "x" };
  assert.throws(() => parseKeepAlive(error), (thrown) => {
    assert.ok(thrown instanceof EtcdError);
    assert.equal(thrown.code, 5);
    return true;
  });
});
