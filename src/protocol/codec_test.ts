/**
 * The codec against the original's bytes: every captured message round-trips, every documented
 * quirk of its parser is reproduced, and random and mutated input is refused cleanly.
 *
 * Longer than most test files: one table of captured messages and one case per parser rule,
 * kept together so that a change to the codec is checked against all of them at once.
 */
import { ProtocolError } from "../errors.ts";
import assert from "node:assert/strict";
import { toBinaryString } from "./binary_string.ts";
import { decodeMessage, encodeMessage } from "./codec.ts";
import type { LockAnswer, LockRequest, Message, UnlockRequest } from "./messages.ts";
import { RC } from "./return_codes.ts";

const CLIENT = "3c5a7e2f9b1d4a6c8e0f2b4d6a8c0e1f";
const DAEMON = "a1b2c3d4e5f60718293a4b5c6d7e8f90";
const DECLARATION = '<?xml version="1.0" encoding="UTF-8" ?>';

const utf8 = new TextEncoder();
const text = new TextDecoder();

function lock(
  name: string,
  fields: Partial<Pick<LockRequest, "mode" | "wait" | "quantity" | "create" | "lifespan">>,
): LockRequest {
  return { kind: "lock", peerId: CLIENT, name, wait: true, create: true, lifespan: 0, ...fields };
}

function answer(step: 16 | 24 | 32, rc: number, element?: string): LockAnswer {
  return {
    kind: "lockAnswer",
    step,
    ...(step === 16 ? { peerId: DAEMON } : {}),
    rc,
    ...(element === undefined ? {} : { element }),
  };
}

function unlock(name: string, rollback: boolean): UnlockRequest {
  return { kind: "unlock", name, rollback };
}

function decode(xml: string): Message {
  return decodeMessage(utf8.encode(xml));
}

function assertRejects(xml: string | Uint8Array, code: number): void {
  assert.throws(
    () => decodeMessage(typeof xml === "string" ? utf8.encode(xml) : xml),
    (error) => error instanceof ProtocolError && error.rc === code,
    typeof xml === "string" ? xml : `${xml}`,
  );
}

/** A message with the usual envelope around `body`. */
function msg(verb: number, step: number, body = ""): string {
  return `${DECLARATION}<msg level="3" verb="${verb}" step="${step}">${body}</msg>`;
}

