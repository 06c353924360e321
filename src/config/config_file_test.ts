import assert from "node:assert/strict";
import { LockMode } from "../resources/lock_mode.ts";
import { ConfigSyntaxError, parseKeyFile } from "./keyfile.ts";
import { applyConfigFile, invalidConfigFile } from "./config_file.ts";
import { SETTING_KEYS } from "./setting_keys.ts";
import { ConfigError, defaultSettings, type Settings } from "./settings.ts";

function configure(text: string): { settings: Settings; warnings: string[] } {
  const settings = defaultSettings();
  const warnings = applyConfigFile(settings, parseKeyFile(text), "/root/.flom");
  return { settings, warnings };
}

// Every key of docs/compatibility.md, "Configuration": [group, key, value, expected settings].
const KEY_CASES: [string, string, string, Partial<Settings>][] = [
  ["Trace", "DaemonTraceFile", "/tmp/flom_daemon.trc", { daemonTraceFile: "/tmp/flom_daemon.trc" }],
  ["Trace", "CommandTraceFile", "/tmp/c.trc", { commandTraceFile: "/tmp/c.trc" }],
  ["Trace", "AppendTraceFile", "yes", { appendTraceFile: true }],
  ["Trace", "Verbose", "yes", { verbose: true }],
  ["Resource", "Name", "MYRES", { resourceName: "MYRES" }],
  ["Resource", "Timeout", "100", { resourceTimeout: 100 }],
  ["Resource", "Timeout", "-100", { resourceTimeout: -100 }],
  ["Resource", "Quantity", "22", { resourceQuantity: 22 }],
  ["Resource", "Quantity", " 7 ", { resourceQuantity: 7 }],
  ["Resource", "Quantity", "0", {}],
  ["Resource", "LockMode", "ProtectedRead", { lockMode: LockMode.ProtectedRead }],
  ["Resource", "Create", "no", { resourceCreate: false }],
  ["Resource", "Create", "yes", { resourceCreate: true }],
  ["Resource", "IdleLifespan", "234", { resourceIdleLifespan: 234 }],
  ["Resource", "IdleLifespan", "-234", { resourceIdleLifespan: 234 }],
  ["Resource", "IdleLifespan", "0", {}],
  ["Daemon", "SocketName", "/tmp/foobar", { socketName: "/tmp/foobar" }],
  ["Daemon", "Lifespan", "231", { daemonLifespan: 231 }],
  ["Daemon", "Lifespan", "-1", { daemonLifespan: -1 }],
  ["Daemon", "UnicastAddress", "localhost", { unicastAddress: "localhost" }],
  ["Daemon", "UnicastPort", "27750", { unicastPort: 27750 }],
  ["Daemon", "UnicastPort", "-27750", { unicastPort: 27750 }],
  ["Daemon", "MulticastAddress", "239.255.0.3", { multicastAddress: "239.255.0.3" }],
  ["Daemon", "MulticastPort", "-27750", { multicastPort: 27750 }],
  ["Daemon", "MountPointVFS", "/tmp/flom-test-vfs", { mountPointVfs: "/tmp/flom-test-vfs" }],
  ["Monitor", "IgnoredSignals", "SIGQUIT;SIGTERM", { ignoredSignals: [3, 15] }],
  ["Monitor", "IgnoredSignals", "15;3;quit;", { ignoredSignals: [3, 15] }],
  ["Network", "NetworkInterface", "eth0", { networkInterface: "eth0" }],
  ["Network", "DiscoveryAttempts", "3", { discoveryAttempts: 3 }],
  ["Network", "DiscoveryAttempts", "0", { discoveryAttempts: 1 }],
  ["Network", "DiscoveryAttempts", "-4", { discoveryAttempts: 4 }],
  ["Network", "DiscoveryTimeout", "12345", { discoveryTimeout: 12345 }],
  ["Network", "DiscoveryTimeout", "0", { discoveryTimeout: 0 }],
  ["Network", "DiscoveryTTL", "4", { discoveryTtl: 4 }],
  ["Network", "DiscoveryTTL", "0", { discoveryTtl: 1 }],
  ["Network", "TcpKeepaliveTime", "-12345", { tcpKeepaliveTime: 12345 }],
  ["Network", "TcpKeepaliveIntvl", "12345", { tcpKeepaliveIntvl: 12345 }],
  ["Network", "TcpKeepaliveProbes", "12345", { tcpKeepaliveProbes: 12345 }],
  ["TLS", "TlsCertificate", "foo.pem", { tlsCertificate: "foo.pem" }],
  ["TLS", "TlsPrivateKey", "/tmp/foo.pem", { tlsPrivateKey: "/tmp/foo.pem" }],
  ["TLS", "TlsCaCertificate", "/tmp/ca.pem", { tlsCaCertificate: "/tmp/ca.pem" }],
  ["TLS", "TlsCheckPeerId", "yes", { tlsCheckPeerId: true }],
  ["Daemon", "MetricsAddress", "127.0.0.1:9100", { metricsAddress: "127.0.0.1:9100" }],
  ["Daemon", "MetricsAddress", "[::1]:9100", { metricsAddress: "[::1]:9100" }],
  ["Etcd", "Endpoints", "http://127.0.0.1:2379", { etcdEndpoints: "http://127.0.0.1:2379" }],
  ["Etcd", "Endpoints", "http://a:1,http://b:2", { etcdEndpoints: "http://a:1,http://b:2" }],
  ["Etcd", "Prefix", "/locks/", { etcdPrefix: "/locks/" }],
  ["Etcd", "LeaseTTL", "3", { etcdLeaseTtl: 3 }],
  ["Etcd", "LostLockGrace", "250", { lostLockGrace: 250 }],
  ["Etcd", "CaCertificate", "/etc/etcd/ca.pem", { etcdCaCertificate: "/etc/etcd/ca.pem" }],
  ["Etcd", "Certificate", "/etc/etcd/flom.pem", { etcdCertificate: "/etc/etcd/flom.pem" }],
  ["Etcd", "PrivateKey", "/etc/etcd/flom-key.pem", { etcdPrivateKey: "/etc/etcd/flom-key.pem" }],
];

