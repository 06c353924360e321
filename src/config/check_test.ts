import assert from "node:assert/strict";
import { LockMode } from "../resources/lock_mode.ts";
import { checkSettings } from "./check.ts";
import { defaultSettings, type Settings } from "./settings.ts";

function settingsWith(changes: Partial<Settings>): Settings {
  return { ...defaultSettings(), ...changes };
}

Deno.test("checkSettings() sets the default socket /tmp/flom-<login>", () => {
  const { settings, warnings } = checkSettings(defaultSettings(), "alice");
  assert.equal(settings.socketName, "/tmp/flom-alice");
  assert.deepEqual(warnings, []);
});

Deno.test("checkSettings() cuts the default socket to 107 bytes", () => {
  const { settings } = checkSettings(defaultSettings(), "u".repeat(200));
  assert.equal(settings.socketName, `/tmp/flom-${"u".repeat(97)}`);
  assert.equal(settings.socketName?.length, 107);
});

Deno.test("checkSettings() sets no socket when an address is given", () => {
  assert.equal(
    checkSettings(settingsWith({ unicastAddress: "localhost" }), "a").settings.socketName,
    undefined,
  );
  assert.equal(
    checkSettings(settingsWith({ multicastAddress: "239.255.0.1" }), "a").settings.socketName,
    undefined,
  );
  assert.equal(
    checkSettings(settingsWith({ socketName: "/tmp/s" }), "a").settings.socketName,
    "/tmp/s",
  );
});

Deno.test("checkSettings() does not change its input", () => {
  const input = settingsWith({ resourceName: "a.b", lockMode: LockMode.ProtectedRead });
  checkSettings(input, "alice");
  assert.deepEqual(input, settingsWith({ resourceName: "a.b", lockMode: LockMode.ProtectedRead }));
});

Deno.test("checkSettings() refuses a socket together with an address", () => {
  for (const address of [{ unicastAddress: "192.168.1.1" }, { multicastAddress: "239.255.0.1" }]) {
    assert.throws(() => checkSettings(settingsWith({ socketName: "/tmp/foo", ...address }), "a"), {
      name: "ConfigError",
      message:
        "ERROR: flom can not be configured for local (UNIX socket) and network (TCP-UDP/IP) communication at the same time.",
    });
  }
});

Deno.test("checkSettings() forces exclusive mode where the kind has no modes", () => {
  const cases: [string, number][] = [["a.b.c", 3], ["foo[2]", 2], ["_s_seq[3]", 5], [
    "_t_%Y[1]",
    6,
  ]];
  for (const [resourceName, type] of cases) {
    const input = settingsWith({ resourceName, lockMode: LockMode.ProtectedRead, verbose: true });
    const { settings, warnings } = checkSettings(input, "a");
    assert.equal(settings.lockMode, LockMode.Exclusive);
    assert.deepEqual(warnings, [
      `This resource type (${type}) support only exclusive lock mode; specified value (3) will be ignored`,
    ]);
  }
  for (const resourceName of ["MYRES", "/a/b"]) {
    const input = settingsWith({ resourceName, lockMode: LockMode.ProtectedRead, verbose: true });
    assert.equal(checkSettings(input, "a").settings.lockMode, LockMode.ProtectedRead);
  }
});

Deno.test("checkSettings() forces quantity 1 where the kind is not numeric", () => {
  const input = settingsWith({ resourceQuantity: 8, verbose: true });
  const { settings, warnings } = checkSettings(input, "a");
  assert.equal(settings.resourceQuantity, 1);
  assert.deepEqual(warnings, [
    "This resource type (1) does not support quantity lock option; specified value (8) will be ignored",
  ]);
  const numeric = settingsWith({ resourceName: "foo[9]", resourceQuantity: 8, verbose: true });
  assert.equal(checkSettings(numeric, "a").settings.resourceQuantity, 8);
});

Deno.test("checkSettings() coerces silently unless verbose", () => {
  const input = settingsWith({
    resourceName: "a.b",
    lockMode: LockMode.NullLock,
    resourceQuantity: 2,
  });
  const { settings, warnings } = checkSettings(input, "a");
  assert.equal(settings.lockMode, LockMode.Exclusive);
  assert.equal(settings.resourceQuantity, 1);
  assert.deepEqual(warnings, []);
});

const ALL_TLS = { tlsCertificate: "/c.pem", tlsPrivateKey: "/k.pem", tlsCaCertificate: "/ca.pem" };

Deno.test("checkSettings() refuses a peer-id check without the three TLS files", () => {
  for (const files of [{}, { tlsCertificate: "/c.pem" }]) {
    assert.throws(() => checkSettings(settingsWith({ tlsCheckPeerId: true, ...files }), "a"), {
      name: "ConfigError",
      message: "ERROR: TLS check peer id can not be specified without full TLS configuration.",
    });
  }
  checkSettings(settingsWith({ tlsCheckPeerId: true, ...ALL_TLS }), "a");
});

Deno.test("checkSettings() refuses one or two TLS files without the others", () => {
  const partial = [
    { tlsCertificate: "/c.pem" },
    { tlsPrivateKey: "/k.pem" },
    { tlsCaCertificate: "/ca.pem" },
    { tlsCertificate: "/c.pem", tlsPrivateKey: "/k.pem" },
  ];
  for (const files of partial) {
    assert.throws(() => checkSettings(settingsWith(files), "a"), {
      name: "ConfigError",
      message:
        "Cannot use TLS: --tls-certificate, --tls-private-key and --tls-ca-certificate must be given together",
    });
  }
  assert.deepEqual(checkSettings(settingsWith(ALL_TLS), "a").settings.tlsCertificate, "/c.pem");
});
