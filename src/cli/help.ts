/** The `--help` and `--version` texts (docs/compatibility.md, "Command line"). */
import { OPTIONS, type OptionSpec } from "./options.ts";

// The original's help order (GLib prints options in the order of its table), by long name.
const HELP_ORDER: readonly string[] = [
  "version",
  "verbose",
  "config-file",
  "resource-name",
  "resource-timeout",
  "resource-quantity",
  "resource-create",
  "resource-idle-lifespan",
  "lock-mode",
  "socket-name",
  "daemon-lifespan",
  "unicast-address",
  "unicast-port",
  "multicast-address",
  "multicast-port",
  "mount-point-vfs",
  "network-interface",
  "discovery-attempts",
  "discovery-timeout",
  "discovery-ttl",
  "tcp-keepalive-time",
  "tcp-keepalive-intvl",
  "tcp-keepalive-probes",
  "tls-certificate",
  "tls-private-key",
  "tls-ca-certificate",
  "tls-check-peer-id",
  "ignore-signal",
  "signal-list",
  "daemon-trace-file",
  "command-trace-file",
  "append-trace-file",
  "quiesce-exit",
  "immediate-exit",
  "unique-id",
  "debug-feature",
];

// flom's own options, in a section of their own after the original's.
const FLOM_ORDER: readonly string[] = [
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

// GLib starts descriptions at column 35 (two spaces of indent, names padded to 33).
const NAME_WIDTH = 33;

function optionLine(spec: OptionSpec): string {
  const names = spec.short === undefined ? `--${spec.long}` : `-${spec.short}, --${spec.long}`;
  return `  ${names.padEnd(NAME_WIDTH)}${spec.help}\n`;
}

function option(long: string): OptionSpec {
  const spec = OPTIONS.find((spec) => spec.long === long);
  if (spec === undefined) throw new Error(`Cannot write the help: no option '--${long}'`);
  return spec;
}

/**
 * Every option in the order of the help, each with the section it is listed in: `help`,
 * `original` (FLoM 1.7.2's) or `flom` (flom's own). The man page and completions follow it.
 */
export function optionsInHelpOrder(): {
  spec: OptionSpec;
  section: "help" | "original" | "flom";
}[] {
  return [
    { spec: option("help"), section: "help" as const },
    ...HELP_ORDER.map((long) => ({ spec: option(long), section: "original" as const })),
    ...FLOM_ORDER.map((long) => ({ spec: option(long), section: "flom" as const })),
  ];
}

/**
 * The help of the original, option for option (`[OPTION...]` where the original's C locale
 * printed `[OPTION?]`), followed by the exit statuses.
 */
export function helpText(): string {
  return "Usage:\n" +
    "  flom [OPTION...] [-- command to execute]\n" +
    "\n" +
    "Help Options:\n" +
    optionLine(option("help")) +
    "\n" +
    "Application Options:\n" +
    HELP_ORDER.map((long) => optionLine(option(long))).join("") +
    "\n" +
    "flom Options (not in FLoM 1.7.2):\n" +
    FLOM_ORDER.map((long) => optionLine(option(long))).join("") +
    "\n" +
    "Exit status: the command's own; 96 when the lock request cannot wait, 97 when the command\n" +
    "cannot be executed, 98 when the resource is busy or the timeout expired, 99 on any other error.\n";
}

/**
 * The `--version` text: this project, its copyright holders and licence, its version (in the
 * original's "Package name" line, which scripts read), and the original it re-implements.
 */
export function versionText(version: string): string {
  return "flom for Deno: Free Lock Manager\n" +
    "Copyright (c) 2026, the flom for Deno authors\n" +
    "License: GPL-2.0-or-later (GNU General Public License, version 2 or any later version)\n" +
    `Package name: flom; package version: ${version}\n` +
    "A re-implementation of FLoM 1.7.2 by Christian Ferrari, Copyright (c) 2013-2024:\n" +
    "the same options, configuration, messages and protocol (https://github.com/tiian/flom)\n" +
    "TLS supported protocol(s): All TLS protocols\n" +
    "This is free software: there is NO WARRANTY, to the extent permitted by law.\n";
}
