import assert from "node:assert/strict";
import { parseKeyFile } from "../config/keyfile.ts";
import { applyConfigFile } from "../config/config_file.ts";
import { SETTING_KEYS } from "../config/setting_keys.ts";
import { defaultSettings, type Settings } from "../config/settings.ts";
import { LockMode } from "../resources/lock_mode.ts";
import { type CommandLine, OPTIONS, parseCommandLine, UsageError } from "./options.ts";

// Our line after the original's for a name of no resource kind.
const NAME_KINDS =
  "a resource name is a letter followed by letters and digits (backup, db2); other kinds: " +
  "R[N] (N units), a.b.c (a set: each command gets one free member, they do not wait for each " +
  "other), /a/b (a hierarchy), _s_R[N] and _S_R[N] (sequences), _t_FORMAT[N] (timestamps).";

function usageError(argv: string[], message: string): void {
  assert.throws(() => parseCommandLine(argv), (error) => {
    assert.ok(error instanceof UsageError, String(error));
    assert.equal(error.message, message, argv.join(" "));
    return true;
  });
}

// Every setting option of docs/compatibility.md, "Command line": [short, long, value, expected
// overrides].
const SETTING_CASES: [string | undefined, string, string, Partial<Settings>][] = [
  ["t", "daemon-trace-file", "/tmp/flom_daemon.trc", { daemonTraceFile: "/tmp/flom_daemon.trc" }],
  ["T", "command-trace-file", "/tmp/c.trc", { commandTraceFile: "/tmp/c.trc" }],
  [undefined, "append-trace-file", "yes", { appendTraceFile: true }],
  [undefined, "append-trace-file", "no", { appendTraceFile: false }],
  ["r", "resource-name", "MYRES", { resourceName: "MYRES" }],
  ["r", "resource-name", "/a/b", { resourceName: "/a/b" }],
  ["o", "resource-timeout", "100", { resourceTimeout: 100 }],
  ["o", "resource-timeout", "-100", { resourceTimeout: -100 }],
  ["o", "resource-timeout", "0x10", { resourceTimeout: 16 }],
  ["o", "resource-timeout", "010", { resourceTimeout: 8 }],
  ["q", "resource-quantity", "22", { resourceQuantity: 22 }],
  ["q", "resource-quantity", "0", {}],
  ["e", "resource-create", "y", { resourceCreate: true }],
  ["e", "resource-create", "no", { resourceCreate: false }],
  ["e", "resource-create", "FALSE", { resourceCreate: false }],
  ["i", "resource-idle-lifespan", "123", { resourceIdleLifespan: 123 }],
  ["i", "resource-idle-lifespan", "-123", { resourceIdleLifespan: 123 }],
  ["i", "resource-idle-lifespan", "0", {}],
  ["l", "lock-mode", "PR", { lockMode: LockMode.ProtectedRead }],
  ["l", "lock-mode", "ProtectedRead", { lockMode: LockMode.ProtectedRead }],
  ["l", "lock-mode", "nl", { lockMode: LockMode.NullLock }],
  ["l", "lock-mode", "EX", { lockMode: LockMode.Exclusive }],
  ["s", "socket-name", "/tmp/foo", { socketName: "/tmp/foo" }],
  ["d", "daemon-lifespan", "231", { daemonLifespan: 231 }],
  ["d", "daemon-lifespan", "-1", { daemonLifespan: -1 }],
  ["d", "daemon-lifespan", "5000", { daemonLifespan: 5000 }],
  ["a", "unicast-address", "localhost", { unicastAddress: "localhost" }],
  ["p", "unicast-port", "27750", { unicastPort: 27750 }],
  ["p", "unicast-port", "-27750", { unicastPort: 27750 }],
  ["p", "unicast-port", "65535", { unicastPort: 65535 }],
  ["A", "multicast-address", "239.255.0.1", { multicastAddress: "239.255.0.1" }],
  ["P", "multicast-port", "27750", { multicastPort: 27750 }],
  ["m", "mount-point-vfs", "/tmp/flom-test-vfs", { mountPointVfs: "/tmp/flom-test-vfs" }],
  ["n", "network-interface", "eth0", { networkInterface: "eth0" }],
  ["D", "discovery-attempts", "3", { discoveryAttempts: 3 }],
  ["D", "discovery-attempts", "0", { discoveryAttempts: 1 }],
  ["I", "discovery-timeout", "12345", { discoveryTimeout: 12345 }],
  ["I", "discovery-timeout", "-12", { discoveryTimeout: 12 }],
  [undefined, "discovery-ttl", "4", { discoveryTtl: 4 }],
  [undefined, "discovery-ttl", "0", { discoveryTtl: 1 }],
  [undefined, "tcp-keepalive-time", "12345", { tcpKeepaliveTime: 12345 }],
  [undefined, "tcp-keepalive-intvl", "-12345", { tcpKeepaliveIntvl: 12345 }],
  [undefined, "tcp-keepalive-probes", "12345", { tcpKeepaliveProbes: 12345 }],
  [undefined, "tls-certificate", "foo.pem", { tlsCertificate: "foo.pem" }],
  [undefined, "tls-private-key", "/tmp/foo.pem", { tlsPrivateKey: "/tmp/foo.pem" }],
  [undefined, "tls-ca-certificate", "/tmp/ca.pem", { tlsCaCertificate: "/tmp/ca.pem" }],
  [undefined, "tls-check-peer-id", "yes", { tlsCheckPeerId: true }],
  [undefined, "tls-check-peer-id", "n", { tlsCheckPeerId: false }],
  [undefined, "ignore-signal", "SIGTERM", { ignoredSignals: [15] }],
  [undefined, "ignore-signal", "term", { ignoredSignals: [15] }],
  [undefined, "metrics", "127.0.0.1:9100", { metricsAddress: "127.0.0.1:9100" }],
  [undefined, "metrics", "[::1]:9100", { metricsAddress: "[::1]:9100" }],
  [undefined, "etcd-endpoints", "http://127.0.0.1:2379", {
    etcdEndpoints: "http://127.0.0.1:2379",
  }],
  [undefined, "etcd-prefix", "/locks/", { etcdPrefix: "/locks/" }],
  [undefined, "etcd-lease-ttl", "2", { etcdLeaseTtl: 2 }],
  [undefined, "lost-lock-grace", "0", { lostLockGrace: 0 }],
  [undefined, "lost-lock-grace", "250", { lostLockGrace: 250 }],
  [undefined, "etcd-ca-certificate", "ca.pem", { etcdCaCertificate: "ca.pem" }],
  [undefined, "etcd-certificate", "flom.pem", { etcdCertificate: "flom.pem" }],
  [undefined, "etcd-private-key", "flom-key.pem", { etcdPrivateKey: "flom-key.pem" }],
];

