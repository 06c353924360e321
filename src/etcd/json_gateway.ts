/**
 * etcd v3's JSON gateway (`POST /v3/...`, etcd 3.4 and later): request bodies built from values,
 * answers read into values. Pure: no fetch here (client.ts sends them). The gateway spells
 * protobuf's JSON mapping: keys and values are base64, 64-bit numbers are decimal strings, and a
 * field at its zero value is left out (no `succeeded` is false, no `TTL` is 0).
 */

/** One key and its value as etcd stores them; revisions are numbers (they stay below 2^53). */
export interface KeyValue {
  key: string;
  value: string;
  createRevision: number;
  modRevision: number;
  version: number;
  /** The lease the key is attached to, in decimal; "0" for none. */
  lease: string;
}

/** A compare of a txn: the key's mod revision or version against a number. */
export interface Compare {
  key: string;
  target: "MOD" | "VERSION" | "CREATE";
  result: "EQUAL" | "GREATER" | "LESS" | "NOT_EQUAL";
  value: number;
}

/** One operation of a txn. */
export type TxnOp =
  | { put: { key: string; value: string; lease?: string } }
  | { deleteRange: { key: string; rangeEnd?: string } };

/** What etcd answered to a txn: whether the compares held, and the store's revision after it. */
export interface TxnResult {
  succeeded: boolean;
  revision: number;
}

/** A change a watch reports. */
export interface WatchEvent {
  type: "PUT" | "DELETE";
  key: string;
  modRevision: number;
}

/** One message of a watch stream. */
export interface WatchMessage {
  /** The store's revision when the message was sent. */
  revision: number;
  created: boolean;
  canceled: boolean;
  /** The oldest revision still kept when the start revision was compacted away (else 0). */
  compactRevision: number;
  events: WatchEvent[];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Text (UTF-8) as the gateway's base64. */
export function toBase64(text: string): string {
  let binary = "";
  for (const byte of encoder.encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** The gateway's base64 as text (UTF-8). */
export function fromBase64(base64: string): string {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return decoder.decode(bytes);
}

/**
 * The end of the range of every key that starts with `prefix` (etcd's `range_end`): the prefix
 * with its last byte incremented. Prefixes here end in an ASCII byte below 0x7f.
 */
export function prefixEnd(prefix: string): string {
  const last = prefix.charCodeAt(prefix.length - 1);
  if (prefix === "" || last >= 0x7f) {
    throw new RangeError(`Cannot end a range after '${prefix}': give an ASCII prefix`);
  }
  return prefix.slice(0, -1) + String.fromCharCode(last + 1);
}

/** The body of `/v3/kv/range`. */
export function rangeBody(key: string, rangeEnd?: string): Record<string, unknown> {
  return {
    key: toBase64(key),
    ...(rangeEnd === undefined ? {} : { range_end: toBase64(rangeEnd) }),
  };
}

/** The body of `/v3/kv/txn`. */
export function txnBody(compare: Compare[], success: TxnOp[]): Record<string, unknown> {
  return {
    compare: compare.map(({ key, target, result, value }) => ({
      key: toBase64(key),
      target,
      result,
      [target === "MOD" ? "mod_revision" : target === "CREATE" ? "create_revision" : "version"]:
        String(value),
    })),
    success: success.map((op) =>
      "put" in op
        ? {
          request_put: {
            key: toBase64(op.put.key),
            value: toBase64(op.put.value),
            ...(op.put.lease === undefined ? {} : { lease: op.put.lease }),
          },
        }
        : { request_delete_range: rangeBody(op.deleteRange.key, op.deleteRange.rangeEnd) }
    ),
  };
}

/** The body of `/v3/watch` that opens a watch of `[key, rangeEnd)` from `startRevision`. */
export function watchBody(key: string, rangeEnd: string, startRevision: number) {
  return {
    create_request: {
      key: toBase64(key),
      range_end: toBase64(rangeEnd),
      start_revision: String(startRevision),
    },
  };
}

/** An error the gateway answered (`{"error", "code", "message"}`), or an answer of no known shape. */
export class EtcdError extends Error {
  override name = "EtcdError";
  constructor(message: string, readonly code: number | undefined) {
    super(message);
  }
}

type Json = Record<string, unknown>;

function object(value: unknown, what: string): Json {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new EtcdError(`Cannot read etcd's answer: ${what} is not an object`, undefined);
  }
  return value as Json;
}

function int(value: unknown): number {
  return value === undefined ? 0 : Number(value);
}

/** The answer's object, or the `EtcdError` it reports. */
export function answerOf(json: unknown): Json {
  const answer = object(json, "the answer");
  if ("error" in answer || ("code" in answer && "message" in answer)) {
    const message = String(answer.message ?? answer.error);
    throw new EtcdError(`etcd refused the request: ${message}`, int(answer.code));
  }
  return answer;
}

function headerRevision(answer: Json): number {
  return int(object(answer.header ?? {}, "the header").revision);
}

function keyValue(json: unknown): KeyValue {
  const kv = object(json, "a key");
  return {
    key: fromBase64(String(kv.key ?? "")),
    value: fromBase64(String(kv.value ?? "")),
    createRevision: int(kv.create_revision),
    modRevision: int(kv.mod_revision),
    version: int(kv.version),
    lease: String(kv.lease ?? "0"),
  };
}

/** The answer of `/v3/kv/range`: the keys and the store's revision they were read at. */
export function parseRange(json: unknown): { revision: number; kvs: KeyValue[] } {
  const answer = answerOf(json);
  const kvs = Array.isArray(answer.kvs) ? answer.kvs.map(keyValue) : [];
  return { revision: headerRevision(answer), kvs };
}

/** The answer of `/v3/kv/txn`. */
export function parseTxn(json: unknown): TxnResult {
  const answer = answerOf(json);
  return { succeeded: answer.succeeded === true, revision: headerRevision(answer) };
}

/** The answer of `/v3/lease/grant`: the lease's id (decimal) and its TTL in seconds. */
export function parseLeaseGrant(json: unknown): { id: string; ttl: number } {
  const answer = answerOf(json);
  if (answer.ID === undefined) throw new EtcdError("etcd granted no lease", undefined);
  return { id: String(answer.ID), ttl: int(answer.TTL) };
}

/** The answer of `/v3/lease/keepalive`: the TTL restored, 0 when the lease has expired. */
export function parseKeepAlive(json: unknown): number {
  const answer = answerOf(json);
  return int(object(answer.result ?? {}, "the result").TTL);
}

/** One line of a watch stream: `{"result": {...}}` or an error. */
export function parseWatchMessage(json: unknown): WatchMessage {
  const result = object(answerOf(json).result ?? {}, "the result");
  const events = Array.isArray(result.events) ? result.events : [];
  return {
    revision: headerRevision(result),
    created: result.created === true,
    canceled: result.canceled === true,
    compactRevision: int(result.compact_revision),
    events: events.map((json) => {
      const event = object(json, "an event");
      const kv = object(event.kv ?? {}, "an event's key");
      return {
        type: event.type === "DELETE" ? "DELETE" : "PUT",
        key: fromBase64(String(kv.key ?? "")),
        modRevision: int(kv.mod_revision),
      };
    }),
  };
}
