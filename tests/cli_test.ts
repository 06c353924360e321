/**
 * End-to-end tests of the flom command line: fixed outputs (help, version, signal list, unique
 * id), the verbose configuration dump and the precedence of configuration sources, option
 * errors, unsupported features, and the daemon shutdown requests. Every flom here is a real
 * process; anything that locks or shuts down uses the test's own socket.
 */
import assert from "node:assert/strict";
import {
  exists,
  flomCommandLine,
  type FlomResult,
  processesMentioning,
  ROOT,
  runsWith,
  TestDir,
  waitUntil,
} from "./harness.ts";

// The original's --help output, as it prints it.
const ORIGINAL_HELP = `${ROOT}tests/fixtures/help-output.txt`;

// The option lines of a help text ("  -v, --version   Print ..."), in order.
function optionLines(help: string): string[] {
  return help.split("\n").filter((line) => /^ {2}-/.test(line));
}

// The lines of the verbose dump: `[Group]/Key=value`.
function dumpLines(stdout: string): string[] {
  return stdout.split("\n").filter((line) => /^\[[A-Za-z]+\]\/[A-Za-z]+=/.test(line));
}

// The value of `[Group]/Key` in a verbose dump, as printed (strings keep their quotes).
function dumpValue(stdout: string, key: string): string | undefined {
  const line = dumpLines(stdout).find((line) => line.startsWith(`${key}=`));
  return line?.slice(key.length + 1);
}

/**
 * Whether a test can give flom machine-id files of its own: as root, in a private mount
 * namespace, whose mounts vanish with its process and are never seen outside it.
 */
function canFakeMachineId(): boolean {
  if (Deno.uid() !== 0 || !exists("/etc/machine-id")) return false;
  try {
    return new Deno.Command("unshare", {
      args: ["--mount", "--propagation", "private", "true"],
      stdout: "null",
      stderr: "null",
    }).outputSync().success;
  } catch {
    return false;
  }
}

// Runs in the private mount namespace: an empty /var/lib/dbus (a tmpfs over it, or over /var/lib
// when it does not exist) with the file $1 as its machine-id unless $1 is empty, and the file $2
// over /etc/machine-id; then the command.
const WITH_MACHINE_IDS = `set -e
dbus=$1 etc=$2
shift 2
if [ -d /var/lib/dbus ]; then mount -t tmpfs flom-test /var/lib/dbus
else mount -t tmpfs flom-test /var/lib && mkdir /var/lib/dbus; fi
[ -z "$dbus" ] || cp "$dbus" /var/lib/dbus/machine-id
mount --bind "$etc" /etc/machine-id
exec "$@"`;

/** `flom --unique-id` on a host whose D-Bus and /etc machine-id files hold these texts. */
async function uniqueIdWith(
  dir: TestDir,
  files: { dbus?: string; etc: string },
): Promise<FlomResult> {
  const dbus = files.dbus === undefined ? "" : `${dir.path}/dbus-machine-id`;
  if (files.dbus !== undefined) await Deno.writeTextFile(dbus, files.dbus);
  const etc = `${dir.path}/etc-machine-id`;
  await Deno.writeTextFile(etc, files.etc);
  const output = await new Deno.Command("unshare", {
    args: [
      ...["--mount", "--propagation", "private", "--", "sh", "-c", WITH_MACHINE_IDS, "sh"],
      ...[dbus, etc, ...flomCommandLine(["--unique-id"])],
    ],
    env: dir.env(),
    cwd: dir.path,
    stdin: "null",
  }).output();
  const text = new TextDecoder();
  return {
    code: output.code,
    stdout: text.decode(output.stdout),
    stderr: text.decode(output.stderr),
  };
}

const SIGNAL_LIST = "1) SIGHUP\t2) SIGINT\t3) SIGQUIT\t4) SIGILL\t\n" +
  "5) SIGTRAP\t6) SIGABRT\t7) SIGBUS\t8) SIGFPE\t\n" +
  "9) SIGKILL\t10) SIGUSR1\t11) SIGSEGV\t12) SIGUSR2\t\n" +
  "13) SIGPIPE\t14) SIGALRM\t15) SIGTERM\t16) SIGSTKFLT\t\n" +
  "17) SIGCHLD\t18) SIGCONT\t19) SIGSTOP\t20) SIGTSTP\t\n" +
  "21) SIGTTIN\t22) SIGTTOU\t23) SIGURG\t24) SIGXCPU\t\n" +
  "25) SIGXFSZ\t26) SIGVTALRM\t27) SIGPROF\t28) SIGWINCH\t\n" +
  "29) SIGIO\t30) SIGPWR\t31) SIGSYS\t\n";

// ---------------------------------------------------------------------------------------------
// Fixed outputs

Deno.test("flom --help exits 0 and lists every option of the original, in its order, then flom's", async () => {
  await using dir = new TestDir();
  const expected = optionLines(await Deno.readTextFile(ORIGINAL_HELP));
  assert.equal(expected.length, 37);
  const result = await dir.run(["--help"]);
  assert.equal(result.code, 0);
  assert.equal(result.stderr, "");
  assert.match(result.stdout, /^Usage:\n {2}flom \[OPTION.*\] \[-- command to execute\]\n/);
  const lines = optionLines(result.stdout);
  assert.deepEqual(lines.slice(0, expected.length), expected);
  // Then, in a section of their own, the options FLoM 1.7.2 does not have.
  assert.deepEqual(lines.slice(expected.length).map((line) => line.trim().split(/\s+/)[0]), [
    "--status",
    "--json",
    "--watch",
    "--metrics",
    "--etcd-endpoints",
    "--etcd-prefix",
    "--etcd-lease-ttl",
    "--lost-lock-grace",
    "--etcd-ca-certificate",
    "--etcd-certificate",
    "--etcd-private-key",
    "--foreground",
    "--completions",
  ]);
});