Deno.test("parseCommandLine() sets every setting by short, long and --long=value", () => {
  for (const [short, long, value, expected] of SETTING_CASES) {
    const spellings = [["--" + long, value], ["--" + long + "=" + value]];
    if (short !== undefined) spellings.push(["-" + short, value], ["-" + short + value]);
    for (const argv of spellings) {
      const line = parseCommandLine([...argv, "--", "ls"]);
      assert.deepEqual(line.overrides, expected, argv.join(" "));
      assert.deepEqual(line.command, ["ls"], argv.join(" "));
    }
  }
});

Deno.test("parseCommandLine() has a case for every setting option", () => {
  const tested = new Set(SETTING_CASES.map(([, long]) => long));
  for (const entry of SETTING_KEYS) {
    if (entry.option.flag !== true) assert.ok(tested.has(entry.option.long), entry.option.long);
  }
});

// An empty command line asks for nothing: the base every expectation below adds to.
const NOTHING_ASKED = parseCommandLine([]);

Deno.test("parseCommandLine() of nothing asks for nothing", () => {
  for (
    const flag of ["help", "version", "signalList", "uniqueId", "quiesceExit", "immediateExit"]
  ) {
    assert.equal(NOTHING_ASKED[flag as keyof CommandLine], false, flag);
  }
  assert.deepEqual([NOTHING_ASKED.overrides, NOTHING_ASKED.command, NOTHING_ASKED.warnings], [
    {},
    [],
    [],
  ]);
});