// The original's sample messages, captured byte for byte (numbered as captured), in order.
const SAMPLES: [string, Message, string][] = [
  [
    "§1 C: lock request",
    lock("_RESOURCE", { mode: 5 }),
    '<?xml version="1.0" encoding="UTF-8" ?><msg level="3" verb="1" step="8"><session peerid="3c5a7e2f9b1d4a6c8e0f2b4d6a8c0e1f"/><resource name="X1JFU09VUkNF" mode="5" wait="1" create="1" lifespan="0"/></msg>',
  ],
  [
    "§1 D: granted",
    answer(16, 0),
    '<?xml version="1.0" encoding="UTF-8" ?><msg level="3" verb="1" step="16"><session peerid="a1b2c3d4e5f60718293a4b5c6d7e8f90"/><answer rc="0"/></msg>',
  ],
  [
    "§1 C: unlock",
    unlock("_RESOURCE", false),
    '<?xml version="1.0" encoding="UTF-8" ?><msg level="3" verb="2" step="8"><resource name="X1JFU09VUkNF" rollback="0" /></msg>',
  ],
  [
    "§2 C: lock request",
    lock("R1", { mode: 3 }),
    '<?xml version="1.0" encoding="UTF-8" ?><msg level="3" verb="1" step="8"><session peerid="3c5a7e2f9b1d4a6c8e0f2b4d6a8c0e1f"/><resource name="UjE=" mode="3" wait="1" create="1" lifespan="0"/></msg>',
  ],
  [
    "§2 D: queued",
    answer(16, 1),
    '<?xml version="1.0" encoding="UTF-8" ?><msg level="3" verb="1" step="16"><session peerid="a1b2c3d4e5f60718293a4b5c6d7e8f90"/><answer rc="1"/></msg>',
  ],
  [
    "§2 D: later, asynchronous grant",
    answer(24, 0),
    '<?xml version="1.0" encoding="UTF-8" ?><msg level="3" verb="1" step="24"><answer rc="0"/></msg>',
  ],
  [
    "§3 C: lock request",
    lock("R1", { mode: 5, wait: false }),
    '<?xml version="1.0" encoding="UTF-8" ?><msg level="3" verb="1" step="8"><session peerid="3c5a7e2f9b1d4a6c8e0f2b4d6a8c0e1f"/><resource name="UjE=" mode="5" wait="0" create="1" lifespan="0"/></msg>',
  ],
  [
    "§3 D: busy",
    answer(16, 4),
    '<?xml version="1.0" encoding="UTF-8" ?><msg level="3" verb="1" step="16"><session peerid="a1b2c3d4e5f60718293a4b5c6d7e8f90"/><answer rc="4"/></msg>',
  ],
  [
    "§4 C: lock request",
    lock("R1", { mode: 5 }),
    '<?xml version="1.0" encoding="UTF-8" ?><msg level="3" verb="1" step="8"><session peerid="3c5a7e2f9b1d4a6c8e0f2b4d6a8c0e1f"/><resource name="UjE=" mode="5" wait="1" create="1" lifespan="0"/></msg>',
  ],
  [
    "§4 D: queued",
    answer(16, 1),
    '<?xml version="1.0" encoding="UTF-8" ?><msg level="3" verb="1" step="16"><session peerid="a1b2c3d4e5f60718293a4b5c6d7e8f90"/><answer rc="1"/></msg>',
  ],
  [
    "§5 C: lock request",
    lock("foo[3]", { quantity: 2 }),
    '<?xml version="1.0" encoding="UTF-8" ?><msg level="3" verb="1" step="8"><session peerid="3c5a7e2f9b1d4a6c8e0f2b4d6a8c0e1f"/><resource name="Zm9vWzNd" wait="1" quantity="2" create="1" lifespan="0"/></msg>',
  ],
  [
    "§5 D: granted",
    answer(16, 0),
    '<?xml version="1.0" encoding="UTF-8" ?><msg level="3" verb="1" step="16"><session peerid="a1b2c3d4e5f60718293a4b5c6d7e8f90"/><answer rc="0"/></msg>',
  ],
  [
    "§5 D:",
    answer(16, 6),
    '<?xml version="1.0" encoding="UTF-8" ?><msg level="3" verb="1" step="16"><session peerid="a1b2c3d4e5f60718293a4b5c6d7e8f90"/><answer rc="6"/></msg>',
  ],
  [
    "§6 C: lock request",
    lock("red.green.blue", {}),
    '<?xml version="1.0" encoding="UTF-8" ?><msg level="3" verb="1" step="8"><session peerid="3c5a7e2f9b1d4a6c8e0f2b4d6a8c0e1f"/><resource name="cmVkLmdyZWVuLmJsdWU=" wait="1" create="1" lifespan="0"/></msg>',
  ],
  [
    "§6 D: granted, element red",
    answer(16, 0, "red"),
    '<?xml version="1.0" encoding="UTF-8" ?><msg level="3" verb="1" step="16"><session peerid="a1b2c3d4e5f60718293a4b5c6d7e8f90"/><answer rc="0" element="red"/></msg>',
  ],
  [
    "§6 D:",
    answer(24, 0, "green"),
    '<?xml version="1.0" encoding="UTF-8" ?><msg level="3" verb="1" step="24"><answer rc="0" element="green"/></msg>',
  ],
  [
    "§7 C: lock request",
    lock("/apple/pear", { mode: 4 }),
    '<?xml version="1.0" encoding="UTF-8" ?><msg level="3" verb="1" step="8"><session peerid="3c5a7e2f9b1d4a6c8e0f2b4d6a8c0e1f"/><resource name="L2FwcGxlL3BlYXI=" mode="4" wait="1" create="1" lifespan="0"/></msg>',
  ],
  [
    "§7 D: granted",
    answer(16, 0),
    '<?xml version="1.0" encoding="UTF-8" ?><msg level="3" verb="1" step="16"><session peerid="a1b2c3d4e5f60718293a4b5c6d7e8f90"/><answer rc="0"/></msg>',
  ],
  [
    "§7 C: unlock",
    unlock("/apple/pear", false),
    '<?xml version="1.0" encoding="UTF-8" ?><msg level="3" verb="2" step="8"><resource name="L2FwcGxlL3BlYXI=" rollback="0" /></msg>',
  ],
  [
    "§8 C: lock request",
    lock("_S_seq[1]", { lifespan: 1000 }),
    '<?xml version="1.0" encoding="UTF-8" ?><msg level="3" verb="1" step="8"><session peerid="3c5a7e2f9b1d4a6c8e0f2b4d6a8c0e1f"/><resource name="X1Nfc2VxWzFd" wait="1" create="1" lifespan="1000"/></msg>',
  ],
  [
    "§8 D: granted, value 1",
    answer(16, 0, "1"),
    '<?xml version="1.0" encoding="UTF-8" ?><msg level="3" verb="1" step="16"><session peerid="a1b2c3d4e5f60718293a4b5c6d7e8f90"/><answer rc="0" element="1"/></msg>',
  ],
  [
    "§8 C: unlock with rollback",
    unlock("_S_seq[1]", true),
    '<?xml version="1.0" encoding="UTF-8" ?><msg level="3" verb="2" step="8"><resource name="X1Nfc2VxWzFd" rollback="1" /></msg>',
  ],
  [
    "§9 C: lock request",
    lock("_t_%Y%m%d.%H:%M:%S#fff[2]", {}),
    '<?xml version="1.0" encoding="UTF-8" ?><msg level="3" verb="1" step="8"><session peerid="3c5a7e2f9b1d4a6c8e0f2b4d6a8c0e1f"/><resource name="X3RfJVklbSVkLiVIOiVNOiVTI2ZmZlsyXQ==" wait="1" create="1" lifespan="0"/></msg>',
  ],
  [
    "§9 D: granted, value for 2024-03-02 17:49:35.123xxx local time",
    answer(16, 0, "20240302.17:49:35.123"),
    '<?xml version="1.0" encoding="UTF-8" ?><msg level="3" verb="1" step="16"><session peerid="a1b2c3d4e5f60718293a4b5c6d7e8f90"/><answer rc="0" element="20240302.17:49:35.123"/></msg>',
  ],
  [
    "§10 C: lock request",
    lock("R1", { mode: 5, create: false }),
    '<?xml version="1.0" encoding="UTF-8" ?><msg level="3" verb="1" step="8"><session peerid="3c5a7e2f9b1d4a6c8e0f2b4d6a8c0e1f"/><resource name="UjE=" mode="5" wait="1" create="0" lifespan="0"/></msg>',
  ],
  [
    "§10 D: parked until someone creates R1",
    answer(16, 2),
    '<?xml version="1.0" encoding="UTF-8" ?><msg level="3" verb="1" step="16"><session peerid="a1b2c3d4e5f60718293a4b5c6d7e8f90"/><answer rc="2"/></msg>',
  ],
  [
    "§10 D: after creation, granted",
    answer(24, 0),
    '<?xml version="1.0" encoding="UTF-8" ?><msg level="3" verb="1" step="24"><answer rc="0"/></msg>',
  ],
  [
    "§10 D:",
    answer(24, 1),
    '<?xml version="1.0" encoding="UTF-8" ?><msg level="3" verb="1" step="24"><answer rc="1"/></msg>',
  ],
  [
    "§10 D: with -o 0",
    answer(16, 5),
    '<?xml version="1.0" encoding="UTF-8" ?><msg level="3" verb="1" step="16"><session peerid="a1b2c3d4e5f60718293a4b5c6d7e8f90"/><answer rc="5"/></msg>',
  ],
  [
    "§11 D: rc=-14, then the daemon half-closes",
    answer(16, -14),
    '<?xml version="1.0" encoding="UTF-8" ?><msg level="3" verb="1" step="16"><session peerid="a1b2c3d4e5f60718293a4b5c6d7e8f90"/><answer rc="-14"/></msg>',
  ],
  [
    "§12 C → multicast group: request",
    { kind: "discover" },
    '<?xml version="1.0" encoding="UTF-8" ?><msg level="3" verb="4" step="8"></msg>',
  ],
  [
    "§12 D → client",
    { kind: "discoverAnswer", address: "", port: 28015 },
    '<?xml version="1.0" encoding="UTF-8" ?><msg level="3" verb="4" step="16"><network address="" port="28015"/></msg>',
  ],
  [
    "§12 D → client: daemon configured with an explicit unicast address",
    { kind: "discoverAnswer", address: "192.168.1.10", port: 28015 },
    '<?xml version="1.0" encoding="UTF-8" ?><msg level="3" verb="4" step="16"><network address="192.168.1.10" port="28015"/></msg>',
  ],
  [
    "§13 C: immediate",
    { kind: "shutdown", peerId: CLIENT, immediate: true },
    '<?xml version="1.0" encoding="UTF-8" ?><msg level="3" verb="5" step="8"><session peerid="3c5a7e2f9b1d4a6c8e0f2b4d6a8c0e1f"/><shutdown immediate="1"/></msg>',
  ],
  [
    "§13 C: quiesce",
    { kind: "shutdown", peerId: CLIENT, immediate: false },
    '<?xml version="1.0" encoding="UTF-8" ?><msg level="3" verb="5" step="8"><session peerid="3c5a7e2f9b1d4a6c8e0f2b4d6a8c0e1f"/><shutdown immediate="0"/></msg>',
  ],
];

