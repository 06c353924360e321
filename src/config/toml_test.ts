import assert from "node:assert/strict";
import { ConfigSyntaxError, parseKeyFile } from "./keyfile.ts";
import { applyConfigFile } from "./config_file.ts";
import { defaultSettings } from "./settings.ts";
import { parseTomlConfig } from "./toml.ts";

Deno.test("parseTomlConfig() keeps the type of TOML values", () => {
  const file = parseTomlConfig(`
# flom.toml
[Trace]
Verbose = true
AppendTraceFile = false

[Resource]
Name = "MYRES"
Timeout = 100
Quantity = 0x10

[Monitor]
IgnoredSignals = ["SIGTERM", 3]
`);
  assert.deepEqual(file.get("Trace")?.get("Verbose"), { value: true, line: 4 });
  assert.equal(file.get("Trace")?.get("AppendTraceFile")?.value, false);
  assert.deepEqual(file.get("Resource")?.get("Name"), { value: "MYRES", line: 8 });
  assert.deepEqual(file.get("Resource")?.get("Timeout"), { value: 100, line: 9 });
  assert.equal(file.get("Resource")?.get("Quantity")?.value, 16);
  assert.deepEqual(file.get("Monitor")?.get("IgnoredSignals")?.value, ["SIGTERM", 3]);
});

Deno.test("parseTomlConfig() keeps floats from passing as integers", () => {
  const file = parseTomlConfig("[Resource]\nTimeout = 5.0\nQuantity = 1.5\n");
  assert.equal(file.get("Resource")?.get("Timeout")?.value, "5.0");
  assert.equal(file.get("Resource")?.get("Quantity")?.value, "1.5");
});

Deno.test("parseTomlConfig() ignores values outside tables and gives 0 for unknown lines", () => {
  const file = parseTomlConfig('Top = 1\nResource.Name = "A"\n');
  assert.deepEqual([...file.keys()], ["Resource"]);
  assert.deepEqual(file.get("Resource")?.get("Name"), { value: "A", line: 0 });
});

Deno.test("parseTomlConfig() reports a TOML syntax error with its line", () => {
  assert.throws(() => parseTomlConfig("[Resource]\nName = \n"), (error) => {
    assert.ok(error instanceof ConfigSyntaxError);
    assert.equal(error.line, 2);
    assert.match(error.message, /^line 2: .+ \(column \d+\)$/);
    return true;
  });
});

Deno.test("parseTomlConfig() refuses a table inside a group", () => {
  assert.throws(() => parseTomlConfig("[Resource]\nName = { a = 1 }\n"), {
    name: "ConfigSyntaxError",
    message: "line 2: key 'Name' in table [Resource] holds a table, which no setting accepts",
  });
  assert.throws(() => parseTomlConfig("[Monitor]\nIgnoredSignals = [[1], 2]\n"), {
    name: "ConfigSyntaxError",
    message:
      "line 2: key 'IgnoredSignals' in table [Monitor] holds a list of tables or lists, which no setting accepts",
  });
});

Deno.test("parseTomlConfig() values of the wrong type are refused naming the value", () => {
  const cases: [string, string][] = [
    [
      "[Trace]\nVerbose = 1\n",
      "key 'Verbose' in group [Trace] has a value that cannot be interpreted: '1'",
    ],
    [
      "[Resource]\nTimeout = true\n",
      "key 'Timeout' in group [Resource] has a value that cannot be interpreted: 'true'",
    ],
    [
      '[Resource]\nName = ["A"]\n',
      "key 'Name' in group [Resource] has a value that cannot be interpreted: '[\"A\"]'",
    ],
    [
      "[Resource]\nTimeout = 99999999999\n",
      "key 'Timeout' in group [Resource] has a value that cannot be interpreted: '99999999999'",
    ],
    [
      '[Monitor]\nIgnoredSignals = ["TERM", 99]\n',
      "key 'IgnoredSignals' in group [Monitor] has a value that cannot be interpreted: '[\"TERM\", 99]'",
    ],
  ];
  for (const [text, problem] of cases) {
    assert.throws(() => applyConfigFile(defaultSettings(), parseTomlConfig(text), "f.toml"), {
      name: "ConfigError",
      message: `flom: invalid configuration in 'f.toml' line 2: ${problem}`,
    });
  }
});

Deno.test("parseTomlConfig() and parseKeyFile() configure the same settings", () => {
  const keyFile = `[Trace]
Verbose=yes
[Resource]
Name=MYRES
Timeout=-100
LockMode=ProtectedRead
Create=no
[Daemon]
UnicastAddress=localhost
UnicastPort=27750
MetricsAddress=[::1]:9100
[Monitor]
IgnoredSignals=SIGQUIT;SIGTERM
[Network]
DiscoveryTTL=4
[TLS]
TlsCheckPeerId=no
`;
  const toml = `[Trace]
Verbose = true
[Resource]
Name = "MYRES"
Timeout = -100
LockMode = "ProtectedRead"
Create = false
[Daemon]
UnicastAddress = "localhost"
UnicastPort = 27750
MetricsAddress = "[::1]:9100"
[Monitor]
IgnoredSignals = ["SIGQUIT", "SIGTERM"]
[Network]
DiscoveryTTL = 4
[TLS]
TlsCheckPeerId = "no"
`;
  const fromKeyFile = defaultSettings();
  applyConfigFile(fromKeyFile, parseKeyFile(keyFile), "flom.conf");
  const fromToml = defaultSettings();
  applyConfigFile(fromToml, parseTomlConfig(toml), "flom.toml");
  assert.deepEqual(fromToml, fromKeyFile);
  assert.equal(fromToml.resourceTimeout, -100);
  assert.deepEqual(fromToml.ignoredSignals, [3, 15]);
  assert.equal(fromToml.metricsAddress, "[::1]:9100");
});

Deno.test("parseTomlConfig() values are checked like key file values", () => {
  const file = parseTomlConfig("[Resource]\nTimeout = 1.5\n");
  assert.throws(() => applyConfigFile(defaultSettings(), file, "flom.toml"), {
    name: "ConfigError",
    message:
      "flom: invalid configuration in 'flom.toml' line 2: key 'Timeout' in group [Resource] has a value that cannot be interpreted: '1.5'",
  });
});

Deno.test("parseTomlConfig() refuses a metrics address that is not ADDRESS:PORT, in one line", () => {
  const file = parseTomlConfig('[Daemon]\nMetricsAddress = "localhost"\n');
  assert.throws(() => applyConfigFile(defaultSettings(), file, "flom.toml"), {
    name: "ConfigError",
    message:
      "flom: invalid configuration in 'flom.toml' line 2: key 'MetricsAddress' in group [Daemon] has a value that cannot be interpreted: 'localhost'",
  });
});