Deno.test("parseCommandLine() reads the flags", () => {
  const flags: [string[], Partial<CommandLine>][] = [
    [["-V"], { overrides: { verbose: true } }],
    [["--verbose"], { overrides: { verbose: true } }],
    [["--verbose=no"], { overrides: { verbose: true } }],
    [["-v"], { version: true }],
    [["--version"], { version: true }],
    [["--signal-list"], { signalList: true }],
    [["--unique-id"], { uniqueId: true }],
    [["-x"], { quiesceExit: true }],
    [["--quiesce-exit"], { quiesceExit: true }],
    [["--quiesce-exit=1"], { quiesceExit: true }],
    [["-X"], { immediateExit: true }],
    [["--immediate-exit"], { immediateExit: true }],
    [["-xX"], { quiesceExit: true, immediateExit: true }],
    [["-h"], { help: true }],
    [["-?"], { help: true }],
    [["--help"], { help: true }],
    [["--help-all"], { help: true }],
  ];
  for (const [argv, expected] of flags) {
    const line = parseCommandLine(argv);
    assert.deepEqual(line, { ...NOTHING_ASKED, ...expected }, argv.join(" "));
  }
});

Deno.test("parseCommandLine() reads -c and --debug-feature", () => {
  for (
    const argv of [["-c", "f.conf"], ["-cf.conf"], ["--config-file", "f.conf"], [
      "--config-file=f.conf",
    ]]
  ) {
    assert.equal(parseCommandLine(argv).configFile, "f.conf", argv.join(" "));
  }
  assert.equal(parseCommandLine(["--debug-feature=TLS.Server"]).debugFeature, "TLS.Server");
  assert.equal(parseCommandLine(["--debug-feature", "x"]).debugFeature, "x");
  assert.equal(parseCommandLine([]).configFile, undefined);
  assert.ok(!("debugFeature" in parseCommandLine([])));
});

Deno.test("parseCommandLine() follows the examples of cli.md §3 under our rules", () => {
  const cases: [string[], Partial<Settings>, string[]][] = [
    // Attached values are accepted (the original refuses them).
    [["-d0", "--", "true"], { daemonLifespan: 0 }, ["true"]],
    [["-d0", "5", "--", "true"], { daemonLifespan: 0 }, ["5", "--", "true"]],
    [["-o5", "-d", "0", "--", "true"], { resourceTimeout: 5, daemonLifespan: 0 }, ["true"]],
    [["-d-1", "--", "true"], { daemonLifespan: -1 }, ["true"]],
    [["-Vd", "0", "true"], { verbose: true, daemonLifespan: 0 }, ["true"]],
    [["-d", "-1", "--", "ls"], { daemonLifespan: -1 }, ["ls"]],
    [["-r", "A", "-r", "B", "ls"], { resourceName: "B" }, ["ls"]],
    [
      ["--ignore-signal=SIGQUIT", "--ignore-signal", "SIGTERM", "ls"],
      { ignoredSignals: [3, 15] },
      ["ls"],
    ],
    [["-s", "S", "echo", "hello", "world"], { socketName: "S" }, ["echo", "hello", "world"]],
    // Options end at the first other word (the original would read -n hi as an option).
    [["-s", "S", "echo", "-n", "hi"], { socketName: "S" }, ["echo", "-n", "hi"]],
    [["echo", "-s", "S", "hi", "--", "-V"], {}, ["echo", "-s", "S", "hi", "--", "-V"]],
    [["-r", "x", "ls", "-l"], { resourceName: "x" }, ["ls", "-l"]],
    [["--", "--", "true"], {}, ["--", "true"]],
    [["-"], {}, ["-"]],
    [["-V", "-", "x"], { verbose: true }, ["-", "x"]],
  ];
  for (const [argv, overrides, command] of cases) {
    const line = parseCommandLine(argv);
    assert.deepEqual(line.overrides, overrides, argv.join(" "));
    assert.deepEqual(line.command, command, argv.join(" "));
  }
});