Deno.test("applyConfigFile() applies every key of the table", () => {
  for (const [group, key, value, expected] of KEY_CASES) {
    const { settings, warnings } = configure(`[${group}]\n${key}=${value}\n`);
    assert.deepEqual(settings, { ...defaultSettings(), ...expected }, `${key}=${value}`);
    assert.deepEqual(warnings, []);
  }
});

Deno.test("applyConfigFile() accepts a file without any group and ignores unknown keys", () => {
  assert.deepEqual(configure("").settings, defaultSettings());
  const { settings } = configure(
    "[Resource]\nWait=yes\nUnknown=1\n[Unknown]\nTimeout=abc\n[Daemon]\nLifespan=7\n",
  );
  assert.deepEqual(settings, { ...defaultSettings(), daemonLifespan: 7 });
});

Deno.test("applyConfigFile() warns about a negative quantity and ignores it", () => {
  const { settings, warnings } = configure("[Resource]\nQuantity=8\nQuantity=-5\n");
  assert.equal(settings.resourceQuantity, 1);
  assert.deepEqual(warnings, [
    "flom: warning in '/root/.flom' line 3: Resource quantity ignored because negative values (-5) are meaningless",
  ]);
});

Deno.test("applyConfigFile() refuses bad values with one line naming file, line and key", () => {
  const cases: [string, string][] = [
    [
      "[Resource]\n\nTimeout=abc\n",
      "line 3: key 'Timeout' in group [Resource] has a value that cannot be interpreted: 'abc'",
    ],
    [
      "[Resource]\nQuantity=1.5\n",
      "line 2: key 'Quantity' in group [Resource] has a value that cannot be interpreted: '1.5'",
    ],
    [
      "[Resource]\nTimeout=99999999999\n",
      "line 2: key 'Timeout' in group [Resource] has a value that cannot be interpreted: '99999999999'",
    ],
    [
      "[Resource]\nLockMode=XX\n",
      "line 2: key 'LockMode' in group [Resource] has a value that cannot be interpreted: 'XX'",
    ],
    [
      "[Monitor]\nIgnoredSignals=SIGTERM;FOO\n",
      "line 2: key 'IgnoredSignals' in group [Monitor] has a value that cannot be interpreted: 'SIGTERM;FOO'",
    ],
    [
      "[Resource]\nLockMode=crash\n",
      "line 2: key 'LockMode' in group [Resource] has a value that cannot be interpreted: 'crash'",
    ],
    [
      "[Resource]\nCreate=maybe\n",
      "line 2: key 'Create' in group [Resource] has a value that cannot be interpreted: 'maybe'",
    ],
    [
      "[Trace]\nVerbose=1\n",
      "line 2: key 'Verbose' in group [Trace] has a value that cannot be interpreted: '1'",
    ],
    [
      "[Resource]\nName=_RESOURCE\n",
      "line 2: key 'Name' in group [Resource] has a value that cannot be interpreted: '_RESOURCE'",
    ],
    [
      "[Resource]\nName=123bad\n",
      "line 2: key 'Name' in group [Resource] has a value that cannot be interpreted: '123bad'",
    ],
    [
      `[Daemon]\nSocketName=/${"s".repeat(107)}\n`,
      `line 2: key 'SocketName' in group [Daemon] has a value that cannot be interpreted: '/${
        "s".repeat(107)
      }'`,
    ],
    [
      "[TLS]\nTlsCheckPeerId=on\n",
      "line 2: key 'TlsCheckPeerId' in group [TLS] has a value that cannot be interpreted: 'on'",
    ],
    [
      "[Resource]\nName=a\\nb\n",
      "line 2: key 'Name' in group [Resource] has a value that cannot be interpreted: 'a\\nb'",
    ],
  ];
  for (const [text, detail] of cases) {
    assert.throws(() => configure(text), {
      name: "ConfigError",
      message: `flom: invalid configuration in '/root/.flom' ${detail}`,
    });
  }
});

