import assert from "node:assert/strict";
import { LockMode } from "../resources/lock_mode.ts";
import {
  absInt,
  parseEtcdEndpoints,
  parseHostPort,
  parseInteger,
  parseLockMode,
  parseSignalList,
  parseYesNo,
  quoteValue,
  SIGNAL_NAMES,
  signalName,
  validateHostPort,
  validateResourceName,
  validateSocketName,
} from "./values.ts";

Deno.test("parseInteger() reads option integers like strtol(text, 0)", () => {
  const cases: [string, number][] = [
    ["10", 10],
    ["0x10", 16],
    ["0X1f", 31],
    ["010", 8],
    ["0", 0],
    [" 12", 12],
    ["\t-7", -7],
    ["+5", 5],
    ["-0x10", -16],
    ["2147483647", 2147483647],
    ["-2147483648", -2147483648],
  ];
  for (const [text, expected] of cases) assert.equal(parseInteger(text, "option"), expected, text);
});

Deno.test("parseInteger() refuses option text that is no integer", () => {
  for (const text of ["", " ", "abc", "-1x", "12 ", "0x", "08", "1.5", "--", "-d", "=5", "0x1g"]) {
    assert.throws(() => parseInteger(text, "option"), SyntaxError, JSON.stringify(text));
  }
});

Deno.test("parseInteger() refuses integers outside the C int range", () => {
  for (const text of ["99999999999", "2147483648", "-2147483649", "0xffffffff"]) {
    assert.throws(() => parseInteger(text, "option"), RangeError, text);
  }
});

Deno.test("parseInteger() reads key file integers as decimal with blanks around", () => {
  assert.equal(parseInteger(" 7 ", "keyfile"), 7);
  assert.equal(parseInteger("010", "keyfile"), 10);
  assert.equal(parseInteger("-100", "keyfile"), -100);
  for (const text of ["", "1.5", "abc", "0x10", "7 x"]) {
    assert.throws(() => parseInteger(text, "keyfile"), SyntaxError, text);
  }
  assert.throws(() => parseInteger("99999999999", "keyfile"), RangeError);
});

Deno.test("absInt() is abs() that cannot overflow", () => {
  assert.equal(absInt(-5), 5);
  assert.equal(absInt(5), 5);
  assert.equal(absInt(-2147483648), 2147483647);
});

Deno.test("parseYesNo() accepts exactly yes/no/y/n/true/false in any case", () => {
  const cases: [string, boolean | undefined][] = [
    ["yes", true],
    ["YES", true],
    ["y", true],
    ["Y", true],
    ["true", true],
    ["True", true],
    ["no", false],
    ["N", false],
    ["false", false],
    ["yes ", true],
    ["maybe", undefined],
    ["On", undefined],
    ["off", undefined],
    ["1", undefined],
    ["0", undefined],
    ["Nope yes", undefined],
    ["", undefined],
    ["--", undefined],
  ];
  for (const [text, expected] of cases) assert.equal(parseYesNo(text), expected, text);
});

Deno.test("parseLockMode() takes a short or long name in any case, and nothing else", () => {
  const cases: [string, LockMode | undefined][] = [
    ["NL", LockMode.NullLock],
    ["NullLock", LockMode.NullLock],
    ["cr", LockMode.ConcurrentRead],
    ["ConcurrentRead", LockMode.ConcurrentRead],
    ["CW", LockMode.ConcurrentWrite],
    ["concurrentwrite", LockMode.ConcurrentWrite],
    ["pr", LockMode.ProtectedRead],
    [" ProtectedRead ", LockMode.ProtectedRead],
    ["PW", LockMode.ProtectedWrite],
    ["ProtectedWrite", LockMode.ProtectedWrite],
    ["ex", LockMode.Exclusive],
    ["EXCLUSIVE", LockMode.Exclusive],
    // What the original's substring search would take for PR, CR and CR.
    ["express", undefined],
    ["crash", undefined],
    ["CRPW", undefined],
    ["XX", undefined],
    ["", undefined],
  ];
  for (const [text, expected] of cases) assert.equal(parseLockMode(text), expected, text);
});

Deno.test("parseSignalList() takes numbers and names with or without SIG in any case, sorts", () => {
  assert.deepEqual(parseSignalList(["SIGTERM", "quit"], "ignore-signal"), [3, 15]);
  assert.deepEqual(parseSignalList(["15", " 3", "sigterm", "Hup", ""], "ignore-signal"), [
    1,
    3,
    15,
  ]);
  assert.deepEqual(parseSignalList(["SIGSYS", "31", "SIGHUP"], "ignore-signal"), [1, 31]);
});

Deno.test("parseSignalList() refuses what is no signal, naming the option and the element", () => {
  for (const element of ["FOO", "0", "32", "-3", "15x", "SIG"]) {
    assert.throws(() => parseSignalList(["TERM", element], "ignore-signal"), {
      name: "RangeError",
      message:
        `ignore-signal: '${element}' is not a signal: give a number from 1 to 31 or a name such as TERM (flom --signal-list shows them)`,
    });
  }
});

