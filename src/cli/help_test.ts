import assert from "node:assert/strict";
import { helpText, versionText } from "./help.ts";
import { OPTIONS } from "./options.ts";

// The original's help text (tests/fixtures/help-output.txt) with "[OPTION...]" for the C locale's
// "[OPTION?]".
const ORIGINAL_HELP = `Usage:
  flom [OPTION...] [-- command to execute]

Help Options:
  -h, --help                       Show help options

Application Options:
  -v, --version                    Print package info and exit
  -V, --verbose                    Activate verbose messages
  -c, --config-file                User configuration file name
  -r, --resource-name              Specify the name of the resource to be locked
  -o, --resource-timeout           Specify maximum wait time (milliseconds) if a resource is already locked
  -q, --resource-quantity          Specify how many numeric resources must be locked
  -e, --resource-create            Specify if the command can create the resource to lock (accepted values are 'yes', 'no')
  -i, --resource-idle-lifespan     Specify how long (milliseconds) a resource will be kept after usage termination
  -l, --lock-mode                  Resource lock mode ('NL', 'CR', 'CW', 'PR', 'PW', 'EX')
  -s, --socket-name                Daemon/command communication socket name
  -d, --daemon-lifespan            Specify minimum lifespan of the flom daemon (if activated)
  -a, --unicast-address            Daemon TCP/IP address
  -p, --unicast-port               Daemon TCP/IP port
  -A, --multicast-address          Daemon UDP/IP (multicast) address
  -P, --multicast-port             Daemon UDP/IP (multicast) port
  -m, --mount-point-vfs            Mount point of daemon Virtual File System
  -n, --network-interface          Network interface that must be used for IPv6 link local addresses
  -D, --discovery-attempts         UDP/IP (multicast) max number of requests
  -I, --discovery-timeout          UDP/IP (multicast) request timeout
  --discovery-ttl                  UDP/IP (multicast) hop limit
  --tcp-keepalive-time             Local override for SO_KEEPALIVE feature
  --tcp-keepalive-intvl            Local override for SO_KEEPALIVE feature
  --tcp-keepalive-probes           Local override for SO_KEEPALIVE feature
  --tls-certificate                Name of the file that contains the X.509 certificate of this peer
  --tls-private-key                Name of the file that contains the private key of this peer
  --tls-ca-certificate             Name of the file that contains the X.509 certificate of the certification authority that signed the certificate of this peer
  --tls-check-peer-id              Check the unique id of the peer (accepted values are 'yes', 'no')
  --ignore-signal                  Ignore a specific signal, can be repeated to specify more than one
  --signal-list                    Print the list of signals that can be ignored and exit
  -t, --daemon-trace-file          Specify daemon (background process) trace file name (absolute path required)
  -T, --command-trace-file         Specify command (foreground process) trace file name (absolute path required)
  --append-trace-file              Specify if the trace file(s) must be appended or truncated for every execution (accepted values 'yes', 'no')
  -x, --quiesce-exit               Start daemon termination completing current requests
  -X, --immediate-exit             Start daemon termination immediately and interrupting current requests
  --unique-id                      Print unique ID and exit
  --debug-feature                  Debug execution, specify the debug feature to execute

`;

// The options flom adds, in their own section after the original's.
const FLOM_OPTIONS = [
  "status",
  "json",
  "watch",
  "metrics",
  "etcd-endpoints",
  "etcd-prefix",
  "etcd-lease-ttl",
  "lost-lock-grace",
  "etcd-ca-certificate",
  "etcd-certificate",
  "etcd-private-key",
  "foreground",
  "completions",
];

Deno.test("helpText() is the original's help, then flom's own options, then the exit statuses", () => {
  const help = helpText();
  assert.ok(help.startsWith(ORIGINAL_HELP), help);
  const [section, exitStatuses, ...rest] = help.slice(ORIGINAL_HELP.length).split("\n\n");
  assert.deepEqual(section!.split("\n")[0], "flom Options (not in FLoM 1.7.2):");
  assert.deepEqual(longNames(section!), FLOM_OPTIONS);
  assert.match(exitStatuses!, /96.*97.*98.*99/s);
  assert.deepEqual(rest, []);
});

const OPTION_LINE = /^ {2}(?:-., )?--([a-z-]+)/gm;

function longNames(help: string): (string | undefined)[] {
  return [...help.matchAll(OPTION_LINE)].map((match) => match[1]);
}

Deno.test("helpText() lists every option once, in the original's order", () => {
  const longs = longNames(helpText());
  assert.deepEqual(longs, [...longNames(ORIGINAL_HELP), ...FLOM_OPTIONS]);
  assert.deepEqual([...longs].sort(), OPTIONS.map((spec) => spec.long).sort());
});

Deno.test("versionText() names this project, its authors and licence, and credits the original", () => {
  const text = versionText("0.1.0");
  const lines = text.split("\n");
  assert.equal(lines[0], "flom for Deno: Free Lock Manager");
  assert.equal(lines[1], "Copyright (c) 2026, the flom for Deno authors");
  assert.equal(
    lines[2],
    "License: GPL-2.0-or-later (GNU General Public License, version 2 or any later version)",
  );
  assert.equal(lines[3], "Package name: flom; package version: 0.1.0");
  assert.ok(
    lines.some((line) => line.includes("re-implementation of FLoM 1.7.2 by Christian Ferrari")),
  );
  assert.ok(!text.includes("all rights reserved"));
  assert.ok(text.endsWith("\n"));
});