Deno.test("parseCommandLine() gives GLib's parse errors", () => {
  const cases: [string[], string][] = [
    [["-z", "FOO", "--", "ls"], "Unknown option -z"],
    [["--ZZZ-ZZZ=BAR", "--", "ls"], "Unknown option --ZZZ-ZZZ=BAR"],
    [["-xyz"], "Unknown option -xyz"],
    [["--verb"], "Unknown option --verb"],
    [["--help-foo"], "Unknown option --help-foo"],
    [["---"], "Unknown option ---"],
    [["-o"], "Missing argument for -o"],
    [["-Vo"], "Missing argument for -o"],
    [["--resource-timeout"], "Missing argument for --resource-timeout"],
    [["-o", "abc"], 'Cannot parse integer value "abc" for -o'],
    [["-oabc"], 'Cannot parse integer value "abc" for -o'],
    [["--resource-timeout=abc"], 'Cannot parse integer value "abc" for --resource-timeout'],
    [["--resource-timeout="], 'Cannot parse integer value "" for --resource-timeout'],
    [["--daemon-lifespan", "-1x"], 'Cannot parse integer value "-1x" for --daemon-lifespan'],
    [["-d-1", "-o=5"], 'Cannot parse integer value "=5" for -o'],
    [["-dV", "0"], 'Cannot parse integer value "V" for -d'],
    [["-o", "99999999999"], 'Integer value "99999999999" for -o out of range'],
  ];
  for (const [argv, message] of cases) usageError(argv, `option parsing failed: ${message}`);
});

Deno.test("parseCommandLine() gives the original's messages for refused values", () => {
  const long = `/tmp/${"s".repeat(103)}`;
  const cases: [string[], string][] = [
    [["-l", "XX"], "lock-mode: 'XX' is an invalid value"],
    [["-l", "express"], "lock-mode: 'express' is an invalid value"],
    [
      ["--ignore-signal", "FOO"],
      "ignore-signal: 'FOO' is not a signal: give a number from 1 to 31 or a name such as TERM (flom --signal-list shows them)",
    ],
    [["-p", "99999"], "unicast-port: '99999' is out of range: a port is 0 to 65535"],
    [["--multicast-port=65536"], "multicast-port: '65536' is out of range: a port is 0 to 65535"],
    [["-e", "maybe"], "resource-create: 'maybe' is an invalid value"],
    [["--tls-check-peer-id", "--", "ls"], "tls-check-peer-id: '--' is an invalid value"],
    [["--append-trace-file=on"], "append-trace-file: 'on' is an invalid value"],
    [["-s", long], `socket-name: '${long}' is an invalid value`],
    [
      ["--metrics", "9100"],
      "metrics: '9100' is an invalid value: give ADDRESS:PORT, as 127.0.0.1:9100 or [::1]:9100",
    ],
    [
      ["--etcd-endpoints", "127.0.0.1:2379"],
      "etcd-endpoints: '127.0.0.1:2379' is an invalid value: give http://HOST:PORT or https://HOST:PORT, comma-separated, as http://127.0.0.1:2379",
    ],
    [
      ["--etcd-prefix", "flom"],
      "etcd-prefix: 'flom' is an invalid value: give a key prefix starting with /",
    ],
    [
      ["--etcd-lease-ttl", "0"],
      "etcd-lease-ttl: '0' is out of range: a lease lasts at least 1 second",
    ],
    [
      ["--lost-lock-grace", "-1"],
      "lost-lock-grace: '-1' is out of range: a grace period is 0 or more",
    ],
    [
      ["-r", "_RESOURCE"],
      "ERROR: '_RESOURCE' is a reserved resource name and can not be set by user",
    ],
    [["-r", "123bad"], `ERROR: '123bad' is not a valid name for a resource\nflom: ${NAME_KINDS}`],
    [["-r", ""], `ERROR: '' is not a valid name for a resource\nflom: ${NAME_KINDS}`],
  ];
  for (const [argv, message] of cases) usageError(argv, message);
});