Deno.test("flom -h, -? and --help-all print the same help as --help", async () => {
  await using dir = new TestDir();
  const help = (await dir.run(["--help"])).stdout;
  for (const option of ["-h", "-?", "--help-all"]) {
    const result = await dir.run([option]);
    assert.equal(result.code, 0, option);
    assert.equal(result.stdout, help, option);
  }
});

Deno.test("flom: an option error before -h wins, an error after it is never seen", async () => {
  await using dir = new TestDir();
  const before = await dir.run(["-z", "-h"]);
  assert.equal(before.code, 99);
  assert.equal(before.stdout, "");
  assert.equal(before.stderr, "option parsing failed: Unknown option -z\n");
  const after = await dir.run(["-h", "-z"]);
  assert.equal(after.code, 0);
  assert.match(after.stdout, /^Usage:/);
});

Deno.test("flom -v prints the version with the licence and exits 0", async () => {
  await using dir = new TestDir();
  for (const option of ["-v", "--version"]) {
    const result = await dir.run([option]);
    assert.equal(result.code, 0);
    assert.equal(result.stderr, "");
    const lines = result.stdout.split("\n");
    assert.equal(lines[0], "flom for Deno: Free Lock Manager");
    assert.equal(lines[1], "Copyright (c) 2026, the flom for Deno authors");
    assert.match(lines[2]!, /^License: GPL-2\.0-or-later /);
    assert.match(lines[3]!, /^Package name: flom; package version: \d+\.\d+\.\d+/);
    assert.ok(
      lines.some((line) => /re-implementation of FLoM 1\.7\.2 by Christian Ferrari/.test(line)),
    );
    assert.ok(result.stdout.endsWith("\n"));
  }
});

Deno.test("flom --signal-list prints the original's 31 signals byte for byte", async () => {
  await using dir = new TestDir();
  const result = await dir.run(["--signal-list"]);
  assert.equal(result.code, 0);
  assert.equal(result.stderr, "");
  assert.equal(result.stdout, SIGNAL_LIST);
});

Deno.test("flom -v --signal-list prints the version, then the signal list", async () => {
  await using dir = new TestDir();
  const version = (await dir.run(["-v"])).stdout;
  const result = await dir.run(["--signal-list", "-v"]);
  assert.equal(result.code, 0);
  assert.equal(result.stdout, version + SIGNAL_LIST);
});

Deno.test("flom --unique-id prints this host's id: 32 hex digits and a newline", async () => {
  await using dir = new TestDir();
  const result = await dir.run(["--unique-id"]);
  assert.equal(result.code, 0);
  assert.equal(result.stderr, "");
  assert.match(result.stdout, /^[0-9a-f]{32}\n$/);
});

const DBUS_ID = "0123456789abcdef0123456789abcdef";
const ETC_ID = "fedcba9876543210fedcba9876543210";

Deno.test({
  name:
    "flom --unique-id prints D-Bus's machine id, else /etc's, else fails saying where it looked",
  ignore: !runsWith(canFakeMachineId()),
  async fn() {
    await using dir = new TestDir();
    const both = await uniqueIdWith(dir, { dbus: `${DBUS_ID}\n`, etc: `${ETC_ID}\n` });
    assert.deepEqual(both, { code: 0, stdout: `${DBUS_ID}\n`, stderr: "" });
    const etcOnly = await uniqueIdWith(dir, { etc: `${ETC_ID}\n` });
    assert.deepEqual(etcOnly, { code: 0, stdout: `${ETC_ID}\n`, stderr: "" });
    const emptyDbus = await uniqueIdWith(dir, { dbus: "\n", etc: ETC_ID });
    assert.deepEqual(emptyDbus, { code: 0, stdout: `${ETC_ID}\n`, stderr: "" });
    const none = await uniqueIdWith(dir, { etc: "" });
    assert.deepEqual(none, {
      code: 99,
      stdout: "",
      stderr:
        "Cannot read the unique id: none of /var/lib/dbus/machine-id, /etc/machine-id is readable\n",
    });
  },
});

Deno.test("flom -v, --signal-list and --unique-id work despite a broken ~/.flom", async () => {
  await using dir = new TestDir();
  await Deno.writeTextFile(`${dir.path}/.flom`, "[Resource]\nTimeout=abc\n");
  for (const option of ["-v", "--signal-list", "--unique-id"]) {
    const result = await dir.run([option]);
    assert.equal(result.code, 0, option);
    assert.equal(result.stderr, "", option);
  }
});

// ---------------------------------------------------------------------------------------------
// Verbose dump and configuration sources