Deno.test(
  "encodeMessage() writes every captured sample byte for byte",
  { permissions: "none" },
  () => {
    for (const [label, message, expected] of SAMPLES) {
      assert.equal(text.decode(encodeMessage(message)), expected, label);
    }
  },
);

Deno.test("decodeMessage() reads every captured sample back", { permissions: "none" }, () => {
  for (const [label, message, bytes] of SAMPLES) {
    assert.deepEqual(decode(bytes), message, label);
  }
});

/** Parses a Python bytes literal such as `b'a\'b\x00'`. */
function parsePythonBytes(literal: string): Uint8Array {
  const quote = literal[1];
  assert.ok(literal.startsWith("b") && (quote === "'" || quote === '"'), literal);
  assert.ok(literal.endsWith(quote), literal);
  const body = literal.slice(2, -1);
  const escapes: Record<string, number> = { "\\": 0x5c, "'": 0x27, '"': 0x22, n: 10, r: 13, t: 9 };
  const bytes: number[] = [];
  for (let i = 0; i < body.length; i++) {
    const char = body[i] ?? "";
    if (char !== "\\") {
      bytes.push(char.charCodeAt(0));
    } else if (body[i + 1] === "x") {
      bytes.push(parseInt(body.slice(i + 2, i + 4), 16));
      i += 3;
    } else {
      const byte = escapes[body[++i] ?? ""];
      assert.ok(byte !== undefined, `unknown escape in ${literal}`);
      bytes.push(byte);
    }
  }
  return new Uint8Array(bytes);
}

