import assert from "node:assert/strict";
import { LockMode } from "../resources/lock_mode.ts";
import {
  absInt,
  parseInteger,
  parseLockMode,
  parseSignalList,
  parseYesNo,
  quoteValue,
  SIGNAL_NAMES,
  signalName,
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

Deno.test("parseLockMode() keeps the original's substring search", () => {
  const cases: [string, LockMode | undefined][] = [
    ["NL", LockMode.NullLock],
    ["NullLock", LockMode.NullLock],
    ["cr", LockMode.ConcurrentRead],
    ["ConcurrentRead", LockMode.ConcurrentRead],
    ["CW", LockMode.ConcurrentWrite],
    ["ConcurrentWrite", LockMode.ConcurrentWrite],
    ["pr", LockMode.ProtectedRead],
    ["xxPRxx", LockMode.ProtectedRead],
    ["ProtectedRead", LockMode.ProtectedRead],
    ["PW", LockMode.ProtectedWrite],
    ["ProtectedWrite", LockMode.ProtectedWrite],
    ["CRPW", LockMode.ConcurrentRead],
    ["ex", LockMode.Exclusive],
    ["Exclusive", LockMode.Exclusive],
    ["XX", undefined],
    ["", undefined],
  ];
  for (const [text, expected] of cases) assert.equal(parseLockMode(text), expected, text);
});

Deno.test("parseSignalList() takes numbers and exact names, drops the rest, sorts", () => {
  assert.deepEqual(parseSignalList(["SIGTERM", "SIGQUIT"]), [3, 15]);
  assert.deepEqual(parseSignalList(["15", "3", "15x", " 1"]), [1, 3, 15]);
  assert.deepEqual(parseSignalList(["bogus", "0", "99", "-3", "sigterm", "", "SIGTERM "]), []);
  assert.deepEqual(parseSignalList(["SIGSYS", "31", "SIGHUP"]), [1, 31]);
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

Deno.test("quoteValue() keeps a message on one line", () => {
  assert.equal(quoteValue("abc"), "'abc'");
  assert.equal(quoteValue("a\nb\tc\rd\x01"), "'a\\nb\\tc\\rd\\x01'");
});