Deno.test("flom -V prints the 29-line configuration dump before running the command", async () => {
  await using dir = new TestDir();
  const result = await dir.run(["-V", "-s", dir.socket, "-r", "MYRES", "--", "echo", "ran"]);
  assert.equal(result.code, 0, result.stderr);
  const lines = result.stdout.split("\n");
  assert.equal(lines.length, 31); // 29 lines, "ran", and the empty rest after the last newline
  assert.deepEqual(dumpLines(result.stdout), lines.slice(0, 29));
  assert.equal(lines[29], "ran");
  assert.equal(lines[0], "[Trace]/DaemonTraceFile=''");
  assert.equal(lines[3], "[Trace]/Verbose=1");
  assert.equal(lines[4], "[Resource]/Name='MYRES'");
  assert.equal(lines[5], "[Resource]/Timeout=-1");
  assert.equal(lines[7], "[Resource]/LockMode=5");
  assert.equal(lines[10], `[Daemon]/SocketName='${dir.socket}'`);
  assert.equal(lines[11], "[Daemon]/Lifespan=5000");
  assert.equal(lines[13], "[Daemon]/UnicastPort=28015");
  assert.equal(lines[17], "[Monitor]/IgnoredSignals=''");
  assert.equal(lines[22], "[Network]/TcpKeepaliveTime=60");
  assert.equal(lines[28], "[TLS]/TlsCheckPeerId=0");
});

Deno.test("flom -V dump keys come in the original's order", async () => {
  await using dir = new TestDir();
  const result = await dir.run(["-V", "-s", dir.socket]);
  assert.deepEqual(dumpLines(result.stdout).map((line) => line.split("=")[0]), [
    "[Trace]/DaemonTraceFile",
    "[Trace]/CommandTraceFile",
    "[Trace]/AppendTraceFile",
    "[Trace]/Verbose",
    "[Resource]/Name",
    "[Resource]/Timeout",
    "[Resource]/Quantity",
    "[Resource]/LockMode",
    "[Resource]/Create",
    "[Resource]/IdleLifespan",
    "[Daemon]/SocketName",
    "[Daemon]/Lifespan",
    "[Daemon]/UnicastAddress",
    "[Daemon]/UnicastPort",
    "[Daemon]/MulticastAddress",
    "[Daemon]/MulticastPort",
    "[Daemon]/MountPointVFS",
    "[Monitor]/IgnoredSignals",
    "[Network]/NetworkInterface",
    "[Network]/DiscoveryAttempts",
    "[Network]/DiscoveryTimeout",
    "[Network]/DiscoveryTTL",
    "[Network]/TcpKeepaliveTime",
    "[Network]/TcpKeepaliveIntvl",
    "[Network]/TcpKeepaliveProbes",
    "[TLS]/TlsCertificate",
    "[TLS]/TlsPrivateKey",
    "[TLS]/TlsCaCertificate",
    "[TLS]/TlsCheckPeerId",
  ]);
  // No command: the dump comes first, then the refusal.
  assert.equal(result.code, 97);
  assert.equal(result.stderr, "No command to execute!\n");
});

Deno.test("flom settings: built-in < ~/.flom < -c FILE < command line", async () => {
  await using dir = new TestDir();
  await Deno.writeTextFile(
    `${dir.path}/.flom`,
    "[Resource]\nTimeout=100\nIdleLifespan=11\nQuantity=3\n" +
      "[Daemon]\nLifespan=1111\nUnicastPort=1234\n[Network]\nDiscoveryAttempts=5\n",
  );
  await Deno.writeTextFile(
    `${dir.path}/custom.conf`,
    "[Resource]\nIdleLifespan=22\nQuantity=4\n[Daemon]\nLifespan=2222\n",
  );
  const result = await dir.run([
    "-V",
    "-s",
    dir.socket,
    "-c",
    "custom.conf", // relative to the working directory, which is dir.path
    "-q",
    "7",
  ]);
  assert.equal(result.code, 97, result.stderr);
  assert.equal(dumpValue(result.stdout, "[Network]/DiscoveryTimeout"), "500"); // built-in
  assert.equal(dumpValue(result.stdout, "[Network]/DiscoveryAttempts"), "5"); // ~/.flom
  assert.equal(dumpValue(result.stdout, "[Resource]/Timeout"), "100"); // ~/.flom
  assert.equal(dumpValue(result.stdout, "[Daemon]/UnicastPort"), "1234"); // ~/.flom
  assert.equal(dumpValue(result.stdout, "[Resource]/IdleLifespan"), "22"); // -c over ~/.flom
  assert.equal(dumpValue(result.stdout, "[Daemon]/Lifespan"), "2222"); // -c over ~/.flom
  assert.equal(dumpValue(result.stdout, "[Resource]/Quantity"), "7"); // command line over -c
});

Deno.test("flom: a command-line value equal to the default still beats the config files", async () => {
  await using dir = new TestDir();
  await Deno.writeTextFile(`${dir.path}/.flom`, "[Resource]\nTimeout=100\n");
  await Deno.writeTextFile(
    `${dir.path}/custom.conf`,
    "[Daemon]\nLifespan=2222\nUnicastPort=1234\n[Network]\nDiscoveryTimeout=77\n",
  );
  const result = await dir.run([
    "-V",
    "-s",
    dir.socket,
    "-c",
    `${dir.path}/custom.conf`,
    "-o",
    "-1",
    "-d",
    "5000",
    "-p",
    "28015",
    "--discovery-timeout=500",
  ]);
  assert.equal(result.code, 97, result.stderr);
  assert.equal(dumpValue(result.stdout, "[Resource]/Timeout"), "-1");
  assert.equal(dumpValue(result.stdout, "[Daemon]/Lifespan"), "5000");
  assert.equal(dumpValue(result.stdout, "[Daemon]/UnicastPort"), "28015");
  assert.equal(dumpValue(result.stdout, "[Network]/DiscoveryTimeout"), "500");
});