Deno.test("parseCommandLine() accepts a 107-byte socket name", () => {
  const name = `/tmp/${"s".repeat(102)}`;
  assert.equal(parseCommandLine(["-s", name]).overrides.socketName, name);
});

Deno.test("parseCommandLine() warns about a negative quantity and ignores it", () => {
  const line = parseCommandLine(["-q", "-5", "ls"]);
  assert.deepEqual(line.overrides, {});
  assert.deepEqual(line.warnings, [
    "Resource quantity ignored because negative values (-5) are meaningless",
  ]);
});

Deno.test("parseCommandLine() stops at help, so only errors before it count", () => {
  usageError(["-z", "-h"], "option parsing failed: Unknown option -z");
  assert.equal(parseCommandLine(["-h", "-z"]).help, true);
  assert.equal(parseCommandLine(["-Vh", "-z"]).help, true);
  // Values are checked after parsing, as in the original: help wins over a bad value.
  assert.equal(parseCommandLine(["-l", "XX", "--help"]).help, true);
});

Deno.test("parseCommandLine() skips value checks for --version, --signal-list, --unique-id", () => {
  for (const flag of ["-v", "--signal-list", "--unique-id"]) {
    const line = parseCommandLine([flag, "-l", "XX", "-r", "_RESOURCE"]);
    assert.deepEqual(line.overrides, {});
  }
  // Parse errors still count.
  usageError(["-v", "-o", "abc"], 'option parsing failed: Cannot parse integer value "abc" for -o');
});

Deno.test("parseCommandLine() checks values in config key order", () => {
  // Name comes before LockMode in docs/compatibility.md, "Configuration".
  usageError(
    ["-l", "XX", "-r", "123bad"],
    `ERROR: '123bad' is not a valid name for a resource\nflom: ${NAME_KINDS}`,
  );
});

Deno.test("OPTIONS has distinct short and long names", () => {
  const shorts = OPTIONS.flatMap((spec) => spec.short === undefined ? [] : [spec.short]);
  assert.equal(new Set(shorts).size, shorts.length);
  assert.equal(new Set(OPTIONS.map((spec) => spec.long)).size, OPTIONS.length);
});

function effective(config: string, argv: string[]): Settings {
  const settings = defaultSettings();
  applyConfigFile(settings, parseKeyFile(config), "flom.conf");
  return { ...settings, ...parseCommandLine(argv).overrides };
}

Deno.test("a command-line value wins over config files even when it equals the default", () => {
  assert.equal(effective("[Daemon]\nUnicastPort=1234\n", ["-p", "28015"]).unicastPort, 28015);
  assert.equal(effective("[Resource]\nTimeout=100\n", ["-o", "-1"]).resourceTimeout, -1);
  assert.equal(effective("[Daemon]\nLifespan=7\n", ["-d", "5000"]).daemonLifespan, 5000);
  assert.equal(effective("[Resource]\nCreate=no\n", ["-e", "yes"]).resourceCreate, true);
  assert.equal(effective("[Resource]\nLockMode=PR\n", ["-l", "EX"]).lockMode, LockMode.Exclusive);
  assert.deepEqual(
    effective("[Monitor]\nIgnoredSignals=SIGTERM\n", ["--ignore-signal", "SIGQUIT"]).ignoredSignals,
    [3],
  );
  // Options not given leave the config values alone.
  assert.equal(effective("[Resource]\nTimeout=100\n", ["-d", "1"]).resourceTimeout, 100);
});
