import assert from "node:assert/strict";
import { LockMode } from "../resources/lock_mode.ts";
import { checkSettings } from "./check.ts";
import { defaultSettings, type Settings } from "./settings.ts";

function settingsWith(changes: Partial<Settings>): Settings {
  return { ...defaultSettings(), ...changes };
}

Deno.test("checkSettings() sets the default socket /tmp/flom-<login>", async () => {
  const { settings, warnings } = await checkSettings(defaultSettings(), () => "alice");
  assert.equal(settings.socketName, "/tmp/flom-alice");
  assert.deepEqual(warnings, []);
});

Deno.test("checkSettings() cuts the default socket to 107 bytes", async () => {
  const { settings } = await checkSettings(defaultSettings(), () => "u".repeat(200));
  assert.equal(settings.socketName, `/tmp/flom-${"u".repeat(97)}`);
  assert.equal(settings.socketName?.length, 107);
});

Deno.test("checkSettings() sets no socket when an address is given", async () => {
  assert.equal(
    (await checkSettings(settingsWith({ unicastAddress: "localhost" }), () => "a")).settings
      .socketName,
    undefined,
  );
  assert.equal(
    (await checkSettings(settingsWith({ multicastAddress: "239.255.0.1" }), () => "a")).settings
      .socketName,
    undefined,
  );
  assert.equal(
    (await checkSettings(settingsWith({ socketName: "/tmp/s" }), () => "a")).settings.socketName,
    "/tmp/s",
  );
});

Deno.test("checkSettings() does not change its input", async () => {
  const input = settingsWith({ resourceName: "a.b", lockMode: LockMode.ProtectedRead });
  await checkSettings(input, () => "alice");
  assert.deepEqual(input, settingsWith({ resourceName: "a.b", lockMode: LockMode.ProtectedRead }));
});

Deno.test("checkSettings() refuses a socket together with an address", async () => {
  for (const address of [{ unicastAddress: "192.168.1.1" }, { multicastAddress: "239.255.0.1" }]) {
    await assert.rejects(
      () => checkSettings(settingsWith({ socketName: "/tmp/foo", ...address }), () => "a"),
      {
        name: "ConfigError",
        message:
          "ERROR: flom can not be configured for local (UNIX socket) and network (TCP-UDP/IP) communication at the same time.",
      },
    );
  }
});

Deno.test("checkSettings() forces exclusive mode where the kind has no modes", async () => {
  const cases: [string, number][] = [["a.b.c", 3], ["foo[2]", 2], ["_s_seq[3]", 5], [
    "_t_%Y[1]",
    6,
  ]];
  for (const [resourceName, type] of cases) {
    const input = settingsWith({ resourceName, lockMode: LockMode.ProtectedRead, verbose: true });
    const { settings, warnings } = await checkSettings(input, () => "a");
    assert.equal(settings.lockMode, LockMode.Exclusive);
    assert.deepEqual(warnings, [
      `This resource type (${type}) support only exclusive lock mode; specified value (3) will be ignored`,
    ]);
  }
  for (const resourceName of ["MYRES", "/a/b"]) {
    const input = settingsWith({ resourceName, lockMode: LockMode.ProtectedRead, verbose: true });
    assert.equal((await checkSettings(input, () => "a")).settings.lockMode, LockMode.ProtectedRead);
  }
});

Deno.test("checkSettings() forces quantity 1 where the kind is not numeric", async () => {
  const input = settingsWith({ resourceQuantity: 8, verbose: true });
  const { settings, warnings } = await checkSettings(input, () => "a");
  assert.equal(settings.resourceQuantity, 1);
  assert.deepEqual(warnings, [
    "This resource type (1) does not support quantity lock option; specified value (8) will be ignored",
  ]);
  const numeric = settingsWith({ resourceName: "foo[9]", resourceQuantity: 8, verbose: true });
  assert.equal((await checkSettings(numeric, () => "a")).settings.resourceQuantity, 8);
});

Deno.test("checkSettings() coerces silently unless verbose", async () => {
  const input = settingsWith({
    resourceName: "a.b",
    lockMode: LockMode.NullLock,
    resourceQuantity: 2,
  });
  const { settings, warnings } = await checkSettings(input, () => "a");
  assert.equal(settings.lockMode, LockMode.Exclusive);
  assert.equal(settings.resourceQuantity, 1);
  assert.deepEqual(warnings, []);
});

const ALL_TLS = { tlsCertificate: "/c.pem", tlsPrivateKey: "/k.pem", tlsCaCertificate: "/ca.pem" };

Deno.test("checkSettings() refuses a peer-id check without the three TLS files", async () => {
  for (const files of [{}, { tlsCertificate: "/c.pem" }]) {
    await assert.rejects(
      () => checkSettings(settingsWith({ tlsCheckPeerId: true, ...files }), () => "a"),
      {
        name: "ConfigError",
        message: "ERROR: TLS check peer id can not be specified without full TLS configuration.",
      },
    );
  }
  await checkSettings(settingsWith({ tlsCheckPeerId: true, ...ALL_TLS }), () => "a");
});

Deno.test("checkSettings() refuses one or two TLS files without the others", async () => {
  const partial = [
    { tlsCertificate: "/c.pem" },
    { tlsPrivateKey: "/k.pem" },
    { tlsCaCertificate: "/ca.pem" },
    { tlsCertificate: "/c.pem", tlsPrivateKey: "/k.pem" },
  ];
  for (const files of partial) {
    await assert.rejects(() => checkSettings(settingsWith(files), () => "a"), {
      name: "ConfigError",
      message:
        "Cannot use TLS: --tls-certificate, --tls-private-key and --tls-ca-certificate must be given together",
    });
  }
  assert.deepEqual(
    (await checkSettings(settingsWith(ALL_TLS), () => "a")).settings.tlsCertificate,
    "/c.pem",
  );
});

Deno.test("checkSettings() refuses an etcd certificate without its key, and the reverse; a CA alone is fine", async () => {
  for (const files of [{ etcdCertificate: "/c.pem" }, { etcdPrivateKey: "/k.pem" }]) {
    await assert.rejects(() => checkSettings(settingsWith(files), () => "a"), {
      name: "ConfigError",
      message:
        "Cannot use etcd's client certificate authentication: --etcd-certificate and --etcd-private-key must be given together",
    });
  }
  for (
    const files of [
      { etcdCaCertificate: "/ca.pem" },
      { etcdCertificate: "/c.pem", etcdPrivateKey: "/k.pem" },
    ]
  ) {
    await checkSettings(settingsWith(files), () => "a");
  }
});

Deno.test("checkSettings() asks for the login only for the per-user socket", async () => {
  const noLogin = () => assert.fail("the login is not needed");
  for (
    const endpoint of [{ socketName: "/tmp/s" }, { unicastAddress: "h" }, {
      multicastAddress: "239.255.0.1",
    }]
  ) {
    const checked = await checkSettings(settingsWith(endpoint), noLogin);
    assert.equal(checked.privateSocket, false);
  }
  const checked = await checkSettings(defaultSettings(), () => Promise.resolve("bob"));
  assert.equal(checked.privateSocket, true);
  assert.equal(checked.settings.socketName, "/tmp/flom-bob");
});