Deno.test("flom reads a -c file ending in .toml as TOML, below the command line", async () => {
  await using dir = new TestDir();
  await Deno.writeTextFile(`${dir.path}/.flom`, "[Resource]\nTimeout=100\nIdleLifespan=11\n");
  await Deno.writeTextFile(
    `${dir.path}/flom.toml`,
    '# a TOML file\n[Resource]\nTimeout = 200\nLockMode = "PR"\nCreate = false\n' +
      "IdleLifespan = 33\n[Daemon]\nLifespan = 4444\n",
  );
  const result = await dir.run(
    ["-V", "-s", dir.socket, "-c", `${dir.path}/flom.toml`, "-o", "-1"],
  );
  assert.equal(result.code, 97, result.stderr);
  assert.equal(dumpValue(result.stdout, "[Resource]/Timeout"), "-1"); // command line wins
  assert.equal(dumpValue(result.stdout, "[Resource]/IdleLifespan"), "33"); // TOML over ~/.flom
  assert.equal(dumpValue(result.stdout, "[Resource]/LockMode"), "3");
  assert.equal(dumpValue(result.stdout, "[Resource]/Create"), "0");
  assert.equal(dumpValue(result.stdout, "[Daemon]/Lifespan"), "4444");
});

Deno.test("flom works with a ~/.flom that has only a [Resource] group", async () => {
  await using dir = new TestDir();
  await Deno.writeTextFile(`${dir.path}/.flom`, "[Resource]\nName=fromhome\n");
  const result = await dir.run(
    ["-s", dir.socket, "--", "sh", "-c", 'echo "name=$FLOM_RESOURCE_NAME"'],
  );
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, "");
  assert.equal(result.stdout, "name=fromhome\n");
});

Deno.test("flom -V: Verbose=yes in a config file turns the dump on", async () => {
  await using dir = new TestDir();
  await Deno.writeTextFile(`${dir.path}/.flom`, "[Trace]\nVerbose=yes\n");
  const result = await dir.run(["-s", dir.socket]);
  assert.equal(result.code, 97);
  assert.equal(dumpLines(result.stdout).length, 29);
  assert.equal(dumpValue(result.stdout, "[Trace]/Verbose"), "1");
});

Deno.test("flom exits 99 with one stderr line naming file, line and key for a bad ~/.flom value", async () => {
  await using dir = new TestDir();
  const path = `${dir.path}/.flom`;
  await Deno.writeTextFile(path, "# comment\n[Resource]\nTimeout=abc\n");
  const result = await dir.run(["-s", dir.socket, "--", "echo", "never"]);
  assert.equal(result.code, 99);
  assert.equal(result.stdout, "");
  const lines = result.stderr.split("\n");
  assert.equal(lines.length, 2, result.stderr); // one line and its newline
  assert.ok(lines[0]!.includes(path), result.stderr);
  assert.match(lines[0]!, /line 3/);
  assert.match(lines[0]!, /Timeout/);
  assert.equal(dir.daemonPids().length, 0);
});

for (
  const [format, file, text, line, key] of [
    ["key file", "custom.conf", "[Resource]\nName=ok\n[Daemon]\n\nLifespan=12x\n", 5, "Lifespan"],
    ["TOML", "flom.toml", '[Resource]\nName = "ok"\nLockMode = "XX"\n', 3, "LockMode"],
  ] as const
) {
  Deno.test(`flom exits 99 with one stderr line naming file, line and key for a bad ${format} value`, async () => {
    await using dir = new TestDir();
    const path = `${dir.path}/${file}`;
    await Deno.writeTextFile(path, text);
    const result = await dir.run(["-s", dir.socket, "-c", path, "--", "echo", "never"]);
    assert.equal(result.code, 99);
    assert.equal(result.stdout, "");
    const lines = result.stderr.split("\n");
    assert.equal(lines.length, 2, result.stderr);
    assert.ok(lines[0]!.includes(path), result.stderr);
    assert.match(lines[0]!, new RegExp(`line ${line}`));
    assert.match(lines[0]!, new RegExp(key));
  });
}

Deno.test("flom exits 99 with one stderr line naming file and line for an unparseable config file", async () => {
  await using dir = new TestDir();
  const path = `${dir.path}/.flom`;
  await Deno.writeTextFile(path, "[Resource]\nName=ok\nthis is not a key file line\n");
  const result = await dir.run(["-s", dir.socket, "--", "echo", "never"]);
  assert.equal(result.code, 99);
  assert.equal(result.stdout, "");
  const lines = result.stderr.split("\n");
  assert.equal(lines.length, 2, result.stderr);
  assert.ok(lines[0]!.includes(path), result.stderr);
  assert.match(lines[0]!, /line 3/);
});

Deno.test("flom exits 99 naming the file when the -c file cannot be read", async () => {
  await using dir = new TestDir();
  for (const path of [`${dir.path}/missing.conf`, dir.path]) {
    const result = await dir.run(["-s", dir.socket, "-c", path, "--", "echo", "never"]);
    assert.equal(result.code, 99, path);
    assert.equal(result.stdout, "");
    const lines = result.stderr.split("\n");
    assert.equal(lines.length, 2, result.stderr);
    assert.ok(lines[0]!.includes(path), result.stderr);
  }
  assert.equal(dir.daemonPids().length, 0);
});

// ---------------------------------------------------------------------------------------------
// Option syntax and option errors

Deno.test("flom -z exits 99 with `option parsing failed: Unknown option -z`", async () => {
  await using dir = new TestDir();
  const result = await dir.run(["-z", "FOO", "--", "ls"]);
  assert.equal(result.code, 99);
  assert.equal(result.stdout, "");
  assert.equal(result.stderr, "option parsing failed: Unknown option -z\n");
  const long = await dir.run(["--ZZZ-ZZZ=BAR", "--", "ls"]);
  assert.equal(long.code, 99);
  assert.equal(long.stderr, "option parsing failed: Unknown option --ZZZ-ZZZ=BAR\n");
});

