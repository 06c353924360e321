/**
 * Fuzz inputs for a daemon (pure: a seeded generator, no I/O but loading the corpus): the
 * messages of the wire fixtures, damaged in every way the issue lists (byte flips, truncation,
 * duplication, attribute and base64 damage, over-long names, non-UTF-8, NUL bytes, 600-byte
 * messages), random bytes, many messages in one write, and how each is delivered (whole, one
 * byte per write, in pieces, or dropped right after the write).
 */
import { encodeMessage } from "../../src/protocol/codec.ts";
import { decodeMessage } from "../../src/protocol/codec.ts";
import { MAX_DAEMON_MESSAGE_BYTES } from "../../src/protocol/messages.ts";
import { ROOT } from "../bench/processes.ts";

/** How an input reaches the daemon. */
export type Delivery =
  /** One write, then a half-close and a read to the end (the daemon's close). */
  | "whole"
  /** One write, then the connection is closed at once (a reset for the daemon's answers). */
  | "dropped"
  /** One byte per write, then a half-close and a read to the end. */
  | "bytewise"
  /** Writes of random sizes, then a half-close and a read to the end. */
  | "pieces";

/** One input: the bytes sent on one connection, how, and the family it comes from. */
export interface FuzzInput {
  bytes: Uint8Array;
  delivery: Delivery;
  /** The generator's family, for the report (`flip`, `base64`, `random`, `many`, …). */
  family: string;
}

/** A small, fast, seeded generator (mulberry32): the same seed gives the same inputs. */
export class Random {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** An integer in [low, high]. */
  between(low: number, high: number): number {
    return low + this.below(high - low + 1);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)]!;
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }
}

/**
 * Every message of the wire fixtures (both directions, UNIX, TCP and UDP captures), as binary
 * strings (one char per byte), plus flom's own messages (a lock request that names its client
 * and asks who blocks it, a status request, a command report, a grant with a fencing token).
 */
export function loadCorpus(fixtures = `${ROOT}tests/fixtures/wire/`): string[] {
  const messages = new Set<string>();
  for (const entry of Deno.readDirSync(fixtures)) {
    if (!entry.isFile || !entry.name.endsWith(".txt")) continue;
    for (const line of Deno.readTextFileSync(`${fixtures}${entry.name}`).split("\n")) {
      if (line.startsWith("bytes: ")) messages.add(parsePythonBytes(line.slice(7).trimEnd()));
    }
  }
  const own = [
    encodeMessage({
      kind: "lock",
      peerId: "3d1219c7c4c5404aaa1f6d2a48adfda4",
      client: { pid: 4242, host: "mojan", program: "sleep" },
      explain: true,
      name: "foo",
      mode: 5,
      wait: true,
      create: true,
      lifespan: 0,
    }),
    encodeMessage({ kind: "status", peerId: "3d1219c7c4c5404aaa1f6d2a48adfda4", format: "json" }),
  ];
  for (const bytes of own) messages.add(binary(bytes));
  // The report of the command a grant runs (its client's pid), and a grant with its fencing
  // token (an answer: a daemon must refuse it from a client), as our client and daemon send them.
  const header = '<?xml version="1.0" encoding="UTF-8" ?>';
  messages.add(
    `${header}<msg level="3" verb="3" step="8"><session peerid="3d1219c7c4c5404aaa1f6d2a48adfda4"/>` +
      '<command fencing="7536290519433543680" pid="4242"/></msg>',
  );
  messages.add(
    `${header}<msg level="3" verb="1" step="16"><session peerid="3d1219c7c4c5404aaa1f6d2a48adfda4"/>` +
      '<answer rc="0" fencing="7536290519433543680"/></msg>',
  );
  if (messages.size === 0) throw new Error(`Cannot fuzz: no captured message in '${fixtures}'`);
  return [...messages];
}

/** The bytes of a Python bytes literal as a binary string (the fixtures' `bytes: b'…'`). */
export function parsePythonBytes(literal: string): string {
  const body = literal.slice(2, -1);
  const escapes: Record<string, string> = { n: "\n", r: "\r", t: "\t" };
  let out = "";
  for (let i = 0; i < body.length; i++) {
    const char = body[i]!;
    if (char !== "\\") {
      out += char;
    } else if (body[i + 1] === "x") {
      out += String.fromCharCode(parseInt(body.slice(i + 2, i + 4), 16));
      i += 3;
    } else {
      const next = body[++i] ?? "";
      out += escapes[next] ?? next;
    }
  }
  return out;
}

