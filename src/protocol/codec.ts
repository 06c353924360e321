/**
 * The bytes of a message (docs/compatibility.md, "Wire protocol"). Encoding reproduces the
 * original's output byte for byte. Decoding is as tolerant as the GLib GMarkup parser the original
 * reads with, and strict where the original marks a message invalid.
 *
 * flom's extensions (who a client is, who blocks a waiter, the status messages) travel only where
 * the original ignores them (docs/protocol-extensions.md).
 *
 * Longer than our other modules on purpose: encoder and decoder of every message sit side by
 * side, so that a change to one message's bytes is made, and reviewed, in one place.
 */

import { ProtocolError } from "../errors.ts";
import {
  type ClientIdentity,
  type CommandReport,
  type DiscoverAnswer,
  type LockAnswer,
  type LockRequest,
  type Message,
  PROTOCOL_LEVEL,
  type ShutdownRequest,
  type StatusAnswer,
  type StatusRequest,
  type UnlockRequest,
  Verb,
  type WaitInfo,
} from "./messages.ts";
import { RC } from "./return_codes.ts";
import { decodeUtf8, encodeUtf8, toBase64 } from "./binary_string.ts";

/**
 * Returns the bytes the original sends for `message`.
 *
 * Plain attribute values (peer id, element, address) have `&`, `<` and `"` escaped. The original
 * writes them raw, which is the same bytes for every value it can produce; escaping keeps any
 * other value readable instead of breaking the document.
 *
 * @throws {RangeError} if a resource name is not a binary string (a char code above 255).
 */
export function encodeMessage(message: Message): Uint8Array {
  return encodeUtf8(serialize(message));
}

function serialize(message: Message): string {
  switch (message.kind) {
    case "lock": {
      const mode = message.mode === undefined ? "" : ` mode="${message.mode}"`;
      const quantity = message.quantity === undefined ? "" : ` quantity="${message.quantity}"`;
      return envelope(
        Verb.Lock,
        8,
        session(message.peerId, clientAttributes(message)) +
          `<resource name="${toBase64(message.name)}"${mode} wait="${
            bit(message.wait)
          }"${quantity}` +
          ` create="${bit(message.create)}" lifespan="${message.lifespan}"/>`,
      );
    }
    case "lockAnswer": {
      const element = message.element === undefined
        ? ""
        : ` element="${escapeValue(message.element)}"`;
      return envelope(
        Verb.Lock,
        message.step,
        (message.peerId === undefined ? "" : session(message.peerId)) +
          `<answer rc="${message.rc}"${element}${attribute("fencing", message.fencingToken)}${
            waitAttributes(message.wait)
          }${attribute("lost", message.lost)}/>`,
      );
    }
    case "unlock":
      return envelope(
        Verb.Unlock,
        8,
        `<resource name="${toBase64(message.name)}" rollback="${bit(message.rollback)}" />`,
      );
    case "ping":
      return envelope(Verb.Ping, message.step, "");
    case "status":
      return envelope(
        Verb.Ping,
        8,
        session(message.peerId) + `<status format="${escapeValue(message.format)}"/>`,
      );
    case "statusAnswer":
      return envelope(Verb.Ping, 16, `<status bytes="${message.bytes}"/>`);
    case "commandReport":
      return envelope(
        Verb.Ping,
        8,
        session(message.peerId) +
          `<command fencing="${escapeValue(message.fencingToken)}" pid="${message.pid}"/>`,
      );
    case "discover":
      return envelope(Verb.Discover, 8, "");
    case "discoverAnswer":
      return envelope(
        Verb.Discover,
        16,
        `<network address="${escapeValue(message.address)}" port="${message.port}"/>`,
      );
    case "shutdown":
      return envelope(
        Verb.Management,
        8,
        session(message.peerId) + `<shutdown immediate="${bit(message.immediate)}"/>`,
      );
  }
}

function envelope(verb: Verb, step: number, body: string): string {
  return `<?xml version="1.0" encoding="UTF-8" ?>` +
    `<msg level="${PROTOCOL_LEVEL}" verb="${verb}" step="${step}">${body}</msg>`;
}

function session(peerId: string, extra = ""): string {
  return `<session peerid="${escapeValue(peerId)}"${extra}/>`;
}

// flom's extensions travel as attributes the original ignores (`<session>` and `<answer>`).
function clientAttributes({ client, explain, watchLoss }: LockRequest): string {
  return attribute("pid", client?.pid) + attribute("host", client?.host) +
    attribute("program", client?.program) + (explain ? ` explain="1"` : "") +
    (watchLoss ? ` lost="1"` : "");
}