Deno.test("flom -o abc exits 99 with the GLib integer message", async () => {
  await using dir = new TestDir();
  const short = await dir.run(["-o", "abc", "--", "true"]);
  assert.equal(short.code, 99);
  assert.equal(short.stdout, "");
  assert.equal(short.stderr, 'option parsing failed: Cannot parse integer value "abc" for -o\n');
  const long = await dir.run(["--resource-timeout=abc", "--", "true"]);
  assert.equal(long.code, 99);
  assert.equal(
    long.stderr,
    'option parsing failed: Cannot parse integer value "abc" for --resource-timeout\n',
  );
  const range = await dir.run(["-o", "99999999999", "--", "true"]);
  assert.equal(range.code, 99);
  assert.equal(
    range.stderr,
    'option parsing failed: Integer value "99999999999" for -o out of range\n',
  );
});

Deno.test("flom -o with no value exits 99 with `Missing argument for -o`", async () => {
  await using dir = new TestDir();
  const result = await dir.run(["-o"]);
  assert.equal(result.code, 99);
  assert.equal(result.stderr, "option parsing failed: Missing argument for -o\n");
});

Deno.test("flom accepts attached short values (-d0) and --name=value", async () => {
  await using dir = new TestDir();
  const result = await dir.run([
    "-Vd0",
    "-o250",
    "--resource-name=ATTACHED",
    `--socket-name=${dir.socket}`,
    "--resource-idle-lifespan=0x10",
    "-q010",
  ]);
  assert.equal(result.code, 97, result.stderr);
  assert.equal(dumpValue(result.stdout, "[Daemon]/Lifespan"), "0");
  assert.equal(dumpValue(result.stdout, "[Resource]/Timeout"), "250");
  assert.equal(dumpValue(result.stdout, "[Resource]/Name"), "'ATTACHED'");
  assert.equal(dumpValue(result.stdout, "[Daemon]/SocketName"), `'${dir.socket}'`);
  assert.equal(dumpValue(result.stdout, "[Resource]/IdleLifespan"), "16"); // hex
  assert.equal(dumpValue(result.stdout, "[Resource]/Quantity"), "8"); // octal
});

Deno.test("flom: the last of a repeated option wins", async () => {
  await using dir = new TestDir();
  const result = await dir.run(["-V", "-s", dir.socket, "-r", "A", "-r", "B"]);
  assert.equal(dumpValue(result.stdout, "[Resource]/Name"), "'B'");
});

Deno.test("flom: options end at the first non-option word (flom -s S echo -n hi)", async () => {
  await using dir = new TestDir();
  // -n reaches echo (no newline), it is not taken as --network-interface.
  const echo = await dir.run(["-s", dir.socket, "echo", "-n", "hi"]);
  assert.equal(echo.code, 0, echo.stderr);
  assert.equal(echo.stderr, "");
  assert.equal(echo.stdout, "hi");
  const printf = await dir.run(["-s", dir.socket, "printf", "%s|", "-n", "hi", "-V", "--"]);
  assert.equal(printf.code, 0, printf.stderr);
  assert.equal(printf.stdout, "-n|hi|-V|--|");
});

Deno.test("flom: the first -- ends the options and is dropped, a second one is kept", async () => {
  await using dir = new TestDir();
  const result = await dir.run(["-s", dir.socket, "--", "printf", "%s|", "--", "-r"]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, "--|-r|");
});

Deno.test("flom -r db-backup exits 99 with the original's message, the kinds of names and a valid spelling", async () => {
  await using dir = new TestDir();
  const result = await dir.run(["-s", dir.socket, "-r", "db-backup", "--", "echo", "never"]);
  assert.equal(result.code, 99);
  assert.equal(result.stdout, "");
  assert.equal(
    result.stderr,
    "ERROR: 'db-backup' is not a valid name for a resource\n" +
      "flom: a resource name is a letter followed by letters and digits (backup, db2); other kinds: " +
      "R[N] (N units), a.b.c (a set: each command gets one free member, they do not wait for each " +
      "other), /a/b (a hierarchy), _s_R[N] and _S_R[N] (sequences), _t_FORMAT[N] (timestamps). " +
      "Did you mean 'dbbackup'?\n",
  );
  assert.equal(dir.daemonPids().length, 0);
});

Deno.test("flom -r _RESOURCE exits 99: the name is reserved", async () => {
  await using dir = new TestDir();
  const result = await dir.run(["-s", dir.socket, "-r", "_RESOURCE", "--", "echo", "never"]);
  assert.equal(result.code, 99);
  assert.equal(result.stdout, "");
  assert.equal(
    result.stderr,
    "ERROR: '_RESOURCE' is a reserved resource name and can not be set by user\n",
  );
});

Deno.test("flom -l XX exits 99 with `lock-mode: 'XX' is an invalid value`", async () => {
  await using dir = new TestDir();
  const result = await dir.run(["-s", dir.socket, "-l", "XX", "--", "echo", "never"]);
  assert.equal(result.code, 99);
  assert.equal(result.stdout, "");
  assert.equal(result.stderr, "lock-mode: 'XX' is an invalid value\n");
});