Deno.test("parsePythonBytes() handles the escapes of a bytes repr", { permissions: "none" }, () => {
  assert.deepEqual(
    parsePythonBytes(String.raw`b'a\\\'\"\n\r\t\x00\xff'`),
    new Uint8Array([0x61, 0x5c, 0x27, 0x22, 10, 13, 9, 0, 0xff]),
  );
  assert.deepEqual(parsePythonBytes(String.raw`b"it's"`), utf8.encode("it's"));
});

const WIRE_CAPTURES = new URL("../../tests/fixtures/wire/", import.meta.url);

Deno.test("decodeMessage() then encodeMessage() reproduces every captured wire message", {
  permissions: { read: [WIRE_CAPTURES] },
}, async () => {
  const directory = WIRE_CAPTURES;
  let checked = 0;
  for await (const entry of Deno.readDir(directory)) {
    if (!entry.isFile) continue;
    const capture = await Deno.readTextFile(new URL(entry.name, directory));
    for (const line of capture.split("\n")) {
      if (!line.startsWith("bytes: ")) continue;
      const bytes = parsePythonBytes(line.slice("bytes: ".length).trimEnd());
      assert.deepEqual(encodeMessage(decodeMessage(bytes)), bytes, `${entry.name}: ${line}`);
      // A trailing newline takes the general parser instead of the canonical fast path: both
      // must read the same message.
      const general = utf8.encode(`${text.decode(bytes)}\n`);
      assert.deepEqual(decodeMessage(general), decodeMessage(bytes), `general: ${line}`);
      checked++;
    }
  }
  assert.ok(checked >= 40, `only ${checked} messages checked`);
});

Deno.test(
  "encodeMessage() sends a resource name as base64 of its bytes",
  { permissions: "none" },
  () => {
    const name = toBinaryString("café");
    const bytes = encodeMessage(unlock(name, false));
    assert.equal(text.decode(bytes), msg(2, 8, '<resource name="Y2Fmw6k=" rollback="0" />'));
    assert.deepEqual(decodeMessage(bytes), unlock(name, false));
  },
);

