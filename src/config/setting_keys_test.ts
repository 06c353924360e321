import assert from "node:assert/strict";
import { LockMode } from "../resources/lock_mode.ts";
import { PATH_FIELDS, SETTING_KEYS, settingValue } from "./setting_keys.ts";

const keyOf = (field: string) => SETTING_KEYS.find((entry) => entry.field === field)!;
const read = (field: string, input: Parameters<typeof settingValue>[1]) =>
  settingValue(keyOf(field), input, { syntax: "keyfile", warnings: [] });

Deno.test("PATH_FIELDS lists the TLS files, the daemon's and those for etcd", () => {
  assert.deepEqual(PATH_FIELDS, [
    "tlsCertificate",
    "tlsPrivateKey",
    "tlsCaCertificate",
    "etcdCaCertificate",
    "etcdCertificate",
    "etcdPrivateKey",
  ]);
});

Deno.test("settingValue() reads integers in the syntax of their source", () => {
  const timeout = SETTING_KEYS.find((entry) => entry.field === "resourceTimeout")!;
  assert.deepEqual(settingValue(timeout, "0x10", { syntax: "option", warnings: [] }), {
    resourceTimeout: 16,
  });
  assert.throws(
    () => settingValue(timeout, "0x10", { syntax: "keyfile", warnings: [] }),
    SyntaxError,
  );
});

Deno.test("settingValue() takes typed values of the setting's type", () => {
  assert.deepEqual(read("resourceTimeout", 250), { resourceTimeout: 250 });
  assert.deepEqual(read("verbose", true), { verbose: true });
  assert.deepEqual(read("ignoredSignals", ["TERM", 3, "SIGINT"]), { ignoredSignals: [2, 3, 15] });
  assert.deepEqual(read("ignoredSignals", "TERM;3;"), { ignoredSignals: [3, 15] });
  assert.deepEqual(read("unicastAddress", 42), { unicastAddress: "42" });
  assert.deepEqual(read("lockMode", "ProtectedRead"), { lockMode: LockMode.ProtectedRead });
  assert.deepEqual(read("resourceQuantity", 0), {});
});

Deno.test("settingValue() refuses typed values of another type, naming the option", () => {
  const cases: [string, Parameters<typeof settingValue>[1], string][] = [
    ["resourceTimeout", 1.5, "resource-timeout: '1.5' is an invalid value"],
    ["resourceTimeout", true, "resource-timeout: 'true' is an invalid value"],
    ["verbose", 1, "verbose: '1' is an invalid value"],
    ["lockMode", 5, "lock-mode: '5' is an invalid value"],
    ["socketName", false, "socket-name: 'false' is an invalid value"],
    ["ignoredSignals", 15, "ignore-signal: '15' is an invalid value"],
  ];
  for (const [field, input, message] of cases) {
    assert.throws(() => read(field, input), { name: "RangeError", message });
  }
  assert.throws(() => read("resourceTimeout", 2 ** 31), RangeError);
});