Deno.test("flom -e maybe exits 99 (only yes/no/y/n/true/false are accepted)", async () => {
  await using dir = new TestDir();
  const result = await dir.run(["-s", dir.socket, "-e", "maybe", "--", "echo", "never"]);
  assert.equal(result.code, 99);
  assert.equal(result.stdout, "");
  assert.equal(result.stderr, "resource-create: 'maybe' is an invalid value\n");
  for (const [value, create] of [["Y", "1"], ["true", "1"], ["NO", "0"], ["False", "0"]]) {
    const ok = await dir.run(["-V", "-s", dir.socket, "-e", value!]);
    assert.equal(ok.code, 97, ok.stderr);
    assert.equal(dumpValue(ok.stdout, "[Resource]/Create"), create, value);
  }
});

Deno.test("flom with a socket and a unicast address exits 99 with the original's message", async () => {
  await using dir = new TestDir();
  const result = await dir.run(["-s", dir.socket, "-a", "127.0.0.1", "--", "echo", "never"]);
  assert.equal(result.code, 99);
  assert.equal(result.stdout, "");
  assert.match(
    result.stderr,
    /^ERROR: flom can not be configured for local \(UNIX socket\) and network \(TCP-UDP\/IP\) communication at the same time\.\n/,
  );
  assert.equal(dir.daemonPids().length, 0);
});

Deno.test("flom -q -5 warns that negative quantities are ignored and goes on", async () => {
  await using dir = new TestDir();
  const result = await dir.run(["-V", "-s", dir.socket, "-r", "num[3]", "-q", "-5"]);
  assert.equal(result.code, 97);
  assert.match(
    result.stderr,
    /^Resource quantity ignored because negative values \(-5\) are meaningless\n/,
  );
  assert.equal(dumpValue(result.stdout, "[Resource]/Quantity"), "1");
});

Deno.test("flom -V shows the ignored signals of --ignore-signal and of IgnoredSignals", async () => {
  await using dir = new TestDir();
  const options = await dir.run([
    "-V",
    "-s",
    dir.socket,
    "--ignore-signal=SIGTERM",
    "--ignore-signal=SIGQUIT",
  ]);
  assert.equal(dumpValue(options.stdout, "[Monitor]/IgnoredSignals"), "'SIGQUIT;SIGTERM'");
  await Deno.writeTextFile(`${dir.path}/.flom`, "[Monitor]\nIgnoredSignals=15;SIGQUIT\n");
  const config = await dir.run(["-V", "-s", dir.socket]);
  assert.equal(dumpValue(config.stdout, "[Monitor]/IgnoredSignals"), "'SIGQUIT;SIGTERM'");
});

Deno.test("flom --debug-feature ipv6.multicast.client without -A fails with 1, silently", async () => {
  await using dir = new TestDir();
  const result = await dir.run(["-s", dir.socket, "--debug-feature", "ipv6.multicast.client"]);
  assert.deepEqual(result, { code: 1, stdout: "", stderr: "" });
});

Deno.test("flom -T FILE writes the client's trace lines to FILE instead of stderr", async () => {
  await using dir = new TestDir();
  const file = `${dir.path}/command.trc`;
  const result = await dir.run(["-s", dir.socket, "-T", file, "--", "echo", "ran"], {
    env: { FLOM_TRACE_MASK: "0x8" },
  });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, "");
  const trace = await Deno.readTextFile(file);
  assert.match(trace, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6} \[\d+\/\w+\] flom_client_connect/);
  assert.match(trace, /step=16 rc=0 /);
});

Deno.test("flom -t FILE makes the daemon it starts trace into FILE", async () => {
  await using dir = new TestDir();
  const file = `${dir.path}/daemon.trc`;
  const result = await dir.run(["-s", dir.socket, "-t", file, "-d", "-1", "--", "true"], {
    env: { FLOM_TRACE_MASK: "0x10" },
  });
  assert.equal(result.code, 0, result.stderr);
  assert.match(await Deno.readTextFile(file), /ready to serve incoming requests/);
});

Deno.test("flom keeps keepalive and interface settings: shown by -V, unknown interface dropped", async () => {
  await using dir = new TestDir();
  const result = await dir.run([
    "-V",
    "-s",
    dir.socket,
    "--tcp-keepalive-time",
    "5",
    "-n",
    "no-such-interface0",
  ]);
  assert.equal(result.code, 97, result.stderr);
  assert.equal(dumpValue(result.stdout, "[Network]/TcpKeepaliveTime"), "5");
  assert.equal(dumpValue(result.stdout, "[Network]/NetworkInterface"), "''");
});

Deno.test("flom -m with no directory there exits 99 with the original's two lines", async () => {
  await using dir = new TestDir();
  await Deno.writeTextFile(`${dir.path}/file`, "");
  for (const mount of [`${dir.path}/missing`, `${dir.path}/file`]) {
    const result = await dir.run(["-s", dir.socket, "-m", mount, "--", "echo", "never"]);
    assert.deepEqual(result, {
      code: 99,
      stdout: "",
      stderr: `mount-point-vfs: '${mount}' is an invalid value\n` +
        "flom_client_connect: ret_cod=-121 (ERROR: 'opendir' function returned an error condition)\n",
    });
  }
  assert.deepEqual(dir.daemonPids(), []);
});

Deno.test("flom --debug-feature with an unknown name exits 1 and prints nothing", async () => {
  await using dir = new TestDir();
  const result = await dir.run(["-s", dir.socket, "--debug-feature=no.such.feature"]);
  assert.deepEqual(result, { code: 1, stdout: "", stderr: "" });
});