Deno.test("encodeMessage() writes ping and step-32 answers", { permissions: "none" }, () => {
  assert.equal(text.decode(encodeMessage({ kind: "ping", step: 8 })), msg(3, 8));
  assert.equal(text.decode(encodeMessage({ kind: "ping", step: 16 })), msg(3, 16));
  assert.equal(text.decode(encodeMessage(answer(32, 0))), msg(1, 32, '<answer rc="0"/>'));
});

Deno.test("encodeMessage() escapes what would break the document", { permissions: "none" }, () => {
  const message = answer(24, 0, 'a"b<c&d>');
  const bytes = encodeMessage(message);
  assert.equal(text.decode(bytes), msg(1, 24, '<answer rc="0" element="a&quot;b&lt;c&amp;d>"/>'));
  assert.deepEqual(decodeMessage(bytes), message);
});

Deno.test("decodeMessage() accepts what GMarkup accepts", { permissions: "none" }, () => {
  const granted = answer(16, 0, "red");
  for (
    const xml of [
      `<msg level="3" verb="1" step="16"><session peerid="${DAEMON}"/><answer rc="0" element="red"/></msg>`,
      `\r\n ${DECLARATION}\n<msg\tlevel="3"\nverb="1" step="16" >\n  <session peerid="${DAEMON}" />\n  <answer rc="0" element="red"></answer>\n</msg>\n`,
      `<msg step='16' verb='1' level='3'><answer element='red' rc='0'/><session peerid='${DAEMON}'/></msg>`,
      `<msg level = "3" verb="1" step="16"><session peerid="${DAEMON}"></session><answer rc="0" element="red"/></msg >`,
      `<!-- c --><?pi x?><msg level="3" verb="1" step="16"><!-- <x a="1"/> --><session peerid="${DAEMON}"/><?pi?><answer rc="0" element="red"/></msg><!-- c -->`,
      `<msg level="3" verb="1" step="16">text &amp; more<session peerid="${DAEMON}"/><answer rc="0" element="red"/></msg>`,
      `<msg level="3" verb="1" step="16" id="7"><session peerid="${DAEMON}" x="1"/><answer rc="0" element="red" y="2"/></msg>`,
      `<msg level="3" verb="1" step="16"><extra/><more></more><session peerid="${DAEMON}"/><answer rc="0" element="red"/></msg>`,
      `<msg level="3" verb="1" step="16"><session peerid="${DAEMON}"><answer rc="0" element="red"/></session></msg>`,
      `<msg level="3" verb="1" step="16"><session peerid="${DAEMON}"/><answer rc="1"/><answer element="red" rc="0"/></msg>`,
      `<msg level="3" verb="1" step="16"><session peerid="${DAEMON}"/><answer rc="-0" element="red"/></msg>`,
      `<msg level="3" verb="1" step="16"><network port="x"/><shutdown z="1"/><session peerid="${DAEMON}"/><answer rc="0" element="red"/></msg>`,
    ]
  ) {
    assert.deepEqual(decode(xml), granted, xml);
  }
});

Deno.test(
  "decodeMessage() resolves entity and character references",
  { permissions: "none" },
  () => {
    const xml = msg(
      1,
      24,
      `<answer rc="0" element="&lt;&gt;&amp;&quot;&apos;&#65;&#x42;&#x1F600;é"/>`,
    );
    assert.deepEqual(decode(xml), answer(24, 0, `<>&"'AB\u{1F600}é`));
    assert.deepEqual(
      decode(msg(2, 8, '<resource name="UjE&#x3D;" rollback="1" />')),
      unlock("R1", true),
    );
  },
);

Deno.test(
  "decodeMessage() reads missing attributes as 0, false or empty",
  { permissions: "none" },
  () => {
    assert.deepEqual(decode(msg(1, 8, '<resource name="UjE="/>')), {
      kind: "lock",
      peerId: "",
      name: "R1",
      wait: false,
      create: false,
      lifespan: 0,
    });
    assert.deepEqual(decode(msg(1, 16)), { kind: "lockAnswer", step: 16, rc: 0 });
    assert.deepEqual(decode(msg(1, 16, "<session/>")), {
      kind: "lockAnswer",
      step: 16,
      peerId: "",
      rc: 0,
    });
    assert.deepEqual(decode(msg(5, 8, "<shutdown/>")), {
      kind: "shutdown",
      peerId: "",
      immediate: false,
    });
    assert.deepEqual(decode(msg(2, 8, '<resource name=""/>')), unlock("", false));
    assert.deepEqual(decode('<msg verb="4" step="8"/>'), { kind: "discover" });
  },
);