Deno.test("SIGNAL_NAMES is the 31-entry Linux table", () => {
  assert.equal(SIGNAL_NAMES.length, 31);
  assert.equal(signalName(1), "SIGHUP");
  assert.equal(signalName(16), "SIGSTKFLT");
  assert.equal(signalName(31), "SIGSYS");
});

Deno.test("validateResourceName() refuses the reserved and invalid names", () => {
  assert.throws(() => validateResourceName("_RESOURCE"), {
    name: "RangeError",
    message: "ERROR: '_RESOURCE' is a reserved resource name and can not be set by user",
  });
  assert.throws(() => validateResourceName("123bad"), {
    name: "RangeError",
    message:
      /^ERROR: '123bad' is not a valid name for a resource\nflom: a resource name is a letter followed by letters and digits .*\(timestamps\)\.$/,
  });
  assert.throws(() => validateResourceName("db-backup"), {
    name: "RangeError",
    message: /\(timestamps\)\. Did you mean 'dbbackup'\?$/,
  });
  assert.throws(() => validateResourceName("my_res-1"), { message: /Did you mean 'myres1'\?$/ });
  assert.throws(() => validateResourceName("-1"), { message: /\(timestamps\)\.$/ });
  for (const name of ["MYRES", "foo[2]", "a.b.c", "/a/b", "_s_seq[3]", "_t_%Y[1]"]) {
    validateResourceName(name);
  }
});

Deno.test("validateSocketName() refuses names of 108 bytes or more", () => {
  validateSocketName("x".repeat(107), "socket-name");
  const long = "x".repeat(108);
  assert.throws(() => validateSocketName(long, "socket-name"), {
    name: "RangeError",
    message: `socket-name: '${long}' is an invalid value`,
  });
  // Bytes, not characters: 54 two-byte characters are 108 bytes.
  assert.throws(() => validateSocketName("é".repeat(54), "socket-name"), RangeError);
});

Deno.test("parseHostPort() reads an IPv4 address, a bracketed IPv6 address or a host name, and a port", () => {
  assert.deepEqual(parseHostPort("127.0.0.1:9100"), { hostname: "127.0.0.1", port: 9100 });
  assert.deepEqual(parseHostPort("[::1]:9100"), { hostname: "::1", port: 9100 });
  assert.deepEqual(parseHostPort("[::ffff:127.0.0.1]:1"), {
    hostname: "::ffff:127.0.0.1",
    port: 1,
  });
  assert.deepEqual(parseHostPort("localhost:65535"), { hostname: "localhost", port: 65535 });
  assert.deepEqual(parseHostPort("0.0.0.0:80"), { hostname: "0.0.0.0", port: 80 });
  assert.deepEqual(parseHostPort("my-host.example:9100"), {
    hostname: "my-host.example",
    port: 9100,
  });
});

Deno.test("parseHostPort() refuses what is not ADDRESS:PORT", () => {
  for (
    const text of [
      "",
      "9100",
      ":9100",
      "127.0.0.1",
      "127.0.0.1:",
      "127.0.0.1:0",
      "127.0.0.1:65536",
      "127.0.0.1:123456",
      "127.0.0.1:9x",
      "300.1.1.1:9100",
      "1.2.3:9100",
      "::1:9100",
      "[::1]",
      "[]:9100",
      "[1::2::3]:9100",
      "[fe80::1%eth0]:9100",
      "[localhost]:9100",
      "-host:9100",
      "a_b:9100",
      "http://127.0.0.1:9100",
      "127.0.0.1:9100/metrics",
    ]
  ) {
    assert.equal(parseHostPort(text), undefined, text);
  }
});

Deno.test("validateHostPort() names the option, the value and the expected form", () => {
  validateHostPort("[::1]:9100", "metrics");
  assert.throws(() => validateHostPort("9100", "metrics"), {
    name: "RangeError",
    message:
      "metrics: '9100' is an invalid value: give ADDRESS:PORT, as 127.0.0.1:9100 or [::1]:9100",
  });
});

Deno.test("quoteValue() keeps a message on one line", () => {
  assert.equal(quoteValue("abc"), "'abc'");
  assert.equal(quoteValue("a\nb\tc\rd\x01"), "'a\\nb\\tc\\rd\\x01'");
});

Deno.test("parseEtcdEndpoints() reads http:// and https://HOST:PORT lists and refuses anything else", () => {
  assert.deepEqual(parseEtcdEndpoints("http://127.0.0.1:2379"), ["http://127.0.0.1:2379"]);
  assert.deepEqual(parseEtcdEndpoints("http://a:1, https://[::1]:2/"), [
    "http://a:1",
    "https://[::1]:2",
  ]);
  for (
    const text of ["", "127.0.0.1:2379", "http://a", "ftp://a:1", "http://a:1/v3", "http://a:1,"]
  ) {
    assert.equal(parseEtcdEndpoints(text), undefined, text);
  }
});