// One or two TLS files would silently mean "no TLS" to the original: refused, and said why.
Deno.test("flom --tls-certificate FILE alone exits 99: the three TLS files go together", async () => {
  await using dir = new TestDir();
  const cert = `${dir.path}/cert.pem`;
  await Deno.writeTextFile(cert, "");
  const result = await dir.run([
    "-s",
    dir.socket,
    "--tls-certificate",
    cert,
    "--",
    "echo",
    "never",
  ]);
  assert.deepEqual(result, {
    code: 99,
    stdout: "",
    stderr:
      "Cannot use TLS: --tls-certificate, --tls-private-key and --tls-ca-certificate must be given together\n",
  });
});

// ---------------------------------------------------------------------------------------------
// Daemon shutdown: -x and -X

Deno.test("flom -x stops an idle daemon: message, exit 0, then no daemon and no socket", async () => {
  await using dir = new TestDir();
  const start = await dir.run(["-s", dir.socket, "-d", "-1", "--", "true"]);
  assert.equal(start.code, 0, start.stderr);
  assert.equal(dir.daemonPids().length, 1);
  assert.ok(exists(dir.socket));
  const result = await dir.run(["-s", dir.socket, "-x"]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, "Starting FLoM daemon quiesce shutdown...\n");
  assert.equal(result.stderr, "");
  await waitUntil(() => dir.daemonPids().length === 0, "the daemon to exit");
  assert.ok(!exists(dir.socket), "the socket file is removed");
});

Deno.test("flom --quiesce-exit is the long form of -x", async () => {
  await using dir = new TestDir();
  await dir.run(["-s", dir.socket, "-d", "-1", "--", "true"]);
  const result = await dir.run(["--quiesce-exit", `--socket-name=${dir.socket}`]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, "Starting FLoM daemon quiesce shutdown...\n");
  assert.equal(result.stderr, "");
  // The daemon's exit after -x is the point of the test above; TestDir stops this one.
});

Deno.test("flom -X stops the daemon at once: message, exit 0, then no daemon and no socket", async () => {
  await using dir = new TestDir();
  const start = await dir.run(["-s", dir.socket, "-d", "-1", "--", "true"]);
  assert.equal(start.code, 0, start.stderr);
  assert.equal(dir.daemonPids().length, 1);
  const result = await dir.run(["-s", dir.socket, "-X"]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, "Starting FLoM daemon immediate shutdown...\n");
  assert.equal(result.stderr, "");
  await waitUntil(() => dir.daemonPids().length === 0, "the daemon to exit");
  assert.ok(!exists(dir.socket), "the socket file is removed");
});

Deno.test("flom -x -X asks for the immediate shutdown", async () => {
  await using dir = new TestDir();
  await dir.run(["-s", dir.socket, "-d", "-1", "--", "true"]);
  const result = await dir.run(["-s", dir.socket, "-x", "--immediate-exit"]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, "Starting FLoM daemon immediate shutdown...\n");
  await waitUntil(() => dir.daemonPids().length === 0, "the daemon to exit");
});

Deno.test("flom -x with no daemon running exits 99, says why on stderr, starts none", async () => {
  await using dir = new TestDir();
  for (const option of ["-x", "-X"]) {
    const result = await dir.run(["-s", dir.socket, option]);
    assert.equal(result.code, 99, option);
    assert.match(result.stdout, /^Starting FLoM daemon (quiesce|immediate) shutdown\.\.\.\n$/);
    assert.equal(
      result.stderr,
      "flom_client_connect: ret_cod=-105 (ERROR: 'connect' function returned an error condition)\n" +
        `flom: no flom daemon is running at ${dir.socket}\n`,
    );
  }
  assert.equal(dir.daemonPids().length, 0);
  assert.ok(!exists(dir.socket));
});

Deno.test("flom -x lets the current holder finish, then the daemon exits", async () => {
  await using dir = new TestDir();
  const holder = dir.spawn(
    ["-s", dir.socket, "-r", "R", "--", "sh", "-c", "echo held; read _; echo done"],
    { stdin: true },
  );
  await holder.waitFor(/held/);
  const quiesce = await dir.run(["-s", dir.socket, "-x"]);
  assert.equal(quiesce.code, 0, quiesce.stderr);
  // Still serving: a new request is answered (busy), not refused.
  const busy = await dir.run(["-s", dir.socket, "-r", "R", "-o", "0", "--", "true"]);
  assert.equal(busy.code, 98, busy.stderr);
  await holder.writeLine("go");
  const held = await holder.result();
  assert.equal(held.code, 0, held.stderr);
  assert.equal(held.stdout, "held\ndone\n");
  await waitUntil(() => dir.daemonPids().length === 0, "the daemon to exit");
  assert.ok(!exists(dir.socket));
});

Deno.test("flom -X while a command runs: the command finishes, its unlock fails with 99", async () => {
  await using dir = new TestDir();
  const holder = dir.spawn(
    ["-s", dir.socket, "-r", "R", "--", "sh", "-c", "echo held; read _; echo done"],
    { stdin: true },
  );
  await holder.waitFor(/held/);
  const stop = await dir.run(["-s", dir.socket, "-X"]);
  assert.equal(stop.code, 0, stop.stderr);
  await waitUntil(() => !exists(dir.socket), "the socket to go");
  await holder.writeLine("go");
  const held = await holder.result();
  assert.equal(held.stdout, "held\ndone\n");
  assert.equal(held.code, 99);
  assert.match(held.stderr, /^flom_client_unlock: ret_cod=-?\d+ \(.*\)\n$/);
});