Deno.test(
  "decodeMessage() reads 0 as false and any other integer as true",
  { permissions: "none" },
  () => {
    for (
      const [value, expected] of [["0", false], ["00", false], ["-0", false], ["1", true]] as const
    ) {
      assert.equal(
        (decode(msg(2, 8, `<resource name="" rollback="${value}"/>`)) as UnlockRequest).rollback,
        expected,
      );
    }
    for (const value of ["2", "-1", "+7"]) {
      assert.deepEqual(
        decode(msg(1, 8, `<resource name="" wait="${value}" create="${value}"/>`)),
        { kind: "lock", peerId: "", name: "", wait: true, create: true, lifespan: 0 },
      );
    }
  },
);

Deno.test("decodeMessage() ignores tags outside the messages that carry them", {
  permissions: "none",
}, () => {
  assert.deepEqual(
    decode(msg(1, 24, `<session peerid="${DAEMON}"/><resource name="!"/><answer rc="1"/>`)),
    answer(24, 1),
  );
  assert.deepEqual(decode(msg(4, 8, '<network bad="1"/><answer rc="x"/>')), { kind: "discover" });
  assert.deepEqual(decode(msg(3, 16, "<shutdown nope='1'/>")), { kind: "ping", step: 16 });
});

Deno.test("decodeMessage() accepts every legal verb and step", { permissions: "none" }, () => {
  const bodies: [number, number, string][] = [
    [1, 8, '<resource name=""/>'],
    [1, 16, ""],
    [1, 24, ""],
    [1, 32, ""],
    [2, 8, '<resource name=""/>'],
    [3, 8, ""],
    [3, 16, ""],
    [4, 8, ""],
    [4, 16, '<network address="" port="1"/>'],
    [5, 8, "<shutdown/>"],
  ];
  for (const [verb, step, body] of bodies) decode(msg(verb, step, body));
});

Deno.test("decodeMessage() rejects a protocol level other than 3", { permissions: "none" }, () => {
  assertRejects('<msg level="2" verb="4" step="8"></msg>', RC.PROTOCOL_LEVEL_MISMATCH);
  assertRejects('<msg level="0" verb="4" step="8"></msg>', RC.PROTOCOL_LEVEL_MISMATCH);
  assertRejects('<msg level="4" verb="9" step="8"><x y="1"/></msg>', RC.PROTOCOL_LEVEL_MISMATCH);
});

Deno.test("decodeMessage() rejects malformed documents", { permissions: "none" }, () => {
  for (
    const xml of [
      "",
      "   ",
      DECLARATION,
      '<msg level="3" verb="4" step="8">',
      '<msg level="3" verb="4" step="8"><a></msg>',
      '<msg level="3" verb="4" step="8"></a></msg>',
      '<msg level="3" verb="4" step="8"></msg></msg>',
      '<msg level="3" verb="4" step="8"></msg>x',
      '<msg level="3" verb="4" step="8"></msg><msg level="3" verb="4" step="8"></msg>',
      'x<msg level="3" verb="4" step="8"></msg>',
      '<other level="3" verb="4" step="8"></other>',
      '<msg level=3 verb="4" step="8"></msg>',
      '<msg level="3"verb="4" step="8"></msg>',
      '<msg level="3" verb="4" step="8" level></msg>',
      '<msg level="3" verb="4" step="8"><a b="<"/></msg>',
      '<msg level="3" verb="4" step="8"><a b="&"/></msg>',
      '<msg level="3" verb="4" step="8">&foo;</msg>',
      '<msg level="3" verb="4" step="8">&#0;</msg>',
      '<msg level="3" verb="4" step="8">&#xD800;</msg>',
      '<msg level="3" verb="4" step="8">&#x110000;</msg>',
      '<msg level="3" verb="4" step="8">&#99999999999999999999;</msg>',
      '<msg level="3" verb="4" step="8"><!-- unterminated </msg>',
      '<msg level="3" verb="4" step="8"><![CDATA[x]]></msg>',
      '<msg level="3" verb="4" step="8"><1a/></msg>',
      '<msg level="3" verb="4" step="8">\0</msg>',
    ]
  ) {
    assertRejects(xml, RC.MSG_DESERIALIZE_ERROR);
  }
});