function waitAttributes(wait: WaitInfo | undefined): string {
  if (wait === undefined) return "";
  const { holder } = wait;
  return ` holders="${wait.holders}" ahead="${wait.ahead}" heldms="${wait.heldMs}"` +
    attribute("holderpeer", holder.peer) + attribute("holderpid", holder.pid) +
    attribute("holderhost", holder.host) + attribute("holderprogram", holder.program);
}

function attribute(name: string, value: string | number | undefined): string {
  return value === undefined ? "" : ` ${name}="${escapeValue(String(value))}"`;
}

function bit(value: boolean): string {
  return value ? "1" : "0";
}

const ESCAPES: Readonly<Record<string, string>> = { "&": "&amp;", "<": "&lt;", '"': "&quot;" };

function escapeValue(value: string): string {
  if (!value.includes("&") && !value.includes("<") && !value.includes('"')) return value;
  return value.replace(/[&<"]/g, (char) => ESCAPES[char] ?? char);
}

// Clients repeat their requests byte for byte (a program locks and unlocks the same names over
// and over): a daemon reads each distinct message once, then finds it by its bytes, a hash and a
// comparison, without making its text. Bounded: emptied when full; a colliding message replaces
// the one before it.
const DECODED_LIMIT = 1024;
const decoded = new Map<number, { bytes: Uint8Array; message: Readonly<Message> }>();

/**
 * Reads one message. The result is frozen: the same bytes give the same object.
 *
 * @throws {ProtocolError} `RC.MSG_DESERIALIZE_ERROR` for bytes that are not one well-formed
 * `<msg>` document (or hold a non-integer number or invalid base64 name),
 * `RC.PROTOCOL_LEVEL_MISMATCH` for a `level` other than 3, `RC.PROTOCOL_ERROR` for a document
 * that is no valid message.
 */
export function decodeMessage(bytes: Uint8Array): Message {
  const hash = hashBytes(bytes);
  const known = decoded.get(hash);
  if (known !== undefined && equalBytes(known.bytes, bytes)) return known.message;
  let text: string;
  try {
    // Fatal and BOM-preserving: GLib refuses invalid UTF-8 and does not skip a byte order mark.
    text = decodeUtf8(bytes, { fatal: true });
  } catch {
    throw malformed("invalid UTF-8");
  }
  // GLib's UTF-8 validation stops at a NUL byte.
  if (text.includes("\0")) throw malformed("NUL byte");
  const message = Object.freeze(interpret(parseDocument(text)));
  if (decoded.size === DECODED_LIMIT) decoded.clear();
  // A copy: the bytes may be a view of a read buffer that the next read overwrites.
  decoded.set(hash, { bytes: bytes.slice(), message });
  return message;
}

// FNV-1a, 32 bits.
function hashBytes(bytes: Uint8Array): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) hash = Math.imul(hash ^ bytes[i]!, 0x01000193);
  return hash;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

type Attributes = ReadonlyMap<string, string>;

/** A start tag (or empty-element tag) with its attribute values, references resolved. */
interface Tag {
  name: string;
  attributes: Attributes;
}

/**
 * The general tokenizer's expressions, built on first use: building these Unicode-aware
 * expressions costs milliseconds, which a short-lived client reading the canonical layout (below)
 * never needs to pay.
 */
function generalSyntax(): { token: RegExp; attributes: RegExp } {
  return syntax ??= buildGeneralSyntax();
}
let syntax: { token: RegExp; attributes: RegExp } | undefined;

function buildGeneralSyntax(): { token: RegExp; attributes: RegExp } {
  const NAME = String.raw`[\p{L}_:][\p{L}\p{N}._:\-]*`;
  const SPACE = String.raw`[ \t\r\n]`;
  const ATTRIBUTE = String.raw`(${NAME})${SPACE}*=${SPACE}*(?:"([^"<]*)"|'([^'<]*)')`;
  return {
    attributes: new RegExp(ATTRIBUTE, "gu"),
    // One token of the document. Processing instructions (such as the XML declaration) and
    // comments match no group: GMarkup passes them over.
    token: new RegExp(
      [
        String
          .raw`<(?<start>${NAME})(?<attributes>(?:${SPACE}+${ATTRIBUTE})*)${SPACE}*(?<empty>/?)>`,
        String.raw`</(?<end>${NAME})${SPACE}*>`,
        String.raw`<\?[\s\S]*?\?>|<!--[\s\S]*?-->`,
        String.raw`(?<text>[^<]+)`,
      ].join("|"),
      "uy",
    ),
  };
}
const WHITESPACE = /^[ \t\r\n]*$/;

// The exact layout the original (and encodeMessage) writes, in plain ASCII: read without the
// general tokenizer, whose Unicode-aware expressions cost milliseconds to compile in every
// short-lived client and dominate the daemon's decoding. Anything else takes the general path,
// which gives the same tags for these documents.
const CANONICAL =
  /^<\?xml version="1\.0" encoding="UTF-8" \?><msg level="(\d+)" verb="(\d+)" step="(\d+)">((?:<[a-z]+(?: [a-z]+="[^"<&]*")* ?\/>)*)<\/msg>$/;
const CANONICAL_TAG = /<([a-z]+)((?: [a-z]+="[^"<&]*")*) ?\/>/g;
const CANONICAL_ATTRIBUTE = / ([a-z]+)="([^"<&]*)"/g;

/** The tags of a canonical document, or undefined for any other. */
function parseCanonical(text: string): Tag[] | undefined {
  const match = CANONICAL.exec(text);
  if (match === null) return undefined;
  const tags: Tag[] = [{
    name: "msg",
    attributes: new Map([["level", match[1]!], ["verb", match[2]!], ["step", match[3]!]]),
  }];
  for (const [, name = "", source = ""] of match[4]!.matchAll(CANONICAL_TAG)) {
    const attributes = new Map<string, string>();
    for (const [, key = "", value = ""] of source.matchAll(CANONICAL_ATTRIBUTE)) {
      attributes.set(key, value);
    }
    tags.push({ name, attributes });
  }
  return tags;
}

/** Returns the start tags of a single-rooted document, in document order (root first). */
function parseDocument(text: string): Tag[] {
  const canonical = parseCanonical(text);
  if (canonical !== undefined) return canonical;
  const tags: Tag[] = [];
  const open: string[] = [];
  const { token } = generalSyntax();
  token.lastIndex = 0;
  while (token.lastIndex < text.length) {
    const position = token.lastIndex;
    const groups = token.exec(text)?.groups;
    if (groups === undefined) throw malformed(`unexpected data at character ${position}`);
    if (groups.start !== undefined) {
      if (tags.length > 0 && open.length === 0) throw malformed("data after the root element");
      tags.push({ name: groups.start, attributes: parseAttributes(groups.attributes ?? "") });
      if (groups.empty === "") open.push(groups.start);
    } else if (groups.end !== undefined) {
      if (open.pop() !== groups.end) throw malformed(`unexpected </${groups.end}>`);
    } else if (groups.text !== undefined) {
      if (open.length > 0) resolveReferences(groups.text);
      else if (!WHITESPACE.test(groups.text)) throw malformed("text outside the root element");
    }
  }
  if (tags.length === 0 || open.length > 0) throw malformed("truncated document");
  return tags;
}

function parseAttributes(source: string): Attributes {
  const attributes = new Map<string, string>();
  for (const [, name = "", double, single = ""] of source.matchAll(generalSyntax().attributes)) {
    attributes.set(name, resolveReferences(double ?? single));
  }
  return attributes;
}

const NAMED_REFERENCES: Readonly<Record<string, string>> = {
  lt: "<",
  gt: ">",
  amp: "&",
  quot: '"',
  apos: "'",
};

// The bare `&` alternative catches every ampersand that starts no valid reference.
const REFERENCE = /&(?:(lt|gt|amp|quot|apos)|#([0-9]+)|#x([0-9A-Fa-f]+));|&/g;

function resolveReferences(raw: string): string {
  return raw.replace(REFERENCE, (reference, named?: string, decimal?: string, hex?: string) => {
    if (named !== undefined) return NAMED_REFERENCES[named] ?? reference;
    const code = decimal !== undefined
      ? parseInt(decimal, 10)
      : hex !== undefined
      ? parseInt(hex, 16)
      : NaN;
    if (!(code > 0 && code <= 0x10ffff) || (code >= 0xd800 && code <= 0xdfff)) {
      throw malformed(`invalid reference ${JSON.stringify(reference)}`);
    }
    return String.fromCodePoint(code);
  });
}

const KNOWN_TAGS = new Set(["session", "resource", "answer", "network", "shutdown"]);
// The tags of flom's own messages, known only in verb 3: elsewhere, as in the original, an
// unknown tag with attributes makes the message invalid.
const STATUS_TAG = "status";
const COMMAND_TAG = "command";
const VERB_3_TAGS = new Set([STATUS_TAG, COMMAND_TAG]);

/** Turns the tags of a document into a message, with the original's validity checks. */
function interpret(tags: Tag[]): Message {
  const root = tags[0];
  if (root?.name !== "msg") throw malformed("the root element is not <msg>");
  const level = readInteger(root.attributes, "level");
  if (level !== undefined && level !== PROTOCOL_LEVEL) {
    throw new ProtocolError(RC.PROTOCOL_LEVEL_MISMATCH, `protocol level ${level}, expected 3`);
  }
  const verb = readInteger(root.attributes, "verb") ?? 0;
  const step = readInteger(root.attributes, "step") ?? 0;

  // Like the original, a repeated tag adds to (and overrides) the attributes already read.
  const body = new Map<string, Map<string, string>>();
  for (const { name, attributes } of tags.slice(1)) {
    if (KNOWN_TAGS.has(name) || (VERB_3_TAGS.has(name) && verb === Verb.Ping)) {
      const merged = body.get(name) ?? new Map<string, string>();
      for (const [key, value] of attributes) merged.set(key, value);
      body.set(name, merged);
    } else if (attributes.size > 0) {
      throw invalid(`unexpected tag <${name}> with attributes`);
    }
  }

  // Each tag is read only in the messages that carry it; elsewhere it is ignored.
  switch (verb) {
    case Verb.Lock:
      if (step === 8) return lockRequest(body);
      if (step === 16 || step === 24 || step === 32) return lockAnswer(step, body);
      break;
    case Verb.Unlock:
      if (step === 8) return unlockRequest(body);
      break;
    case Verb.Ping:
      if (body.has(STATUS_TAG) && (step === 8 || step === 16)) return statusMessage(step, body);
      if (body.has(COMMAND_TAG) && step === 8) return commandReport(body);
      if (step === 8 || step === 16) return { kind: "ping", step };
      break;
    case Verb.Discover:
      if (step === 8) return { kind: "discover" };
      if (step === 16) return discoverAnswer(body);
      break;
    case Verb.Management:
      if (step === 8) return shutdownRequest(body);
      break;
  }
  throw invalid(`verb ${verb} with step ${step} is no message`);
}

type Body = ReadonlyMap<string, Attributes>;

function lockRequest(body: Body): LockRequest {
  const resource = body.get("resource");
  rejectAttributes(resource, ["rollback"], "a lock request");
  const mode = readInteger(resource, "mode");
  const quantity = readInteger(resource, "quantity");
  const session = body.get("session");
  const client = readIdentity(session, "");
  return {
    kind: "lock",
    peerId: session?.get("peerid") ?? "",
    ...(client === undefined ? {} : { client }),
    ...(extensionInteger(session, "explain") ? { explain: true } : {}),
    ...(extensionInteger(session, "lost") ? { watchLoss: true } : {}),
    name: readName(resource, "a lock request"),
    ...(mode === undefined ? {} : { mode }),
    wait: readFlag(resource, "wait"),
    ...(quantity === undefined ? {} : { quantity }),
    create: readFlag(resource, "create"),
    lifespan: readInteger(resource, "lifespan") ?? 0,
  };
}

function lockAnswer(step: LockAnswer["step"], body: Body): LockAnswer {
  const answer = body.get("answer");
  const session = step === 16 ? body.get("session") : undefined;
  const element = answer?.get("element");
  const wait = readWaitInfo(answer);
  const fencingToken = answer?.get("fencing");
  const lost = answer?.get("lost");
  return {
    kind: "lockAnswer",
    step,
    ...(session === undefined ? {} : { peerId: session.get("peerid") ?? "" }),
    rc: readInteger(answer, "rc") ?? 0,
    ...(element === undefined ? {} : { element }),
    ...(wait === undefined ? {} : { wait }),
    // Any text: a client passes it on and compares nothing.
    ...(fencingToken === undefined ? {} : { fencingToken }),
    ...(lost === undefined ? {} : { lost }),
  };
}

/** The identity attributes `<prefix>pid`, `<prefix>host`, `<prefix>program`; undefined if none. */
function readIdentity(
  attributes: Attributes | undefined,
  prefix: string,
): ClientIdentity | undefined {
  const pid = extensionInteger(attributes, `${prefix}pid`);
  const host = attributes?.get(`${prefix}host`);
  const program = attributes?.get(`${prefix}program`);
  if (pid === undefined && host === undefined && program === undefined) return undefined;
  return {
    ...(pid === undefined ? {} : { pid }),
    ...(host === undefined ? {} : { host }),
    ...(program === undefined ? {} : { program }),
  };
}

function readWaitInfo(answer: Attributes | undefined): WaitInfo | undefined {
  const holders = extensionInteger(answer, "holders");
  if (holders === undefined) return undefined;
  return {
    holders,
    ahead: extensionInteger(answer, "ahead") ?? 0,
    heldMs: extensionInteger(answer, "heldms") ?? 0,
    holder: { peer: answer?.get("holderpeer") ?? "", ...readIdentity(answer, "holder") },
  };
}

function commandReport(body: Body): CommandReport {
  const command = body.get(COMMAND_TAG)!;
  const fencingToken = command.get("fencing");
  const pid = readInteger(command, "pid");
  if (fencingToken === undefined || pid === undefined || pid <= 0) {
    throw invalid("a command report needs its lock's fencing token and a process id");
  }
  return {
    kind: "commandReport",
    peerId: body.get("session")?.get("peerid") ?? "",
    fencingToken,
    pid,
  };
}

function statusMessage(step: 8 | 16, body: Body): StatusRequest | StatusAnswer {
  const status = body.get(STATUS_TAG)!;
  if (step === 8) {
    return {
      kind: "status",
      peerId: body.get("session")?.get("peerid") ?? "",
      format: status.get("format") ?? "json",
    };
  }
  const bytes = readInteger(status, "bytes");
  if (bytes === undefined || bytes < 0) throw invalid("a status answer without its size");
  return { kind: "statusAnswer", bytes };
}

function unlockRequest(body: Body): UnlockRequest {
  const resource = body.get("resource");
  rejectAttributes(
    resource,
    ["mode", "wait", "quantity", "create", "lifespan"],
    "an unlock request",
  );
  return {
    kind: "unlock",
    name: readName(resource, "an unlock request"),
    rollback: readFlag(resource, "rollback"),
  };
}

function discoverAnswer(body: Body): DiscoverAnswer {
  const network = body.get("network");
  allowAttributes(network, ["address", "port"], "<network>");
  const address = network?.get("address");
  const port = readInteger(network, "port");
  if (address === undefined || port === undefined) {
    throw invalid("a discover answer needs both address and port");
  }
  return { kind: "discoverAnswer", address, port };
}

function shutdownRequest(body: Body): ShutdownRequest {
  const shutdown = body.get("shutdown");
  if (shutdown === undefined) throw invalid("a management message without <shutdown>");
  allowAttributes(shutdown, ["immediate"], "<shutdown>");
  return {
    kind: "shutdown",
    peerId: body.get("session")?.get("peerid") ?? "",
    immediate: readFlag(shutdown, "immediate"),
  };
}

function rejectAttributes(attributes: Attributes | undefined, keys: string[], where: string) {
  const key = keys.find((key) => attributes?.has(key));
  if (key !== undefined) throw invalid(`attribute ${key} in ${where}`);
}

function allowAttributes(attributes: Attributes | undefined, keys: string[], where: string) {
  for (const key of attributes?.keys() ?? []) {
    if (!keys.includes(key)) throw invalid(`unknown attribute ${key} in ${where}`);
  }
}

// Canonical padding only: what atob would accept beyond this is not what the original sends.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function readName(resource: Attributes | undefined, where: string): string {
  const encoded = resource?.get("name");
  if (encoded === undefined) throw invalid(`${where} without a resource name`);
  if (!BASE64.test(encoded)) throw malformed(`resource name "${encoded}" is not base64`);
  return atob(encoded);
}

const INTEGER = /^[+-]?[0-9]+$/;

// The original keeps every number in a C int.
function readInteger(attributes: Attributes | undefined, key: string): number | undefined {
  const value = attributes?.get(key);
  if (value === undefined) return undefined;
  const number = Number(value) + 0; // + 0 turns "-0" into a plain 0
  if (!INTEGER.test(value) || number < -(2 ** 31) || number >= 2 ** 31) {
    throw malformed(`${key}="${value}" is not an integer`);
  }
  return number;
}

// The original ignores these attributes whatever they hold: a value that is no integer is read
// as absent, never as a broken message.
function extensionInteger(attributes: Attributes | undefined, key: string): number | undefined {
  try {
    return readInteger(attributes, key);
  } catch {
    return undefined;
  }
}

function readFlag(attributes: Attributes | undefined, key: string): boolean {
  return (readInteger(attributes, key) ?? 0) !== 0;
}

function malformed(reason: string): ProtocolError {
  return new ProtocolError(RC.MSG_DESERIALIZE_ERROR, reason);
}

function invalid(reason: string): ProtocolError {
  return new ProtocolError(RC.PROTOCOL_ERROR, reason);
}