/** A listener that takes connections and never answers: not a flom daemon. */
function silentListener(
  options: Deno.ListenOptions | Deno.UnixListenOptions & { transport: "unix" },
) {
  const listener = Deno.listen(options as Deno.ListenOptions);
  const conns: Deno.Conn[] = [];
  (async () => {
    for await (const conn of listener) conns.push(conn);
  })();
  return {
    listener,
    [Symbol.dispose]() {
      for (const conn of conns) conn.close();
      listener.close();
    },
  };
}

Deno.test("flom facing a socket or port that does not answer like a flom daemon fails with 99 and says so", async () => {
  await using dir = new TestDir();
  const socket = `${dir.path}/other`;
  using _unix = silentListener({ transport: "unix", path: socket });
  using tcp = silentListener({ hostname: "127.0.0.1", port: 0 });
  const port = (tcp.listener.addr as Deno.NetAddr).port;
  for (
    const [where, args] of [
      [socket, ["-s", socket]],
      [`127.0.0.1/${port}`, ["-a", "127.0.0.1", "-p", String(port)]],
    ] as const
  ) {
    const result = await dir.run([...args, "-r", "R", "--", "true"]);
    assert.deepEqual(result, {
      code: 99,
      stdout: "",
      stderr: "flom_client_lock: ret_cod=9 (WARNING: network operation timeout)\n" +
        `flom: ${where} did not answer the lock request within 5 s: what listens there does not answer like a flom daemon\n`,
    });
  }
});

Deno.test("relative -s and -t paths name files in the client's directory, also for the daemon it starts", async () => {
  await using dir = new TestDir();
  const name = `rel-${crypto.randomUUID()}`;
  const result = await dir.run([
    "-s",
    `${name}.sock`,
    "-t",
    `${name}.trace`,
    "-d",
    "100",
    "--",
    "echo",
    "ok",
  ]);
  assert.deepEqual(result, { code: 0, stdout: "ok\n", stderr: "" });
  assert.ok(
    exists(`${dir.path}/${name}.trace`),
    "the daemon's trace file is in the client's directory",
  );
  // The daemon ends after its short lifespan, removing the socket it listened on here.
  await waitUntil(() => !exists(`${dir.path}/${name}.sock`), "the daemon to exit");
  for (const pid of processesMentioning(name)) Deno.kill(pid, "SIGKILL");
});

Deno.test("a port out of range is an error naming the option and the range, on the command line and in a file", async () => {
  await using dir = new TestDir();
  assert.deepEqual(await dir.run(["-a", "127.0.0.1", "-p", "99999", "--", "true"]), {
    code: 99,
    stdout: "",
    stderr: "unicast-port: '99999' is out of range: a port is 0 to 65535\n",
  });
  Deno.writeTextFileSync(`${dir.path}/ports.conf`, "[Daemon]\nUnicastPort=70000\n");
  const file = await dir.run([
    "-c",
    `${dir.path}/ports.conf`,
    "-a",
    "127.0.0.1",
    "-d",
    "0",
    "--",
    "true",
  ]);
  assert.equal(file.code, 99);
  assert.match(
    file.stderr,
    /line 2: key 'UnicastPort' in group \[Daemon\] has a value that cannot be interpreted: '70000'/,
  );
});

Deno.test("a lock mode or a signal that is not one is an error, not another mode or nothing", async () => {
  await using dir = new TestDir();
  for (
    const [args, stderr] of [
      [["-l", "express"], "lock-mode: 'express' is an invalid value\n"],
      [["-l", "crash"], "lock-mode: 'crash' is an invalid value\n"],
      [
        ["--ignore-signal", "FOO"],
        "ignore-signal: 'FOO' is not a signal: give a number from 1 to 31 or a name such as TERM (flom --signal-list shows them)\n",
      ],
    ] as const
  ) {
    assert.deepEqual(await dir.run(["-s", dir.socket, ...args, "--", "true"]), {
      code: 99,
      stdout: "",
      stderr,
    });
  }
  const accepted = await dir.run([
    "-s",
    dir.socket,
    "-l",
    "pr",
    "--ignore-signal",
    "term",
    "-V",
    "--",
    "true",
  ]);
  assert.equal(accepted.code, 0);
  assert.equal(dumpValue(accepted.stdout, "[Resource]/LockMode"), "3"); // PR
  assert.equal(dumpValue(accepted.stdout, "[Monitor]/IgnoredSignals"), "'SIGTERM'");
});

Deno.test("a typing mistake in ~/.flom is a warning with the likely key; TOML in a key file says so", async () => {
  await using dir = new TestDir();
  Deno.writeTextFileSync(`${dir.path}/.flom`, "[Resource]\nTimout=100\n");
  assert.deepEqual(await dir.run(["-s", dir.socket, "--", "echo", "ok"]), {
    code: 0,
    stdout: "ok\n",
    stderr:
      `flom: warning in '${dir.path}/.flom' line 2: unknown key 'Timout' in group [Resource] is ignored (did you mean Timeout?)\n`,
  });
  Deno.writeTextFileSync(`${dir.path}/.flom`, '[Resource]\nName = "db"\n');
  assert.deepEqual(await dir.run(["-s", dir.socket, "--", "echo", "never"]), {
    code: 99,
    stdout: "",
    stderr:
      `flom: invalid configuration in '${dir.path}/.flom' line 2: key 'Name' in group [Resource] has a value that cannot be interpreted: '"db"' (the file looks like TOML, which flom reads only from files named *.toml)\n`,
  });
});