Deno.test("applyConfigFile() stops at the first bad key, keeping the keys read before", () => {
  const settings = defaultSettings();
  const file = parseKeyFile("[Resource]\nName=A\nTimeout=abc\nIdleLifespan=5\n");
  assert.throws(() => applyConfigFile(settings, file, "f"), ConfigError);
  assert.equal(settings.resourceName, "A");
  assert.equal(settings.resourceIdleLifespan, 0);
});

Deno.test("applyConfigFile() layers: a later file overrides key by key", () => {
  const settings = defaultSettings();
  applyConfigFile(settings, parseKeyFile("[Resource]\nName=A\nTimeout=5\n"), "system");
  applyConfigFile(settings, parseKeyFile("[Resource]\nName=B\n"), "user");
  assert.equal(settings.resourceName, "B");
  assert.equal(settings.resourceTimeout, 5);
});

Deno.test("applyConfigFile() leaves out the line when it is unknown", () => {
  const file = new Map([["Resource", new Map([["Timeout", { value: "x", line: 0 }]])]]);
  assert.throws(() => applyConfigFile(defaultSettings(), file, "a.toml"), {
    message:
      "flom: invalid configuration in 'a.toml': key 'Timeout' in group [Resource] has a value that cannot be interpreted: 'x'",
  });
});

Deno.test("invalidConfigFile() words a syntax error like the value errors", () => {
  const error = invalidConfigFile("/root/.flom", new ConfigSyntaxError(4, "bad line"));
  assert.ok(error instanceof ConfigError);
  assert.equal(error.message, "flom: invalid configuration in '/root/.flom' line 4: bad line");
});

Deno.test("applyConfigFile() warns about unknown groups and keys, naming the closest known one", () => {
  const file = new Map([
    ["Resourse", new Map([["Name", { value: "db", line: 2 }]])],
    [
      "Resource",
      new Map([
        ["Timout", { value: "100", line: 4 }],
        ["quantity", { value: "2", line: 5 }],
        ["Colour", { value: "red", line: 6 }],
        ["Timeout", { value: "7", line: 7 }],
      ]),
    ],
    ["resource", new Map([["Name", { value: "x", line: 9 }]])],
    ["Extra", new Map([["Foo", { value: "1", line: 11 }]])],
  ]);
  const settings = defaultSettings();
  assert.deepEqual(applyConfigFile(settings, file, "f.conf"), [
    "flom: warning in 'f.conf' line 2: key 'Name' in unknown group [Resourse] is ignored, with the rest of the group (did you mean [Resource]?)",
    "flom: warning in 'f.conf' line 4: unknown key 'Timout' in group [Resource] is ignored (did you mean Timeout?)",
    "flom: warning in 'f.conf' line 5: unknown key 'quantity' in group [Resource] is ignored (did you mean Quantity?)",
    "flom: warning in 'f.conf' line 6: unknown key 'Colour' in group [Resource] is ignored",
    "flom: warning in 'f.conf' line 9: key 'Name' in unknown group [resource] is ignored, with the rest of the group (did you mean [Resource]?)",
    "flom: warning in 'f.conf' line 11: key 'Foo' in unknown group [Extra] is ignored, with the rest of the group",
  ]);
  // The known keys still apply.
  assert.equal(settings.resourceTimeout, 7);
});

Deno.test("SETTING_KEYS covers each Settings field once, with distinct options", () => {
  const fields = SETTING_KEYS.map((entry) => entry.field);
  // The original's 29 and flom's MetricsAddress and [Etcd] Endpoints, Prefix, LeaseTTL,
  // LostLockGrace, CaCertificate, Certificate, PrivateKey.
  assert.equal(SETTING_KEYS.length, 37);
  assert.equal(new Set(fields).size, 37);
  const keyed = new Set(KEY_CASES.map(([group, key]) => `${group}/${key}`));
  for (const entry of SETTING_KEYS) assert.ok(keyed.has(`${entry.group}/${entry.key}`));
  const longs = SETTING_KEYS.map((entry) => entry.option.long);
  assert.equal(new Set(longs).size, 37);
});