Deno.test("decodeMessage() rejects invalid UTF-8", { permissions: "none" }, () => {
  const bytes = utf8.encode(msg(1, 24, '<answer rc="0" element="XX"/>'));
  bytes.set([0xc3, 0x28], bytes.indexOf(0x58));
  assertRejects(bytes, RC.MSG_DESERIALIZE_ERROR);
  assertRejects(
    new Uint8Array([0xef, 0xbb, 0xbf, ...utf8.encode(msg(4, 8))]),
    RC.MSG_DESERIALIZE_ERROR,
  );
});

Deno.test("decodeMessage() rejects a name that is not base64", { permissions: "none" }, () => {
  for (const name of ["UjE", "UjE=x", "U jE=", "UjE==", "!!!!", "U=E="]) {
    assertRejects(msg(1, 8, `<resource name="${name}"/>`), RC.MSG_DESERIALIZE_ERROR);
    assertRejects(msg(2, 8, `<resource name="${name}"/>`), RC.MSG_DESERIALIZE_ERROR);
  }
});

Deno.test(
  "decodeMessage() rejects a number that is not an integer",
  { permissions: "none" },
  () => {
    for (const value of ["", " 1", "1 ", "1.5", "x", "0x10", "1e3", "2147483648", "-2147483649"]) {
      for (
        const xml of [
          `<msg level="${value}" verb="4" step="8"></msg>`,
          `<msg level="3" verb="${value}" step="8"></msg>`,
          msg(1, 8, `<resource name="" lifespan="${value}"/>`),
          msg(1, 8, `<resource name="" wait="${value}"/>`),
          msg(1, 16, `<answer rc="${value}"/>`),
          msg(4, 16, `<network address="" port="${value}"/>`),
          msg(5, 8, `<shutdown immediate="${value}"/>`),
        ]
      ) {
        assertRejects(xml, RC.MSG_DESERIALIZE_ERROR);
      }
    }
    assert.deepEqual(decode(msg(1, 16, '<answer rc="-2147483648"/>')), {
      kind: "lockAnswer",
      step: 16,
      rc: -(2 ** 31),
    });
  },
);

Deno.test(
  "decodeMessage() rejects a verb and step that form no message",
  { permissions: "none" },
  () => {
    const pairs: [number, number][] = [[0, 0], [1, 0], [1, 40], [2, 16], [3, 24], [4, 24], [5, 16]];
    pairs.push([6, 8], [-1, 8]);
    for (const [verb, step] of pairs) assertRejects(msg(verb, step), RC.PROTOCOL_ERROR);
    assertRejects('<msg level="3"></msg>', RC.PROTOCOL_ERROR);
  },
);

Deno.test("decodeMessage() rejects an unknown tag with attributes", { permissions: "none" }, () => {
  assertRejects(msg(4, 8, '<extra a="1"/>'), RC.PROTOCOL_ERROR);
  assertRejects(msg(1, 24, '<answer rc="0"><x y=""/></answer>'), RC.PROTOCOL_ERROR);
  assertRejects(msg(4, 8, '<msg level="3"/>'), RC.PROTOCOL_ERROR);
});

Deno.test("decodeMessage() rejects unknown attributes on network and shutdown", {
  permissions: "none",
}, () => {
  assertRejects(msg(4, 16, '<network address="" port="1" ttl="1"/>'), RC.PROTOCOL_ERROR);
  assertRejects(msg(5, 8, '<shutdown immediate="1" now="1"/>'), RC.PROTOCOL_ERROR);
});

Deno.test("decodeMessage() rejects lock attributes in an unlock and rollback in a lock", {
  permissions: "none",
}, () => {
  for (const key of ["mode", "wait", "quantity", "create", "lifespan"]) {
    assertRejects(msg(2, 8, `<resource name="UjE=" ${key}="1" rollback="0" />`), RC.PROTOCOL_ERROR);
  }
  assertRejects(msg(1, 8, '<resource name="UjE=" rollback="0"/>'), RC.PROTOCOL_ERROR);
});

Deno.test(
  "decodeMessage() rejects messages missing what they need",
  { permissions: "none" },
  () => {
    assertRejects(msg(1, 8, `<session peerid="${CLIENT}"/>`), RC.PROTOCOL_ERROR);
    assertRejects(msg(1, 8, '<resource mode="5"/>'), RC.PROTOCOL_ERROR);
    assertRejects(msg(2, 8, '<resource rollback="0"/>'), RC.PROTOCOL_ERROR);
    assertRejects(msg(5, 8, `<session peerid="${CLIENT}"/>`), RC.PROTOCOL_ERROR);
    assertRejects(msg(4, 16, '<network port="1"/>'), RC.PROTOCOL_ERROR);
    assertRejects(msg(4, 16, '<network address=""/>'), RC.PROTOCOL_ERROR);
    assertRejects(msg(4, 16), RC.PROTOCOL_ERROR);
  },
);