/** The generator of inputs; `next()` gives one. */
export class FuzzInputs {
  #random: Random;
  #corpus: string[];

  constructor(seed: number, corpus: string[] = loadCorpus()) {
    this.#random = new Random(seed);
    this.#corpus = corpus;
  }

  /**
   * The next input. Never a request that stops the daemon (a shutdown, `-x` or `-X`, which the
   * daemon honours by design): such a draw is replaced by another.
   */
  next(): FuzzInput {
    for (;;) {
      const input = this.#draw();
      if (!stopsDaemon(input.bytes)) return input;
    }
  }

  #draw(): FuzzInput {
    const r = this.#random;
    const roll = r.next();
    let family: string;
    let text: string;
    if (roll < 0.04) {
      family = "random";
      text = randomBytes(r, r.between(1, 700));
    } else if (roll < 0.08) {
      family = "soup";
      text = tagSoup(r);
    } else if (roll < 0.12) {
      family = "valid";
      text = r.pick(this.#corpus);
    } else if (roll < 0.2) {
      family = "many";
      text = Array.from(
        { length: r.between(2, 30) },
        () => r.chance(0.5) ? r.pick(this.#corpus) : this.#mutated(r.pick(this.#corpus)).text,
      ).join("");
    } else if (roll < 0.26) {
      family = "long-name";
      text = longName(r);
    } else if (roll < 0.32) {
      family = "600";
      text = sized(r, r.pick(this.#corpus));
    } else {
      const mutated = this.#mutated(r.pick(this.#corpus));
      family = mutated.family;
      text = mutated.text;
    }
    const bytes = fromBinary(text);
    const deliveryRoll = r.next();
    const delivery: Delivery = family === "many" || deliveryRoll < 0.75
      ? "whole"
      : deliveryRoll < 0.85
      ? "dropped"
      : deliveryRoll < 0.95 || bytes.length > 700
      ? "pieces"
      : "bytewise";
    return { bytes, delivery, family };
  }

  /** One to three damages of `message`; the family is the first one's. */
  #mutated(message: string): { text: string; family: string } {
    const r = this.#random;
    let text = message;
    let family = "";
    for (let i = r.between(1, 3); i > 0; i--) {
      const [name, damage] = r.pick(DAMAGES);
      text = damage(r, text, this.#corpus);
      family ||= name;
    }
    return { text, family };
  }
}

type Damage = (r: Random, text: string, corpus: string[]) => string;

const SPECIAL_BYTES = [0x00, 0xff, 0x3c, 0x3e, 0x22, 0x27, 0x26, 0x2f, 0x3d, 0x20, 0x0a, 0x80];

/** The damages a message may suffer, by name. */
const DAMAGES: readonly [string, Damage][] = [
  ["flip", (r, text) => {
    let out = text;
    for (let i = r.between(1, 4); i > 0 && out.length > 0; i--) {
      const at = r.below(out.length);
      out = replaceAt(out, at, String.fromCharCode(out.charCodeAt(at) ^ (1 << r.below(8))));
    }
    return out;
  }],
  ["set", (r, text) => {
    if (text.length === 0) return text;
    const at = r.below(text.length);
    const byte = r.chance(0.5) ? r.pick(SPECIAL_BYTES) : r.below(256);
    return replaceAt(text, at, String.fromCharCode(byte));
  }],
  ["truncate", (r, text) => text.slice(0, r.below(text.length + 1))],
  ["duplicate", (r, text) => {
    if (r.chance(0.3)) return text + text;
    const start = r.below(text.length + 1);
    const end = r.between(start, text.length);
    return text.slice(0, end) + text.slice(start, end) + text.slice(end);
  }],
  ["attribute", (r, text) => damageAttribute(r, text)],
  ["base64", (r, text) => damageBase64(r, text)],
  ["number", (r, text) => {
    const numbers = [...text.matchAll(/="(-?\d+)"/g)];
    if (numbers.length === 0) return text;
    const match = r.pick(numbers);
    return text.slice(0, match.index + 2) + r.pick(ODD_NUMBERS) +
      text.slice(match.index + 2 + match[1]!.length);
  }],
  ["non-utf8", (r, text) => insertAt(r, text, r.pick(BAD_UTF8))],
  ["nul", (r, text) => insertAt(r, text, "\0".repeat(r.between(1, 3)))],
  ["structure", (r, text) => damageStructure(r, text)],
  ["splice", (r, text, corpus) => {
    const other = r.pick(corpus);
    return text.slice(0, r.below(text.length + 1)) + other.slice(r.below(other.length + 1));
  }],
];

const ODD_NUMBERS = [
  "",
  "-1",
  "0",
  "6",
  "7",
  "255",
  "256",
  "-2147483648",
  "2147483647",
  "2147483648",
  "4294967296",
  "9007199254740993",
  "99999999999999999999999999",
  "1e9",
  "0x10",
  " 1",
  "1 ",
  "+1",
  "1.5",
  "NaN",
  "Infinity",
  "٣",
];

// Invalid UTF-8: stray continuation, overlong "/", a surrogate, beyond U+10FFFF, a cut sequence,
// and a byte order mark (valid, but not where XML may start).
const BAD_UTF8 = [
  "\x80",
  "\xc0\xaf",
  "\xed\xa0\x80",
  "\xf4\x90\x80\x80",
  "\xe2\x82",
  "\xef\xbb\xbf",
];

function damageAttribute(r: Random, text: string): string {
  const attributes = [...text.matchAll(/ ([a-z]+)="([^"]*)"/g)];
  if (attributes.length === 0) return text;
  const match = r.pick(attributes);
  const [whole, name, value] = match as unknown as [string, string, string];
  const before = text.slice(0, match.index);
  const after = text.slice(match.index + whole.length);
  const replacement = r.pick([
    "", // removed
    ` ${name}=""`,
    ` ${name}="${value}" ${name}="${value}"`, // twice
    ` ${name}=${value}`, // unquoted
    ` ${name}='${value}'`,
    ` ${name}="${value}`, // unterminated
    ` ${name.toUpperCase()}="${value}"`,
    ` ${name}x="${value}"`,
    ` ${name}="${"9".repeat(r.between(10, 300))}"`,
    ` ${name}="${value}&amp;&lt;&#0;&#x110000;&bogus;"`,
    ` ${name}="${randomBytes(r, r.between(1, 40))}"`,
    ` ${name} = "${value}"`,
    ` ${name}="${value}"${' unknown="1"'.repeat(r.between(1, 5))}`,
  ]);
  return before + replacement + after;
}

function damageBase64(r: Random, text: string): string {
  const names = [...text.matchAll(/ name="([^"]*)"/g)];
  if (names.length === 0) return text;
  const match = r.pick(names);
  const value = match[1]!;
  const start = match.index + 7;
  const damaged = r.pick([
    () => value.slice(0, r.below(value.length + 1)), // cut
    () => value + "=".repeat(r.between(1, 3)), // padding where none belongs
    () => value.replace(/=/g, ""), // padding removed
    () => insertAt(r, value, r.pick(["!", "*", " ", "-", "_", "\n", "%", "===", "\0"])),
    () => btoa(randomBytes(r, r.between(0, 60))), // any bytes, NUL and non-UTF-8 included
    () =>
      btoa(r.pick(["", "\0", "a\0b", "\xff\xfe", "\xc0\xaf", "R[", "R[0]", "R[-1]", "/", "//a"])),
    () => btoa(r.pick(["_s_x[0]", "_S_x[99999999999]", "_t_%Y#f[1]", "_t_[1]", "a..b", "/a/../b"])),
    () => "A".repeat(r.between(300, 700)), // longer than any message
  ])();
  return text.slice(0, start) + damaged + text.slice(start + value.length);
}

function damageStructure(r: Random, text: string): string {
  return r.pick([
    () => text.replace("</msg>", ""),
    () => text.replace("</msg>", "</msg></msg>"),
    () => text.replace(/<\?xml[^>]*\?>/, ""),
    () => text.replace("<msg", "<msg><msg"),
    () => text.replace("/>", ">"),
    () => text.replace("<resource", "<resource><resource"),
    () => text.replace("<resource", "<session/><resource"),
    () => text.replace(/<(\w+)/, "<$1 $1"),
    () => text.replace("<msg", "<!-- c --><msg"),
    () => text.replace("<msg", "<![CDATA[x]]><msg"),
    () => text.replace("<msg", "<!DOCTYPE msg [<!ENTITY e 'x'>]><msg"),
    () => text.replace(/ level="\d+"/, ` level="${r.below(10)}"`),
    () => text.replace(/ verb="\d+"/, ` verb="${r.pick([0, 1, 2, 3, 4, 6, 255])}"`),
    () => text.replace(/ step="\d+"/, ` step="${r.pick([0, 8, 16, 24, 32, 40, 64])}"`),
    () => text.replace(/<answer[^>]*\/>/, ""),
    () => text.replace(/<\/?\w+/g, (tag) => r.chance(0.3) ? tag.toUpperCase() : tag),
  ])();
}

/** A lock request whose name takes 1 to 450 bytes (the message limit lies within). */
function longName(r: Random): string {
  const length = r.chance(0.3) ? r.between(320, 340) : r.between(1, 450);
  const name = r.chance(0.5) ? "n".repeat(length) : randomBytes(r, length);
  const kind = r.pick(["", "[3]", ".x.y", "/"]);
  return binary(encodeMessage({
    kind: "lock",
    peerId: "3d1219c7c4c5404aaa1f6d2a48adfda4",
    name: kind === "/" ? `/${name}` : name + kind,
    mode: 5,
    wait: r.chance(0.5),
    create: true,
    lifespan: 0,
  }));
}

/** A message brought to 510 to 600 bytes (around the daemon's 511), with or without its end. */
function sized(r: Random, message: string): string {
  const target = r.chance(0.5) ? r.between(MAX_DAEMON_MESSAGE_BYTES - 1, 513) : 600;
  const padding = Math.max(0, target - message.length);
  const padded = r.pick([
    () => message.replace("<msg ", `<msg ${" ".repeat(padding)}`),
    () => message.replace("<msg ", `<msg pad="${"p".repeat(Math.max(0, padding - 7))}" `),
    () => " ".repeat(padding) + message,
  ])();
  return r.chance(0.2) ? padded.replace("</msg>", "") : padded;
}

/** Random tokens of the protocol's vocabulary, in random order. */
function tagSoup(r: Random): string {
  const tokens = [
    "<msg",
    "</msg>",
    "<session",
    "<resource",
    "<answer",
    "<status",
    "/>",
    ">",
    ' level="3"',
    ' verb="1"',
    ' step="8"',
    ' name="Zm9v"',
    ' mode="5"',
    ' wait="1"',
    ' rc="0"',
    '<?xml version="1.0" encoding="UTF-8" ?>',
    "&amp;",
    "&#0;",
    "\0",
    "\xff",
    " ",
  ];
  return Array.from({ length: r.between(1, 40) }, () => r.pick(tokens)).join("");
}

function randomBytes(r: Random, length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) out += String.fromCharCode(r.below(256));
  return out;
}

function replaceAt(text: string, at: number, char: string): string {
  return text.slice(0, at) + char + text.slice(at + 1);
}

function insertAt(r: Random, text: string, piece: string): string {
  const at = r.below(text.length + 1);
  return text.slice(0, at) + piece + text.slice(at);
}

function binary(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) out += String.fromCharCode(byte);
  return out;
}

function fromBinary(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i) & 0xff;
  return bytes;
}

const TERMINATOR = "</msg>";

/**
 * Whether the daemon would read a shutdown request in `bytes`. It frames a stream at each
 * `</msg>` whatever the writes were, so its messages are the pieces between terminators.
 */
export function stopsDaemon(bytes: Uint8Array): boolean {
  const text = binary(bytes);
  let from = 0;
  for (let end = text.indexOf(TERMINATOR); end !== -1; end = text.indexOf(TERMINATOR, from)) {
    const stop = end + TERMINATOR.length;
    if (isShutdown(bytes.subarray(from, stop))) return true;
    from = stop;
  }
  return false;
}

function isShutdown(piece: Uint8Array): boolean {
  if (piece.length > MAX_DAEMON_MESSAGE_BYTES) return false;
  try {
    return decodeMessage(piece).kind === "shutdown";
  } catch {
    return false;
  }
}