/** A small seeded generator (mulberry32), so that a failure can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

Deno.test(
  "decodeMessage() on mutated samples: rejects with ProtocolError only, accepts what reads back the same",
  { permissions: "none" },
  () => {
    const next = random(20240302);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
    const samples = SAMPLES.map(([, , xml]) => utf8.encode(xml));
    const fragments = [
      ..."<>/=\"'&;#x? \n!-",
      "<msg",
      "</msg>",
      'level="3"',
      'verb="1"',
      'step="8"',
      "<resource",
      'name="',
      "&amp;",
      "&#",
      "<!--",
      "-->",
      "<?",
      "?>",
      "\xff",
      "é",
    ].map((fragment) => utf8.encode(fragment));
    const codes = new Set<number>([
      RC.MSG_DESERIALIZE_ERROR,
      RC.PROTOCOL_LEVEL_MISMATCH,
      RC.PROTOCOL_ERROR,
    ]);
    const rounds = 3000;
    let rejected = 0;
    const seen = new Set<number>();
    for (let round = 0; round < rounds; round++) {
      let bytes: Uint8Array;
      if (round % 3 === 0) {
        bytes = Uint8Array.from(
          { length: Math.floor(next() * 64) },
          () => Math.floor(next() * 256),
        );
      } else {
        const parts = [...pick(samples)];
        for (let edits = 1 + Math.floor(next() * 4); edits > 0; edits--) {
          const at = Math.floor(next() * (parts.length + 1));
          if (next() < 0.5) parts.splice(at, 1 + Math.floor(next() * 8));
          else parts.splice(at, 0, ...pick(fragments));
          if (next() < 0.3 && parts.length > 0) parts[at % parts.length] = Math.floor(next() * 256);
        }
        bytes = new Uint8Array(parts);
      }
      let message: Message;
      try {
        message = decodeMessage(bytes);
      } catch (error) {
        assert.ok(
          error instanceof ProtocolError && codes.has(error.rc),
          `${error} for ${JSON.stringify(text.decode(bytes))}`,
        );
        rejected++;
        seen.add(error.rc);
        continue;
      }
      // What is accepted is a message: it encodes, and reads back the same.
      assert.deepEqual(decodeMessage(encodeMessage(message)), message, text.decode(bytes));
    }
    // Both outcomes in a meaningful share, or the loop proved nothing about the other one (with
    // this seed: 2755 rejected, 245 accepted); rejections both by the parser and by the message
    // checks behind it (a wrong level has its own test above).
    assert.ok(rejected >= rounds / 2, `only ${rejected} of ${rounds} inputs rejected`);
    assert.ok(rounds - rejected >= rounds / 50, `only ${rounds - rejected} of ${rounds} accepted`);
    assert.ok(seen.has(RC.MSG_DESERIALIZE_ERROR) && seen.has(RC.PROTOCOL_ERROR), [...seen].join());
  },
);

Deno.test("decodeMessage() reads repeated bytes once: the same frozen message", {
  permissions: "none",
}, () => {
  const bytes = encodeMessage({ kind: "unlock", name: "repeated", rollback: false });
  const first = decodeMessage(bytes);
  const second = decodeMessage(bytes.slice());
  assert.strictEqual(second, first);
  assert.ok(Object.isFrozen(first));
  assert.deepEqual(first, { kind: "unlock", name: "repeated", rollback: false });
});

Deno.test(
  "decodeMessage() keeps its own copy of the bytes it has read: a reused buffer is read anew",
  {
    permissions: "none",
  },
  () => {
    const buffer = new Uint8Array(512);
    const [a, b] = ["reusedA", "reusedB"].map((name) =>
      encodeMessage({ kind: "unlock", name, rollback: false })
    );
    buffer.set(a!);
    const first = decodeMessage(buffer.subarray(0, a!.length));
    buffer.set(b!);
    const second = decodeMessage(buffer.subarray(0, b!.length));
    assert.deepEqual([first, second].map((message) => message.kind === "unlock" && message.name), [
      "reusedA",
      "reusedB",
    ]);
    assert.strictEqual(decodeMessage(a!), first);
  },
);
