/**
 * Every setting of flom, described once: its field, its config file group and key, its value type
 * and rules, and its command-line option; and {@link settingValue}, the one reader of a setting's
 * value from any source. The config files, the command line, the `mod.ts` API, the help text and
 * the verbose dump are all driven by {@link SETTING_KEYS}.
 *
 * Long because it is one table of all 33 settings (the original's 29 and flom's own), an entry
 * each; split, it would stop being the one place where a setting is described.
 */
import type { Settings } from "./settings.ts";
import {
  absInt,
  INT_MAX,
  INT_MIN,
  type IntegerSyntax,
  invalidValue,
  parseInteger,
  parseLockMode,
  parseSignalList,
  parseYesNo,
  validateEtcdEndpoints,
  validateEtcdPrefix,
  validateHostPort,
  validateResourceName,
  validateSocketName,
} from "./values.ts";

type FieldOf<T> = { [K in keyof Settings]-?: Settings[K] extends T ? K : never }[keyof Settings];

/** Fields holding text. */
export type StringField = FieldOf<string | undefined>;
/** Fields holding a plain integer (the lock mode has its own type). */
export type IntegerField = Exclude<FieldOf<number>, "lockMode">;
/** Fields holding a yes/no. */
export type BooleanField = FieldOf<boolean>;

/** How a setting appears on the command line and in the help. */
export interface SettingOption {
  /** The one-letter name, without `-`. */
  readonly short?: string;
  /** The long name, without `--`; also the prefix of the original's value error messages. */
  readonly long: string;
  /** The help line (the original's text). */
  readonly help: string;
  /**
   * The name of its value in the man page and completions (`FILE`, `MS`, `yes|no`); none for a
   * flag. `FILE`, `PATH`, `DIR`, `IFACE` and `ADDRESS` also say what a shell completes there.
   */
  readonly arg?: string;
  /** Takes no value on the command line and means "yes" (`-V`); a yes/no in config files. */
  readonly flag?: true;
}

interface KeyBase {
  /** The config file group, without brackets. */
  readonly group: string;
  /** The config file key. */
  readonly key: string;
  readonly option: SettingOption;
  /**
   * A setting FLoM 1.7.2 does not have: the `-V` dump shows it only when it is set, after the
   * original's lines, which stay byte for byte the original's.
   */
  readonly extension?: true;
}

/**
 * One setting. `type` selects the value syntax: `string` and `path` are stored as given (a path
 * is resolved to an absolute one by the caller, which does the file system access); `integer`
 * is a C int; `yesno`, `lockMode` and `signals` use the parsers of values.ts.
 */
export type SettingKey =
  & KeyBase
  & (
    | {
      readonly type: "string" | "path" | "directory";
      readonly field: StringField;
      /** Throws `RangeError` with the complete message when the text is refused. */
      readonly validate?: (text: string, option: string) => void;
    }
    | {
      readonly type: "integer";
      readonly field: IntegerField;
      /**
       * Turns the parsed number into the stored one; `undefined` ignores the value (the earlier
       * layer's stays); may add a warning line. Throws `RangeError` with the complete message
       * (naming `option`) for a value that is refused.
       */
      readonly normalise?: (
        value: number,
        warnings: string[],
        option: string,
      ) => number | undefined;
    }
    | { readonly type: "yesno"; readonly field: BooleanField }
    | { readonly type: "lockMode"; readonly field: "lockMode" }
    | { readonly type: "signals"; readonly field: "ignoredSignals" }
  );

// Normalisers of docs/compatibility.md, "Command line" and docs/compatibility.md, "Configuration".
const absOneIfZero = (value: number) => absInt(value) || 1;
const absIgnoreZero = (value: number) => absInt(value) || undefined;

function positiveQuantity(value: number, warnings: string[]): number | undefined {
  if (value < 0) {
    warnings.push(`Resource quantity ignored because negative values (${value}) are meaningless`);
  }
  return value > 0 ? value : undefined;
}

// The original wraps a port above 65535 modulo 65536 (99999 is 34463), a silent surprise.
function portNumber(value: number, _warnings: string[], option: string): number {
  const port = absInt(value);
  if (port > MAX_PORT) {
    throw new RangeError(`${option}: '${value}' is out of range: a port is 0 to ${MAX_PORT}`);
  }
  return port;
}

const MAX_PORT = 65535;

// etcd grants leases of 1 second up to about 9×10^10 seconds; a C int is far below that.
function leaseSeconds(value: number, _warnings: string[], option: string): number {
  if (value < 1) {
    throw new RangeError(`${option}: '${value}' is out of range: a lease lasts at least 1 second`);
  }
  return value;
}

function graceMilliseconds(value: number, _warnings: string[], option: string): number {
  if (value < 0) {
    throw new RangeError(`${option}: '${value}' is out of range: a grace period is 0 or more`);
  }
  return value;
}

const KEEPALIVE_HELP = "Local override for SO_KEEPALIVE feature";

/**
 * All settings, in the order the original reads its config file (docs/compatibility.md,
 * "Configuration"), which is also the order of the verbose dump (docs/compatibility.md, "Command
 * line"); flom's own ones (`extension`) come last.
 */
export const SETTING_KEYS: readonly SettingKey[] = [
  {
    field: "daemonTraceFile",
    group: "Trace",
    key: "DaemonTraceFile",
    type: "string",
    option: {
      short: "t",
      long: "daemon-trace-file",
      arg: "FILE",
      help: "Specify daemon (background process) trace file name (absolute path required)",
    },
  },
  {
    field: "commandTraceFile",
    group: "Trace",
    key: "CommandTraceFile",
    type: "string",
    option: {
      short: "T",
      long: "command-trace-file",
      arg: "FILE",
      help: "Specify command (foreground process) trace file name (absolute path required)",
    },
  },
  {
    field: "appendTraceFile",
    group: "Trace",
    key: "AppendTraceFile",
    type: "yesno",
    option: {
      long: "append-trace-file",
      arg: "yes|no",
      help:
        "Specify if the trace file(s) must be appended or truncated for every execution (accepted values 'yes', 'no')",
    },
  },
  {
    field: "verbose",
    group: "Trace",
    key: "Verbose",
    type: "yesno",
    option: { short: "V", long: "verbose", help: "Activate verbose messages", flag: true },
  },
  {
    field: "resourceName",
    group: "Resource",
    key: "Name",
    type: "string",
    validate: validateResourceName,
    option: {
      short: "r",
      long: "resource-name",
      arg: "NAME",
      help: "Specify the name of the resource to be locked",
    },
  },
  {
    field: "resourceTimeout",
    group: "Resource",
    key: "Timeout",
    type: "integer",
    option: {
      short: "o",
      long: "resource-timeout",
      arg: "MS",
      help: "Specify maximum wait time (milliseconds) if a resource is already locked",
    },
  },
  {
    field: "resourceQuantity",
    group: "Resource",
    key: "Quantity",
    type: "integer",
    normalise: positiveQuantity,
    option: {
      short: "q",
      long: "resource-quantity",
      arg: "N",
      help: "Specify how many numeric resources must be locked",
    },
  },
  {
    field: "lockMode",
    group: "Resource",
    key: "LockMode",
    type: "lockMode",
    option: {
      short: "l",
      long: "lock-mode",
      arg: "MODE",
      help: "Resource lock mode ('NL', 'CR', 'CW', 'PR', 'PW', 'EX')",
    },
  },
  {
    field: "resourceCreate",
    group: "Resource",
    key: "Create",
    type: "yesno",
    option: {
      short: "e",
      long: "resource-create",
      arg: "yes|no",
      help:
        "Specify if the command can create the resource to lock (accepted values are 'yes', 'no')",
    },
  },
  {
    field: "resourceIdleLifespan",
    group: "Resource",
    key: "IdleLifespan",
    type: "integer",
    normalise: absIgnoreZero,
    option: {
      short: "i",
      long: "resource-idle-lifespan",
      arg: "MS",
      help: "Specify how long (milliseconds) a resource will be kept after usage termination",
    },
  },
  {
    field: "socketName",
    group: "Daemon",
    key: "SocketName",
    type: "string",
    validate: validateSocketName,
    option: {
      short: "s",
      long: "socket-name",
      arg: "PATH",
      help: "Daemon/command communication socket name",
    },
  },
  {
    field: "daemonLifespan",
    group: "Daemon",
    key: "Lifespan",
    type: "integer",
    option: {
      short: "d",
      long: "daemon-lifespan",
      arg: "MS",
      help: "Specify minimum lifespan of the flom daemon (if activated)",
    },
  },
  {
    field: "unicastAddress",
    group: "Daemon",
    key: "UnicastAddress",
    type: "string",
    option: { short: "a", long: "unicast-address", arg: "ADDRESS", help: "Daemon TCP/IP address" },
  },
  {
    field: "unicastPort",
    group: "Daemon",
    key: "UnicastPort",
    type: "integer",
    normalise: portNumber,
    option: { short: "p", long: "unicast-port", arg: "PORT", help: "Daemon TCP/IP port" },
  },
  {
    field: "multicastAddress",
    group: "Daemon",
    key: "MulticastAddress",
    type: "string",
    option: {
      short: "A",
      long: "multicast-address",
      arg: "ADDRESS",
      help: "Daemon UDP/IP (multicast) address",
    },
  },
  {
    field: "multicastPort",
    group: "Daemon",
    key: "MulticastPort",
    type: "integer",
    normalise: portNumber,
    option: {
      short: "P",
      long: "multicast-port",
      arg: "PORT",
      help: "Daemon UDP/IP (multicast) port",
    },
  },
  {
    field: "mountPointVfs",
    group: "Daemon",
    key: "MountPointVFS",
    type: "directory",
    option: {
      short: "m",
      long: "mount-point-vfs",
      arg: "DIR",
      help: "Mount point of daemon Virtual File System",
    },
  },
  {
    field: "ignoredSignals",
    group: "Monitor",
    key: "IgnoredSignals",
    type: "signals",
    option: {
      long: "ignore-signal",
      arg: "SIGNAL",
      help: "Ignore a specific signal, can be repeated to specify more than one",
    },
  },
  {
    field: "networkInterface",
    group: "Network",
    key: "NetworkInterface",
    type: "string",
    option: {
      short: "n",
      long: "network-interface",
      arg: "IFACE",
      help: "Network interface that must be used for IPv6 link local addresses",
    },
  },
  {
    field: "discoveryAttempts",
    group: "Network",
    key: "DiscoveryAttempts",
    type: "integer",
    normalise: absOneIfZero,
    option: {
      short: "D",
      long: "discovery-attempts",
      arg: "N",
      help: "UDP/IP (multicast) max number of requests",
    },
  },
  {
    field: "discoveryTimeout",
    group: "Network",
    key: "DiscoveryTimeout",
    type: "integer",
    normalise: absInt,
    option: {
      short: "I",
      long: "discovery-timeout",
      arg: "MS",
      help: "UDP/IP (multicast) request timeout",
    },
  },
  {
    field: "discoveryTtl",
    group: "Network",
    key: "DiscoveryTTL",
    type: "integer",
    normalise: absOneIfZero,
    option: { long: "discovery-ttl", arg: "N", help: "UDP/IP (multicast) hop limit" },
  },
  {
    field: "tcpKeepaliveTime",
    group: "Network",
    key: "TcpKeepaliveTime",
    type: "integer",
    normalise: absInt,
    option: { long: "tcp-keepalive-time", help: KEEPALIVE_HELP, arg: "SECONDS" },
  },
  {
    field: "tcpKeepaliveIntvl",
    group: "Network",
    key: "TcpKeepaliveIntvl",
    type: "integer",
    normalise: absInt,
    option: { long: "tcp-keepalive-intvl", help: KEEPALIVE_HELP, arg: "SECONDS" },
  },
  {
    field: "tcpKeepaliveProbes",
    group: "Network",
    key: "TcpKeepaliveProbes",
    type: "integer",
    normalise: absInt,
    option: { long: "tcp-keepalive-probes", help: KEEPALIVE_HELP, arg: "N" },
  },
  {
    field: "tlsCertificate",
    group: "TLS",
    key: "TlsCertificate",
    type: "path",
    option: {
      long: "tls-certificate",
      arg: "FILE",
      help: "Name of the file that contains the X.509 certificate of this peer",
    },
  },
  {
    field: "tlsPrivateKey",
    group: "TLS",
    key: "TlsPrivateKey",
    type: "path",
    option: {
      long: "tls-private-key",
      arg: "FILE",
      help: "Name of the file that contains the private key of this peer",
    },
  },
  {
    field: "tlsCaCertificate",
    group: "TLS",
    key: "TlsCaCertificate",
    type: "path",
    option: {
      long: "tls-ca-certificate",
      arg: "FILE",
      help:
        "Name of the file that contains the X.509 certificate of the certification authority that signed the certificate of this peer",
    },
  },
  {
    field: "tlsCheckPeerId",
    group: "TLS",
    key: "TlsCheckPeerId",
    type: "yesno",
    option: {
      long: "tls-check-peer-id",
      arg: "yes|no",
      help: "Check the unique id of the peer (accepted values are 'yes', 'no')",
    },
  },
  {
    field: "metricsAddress",
    group: "Daemon",
    key: "MetricsAddress",
    type: "string",
    validate: validateHostPort,
    extension: true,
    option: {
      long: "metrics",
      arg: "ADDRESS:PORT",
      help:
        "A daemon started with it serves HTTP on ADDRESS:PORT: GET /metrics (Prometheus) and /status (JSON)",
    },
  },
  {
    field: "etcdEndpoints",
    group: "Etcd",
    key: "Endpoints",
    type: "string",
    validate: validateEtcdEndpoints,
    extension: true,
    option: {
      long: "etcd-endpoints",
      arg: "URL[,URL...]",
      help:
        "A daemon started with it keeps its locks in this etcd cluster, shared with the other daemons that use it",
    },
  },
  {
    field: "etcdPrefix",
    group: "Etcd",
    key: "Prefix",
    type: "string",
    validate: validateEtcdPrefix,
    extension: true,
    option: {
      long: "etcd-prefix",
      arg: "PREFIX",
      help: "Where the locks live in etcd's key space (default /flom/)",
    },
  },
  {
    field: "etcdLeaseTtl",
    group: "Etcd",
    key: "LeaseTTL",
    type: "integer",
    normalise: leaseSeconds,
    extension: true,
    option: {
      long: "etcd-lease-ttl",
      arg: "SECONDS",
      help:
        "The locks of an etcd-backed daemon that stopped renewing its lease vanish after SECONDS (default 10)",
    },
  },
  {
    field: "lostLockGrace",
    group: "Etcd",
    key: "LostLockGrace",
    type: "integer",
    normalise: graceMilliseconds,
    extension: true,
    option: {
      long: "lost-lock-grace",
      arg: "MS",
      help:
        "When an etcd-backed daemon loses the lock, the command gets SIGTERM, then SIGKILL after MS milliseconds (default 5000)",
    },
  },
  {
    field: "etcdCaCertificate",
    group: "Etcd",
    key: "CaCertificate",
    type: "path",
    extension: true,
    option: {
      long: "etcd-ca-certificate",
      arg: "FILE",
      help: "The CA certificate that signed the certificates of etcd's members (https endpoints)",
    },
  },
  {
    field: "etcdCertificate",
    group: "Etcd",
    key: "Certificate",
    type: "path",
    extension: true,
    option: {
      long: "etcd-certificate",
      arg: "FILE",
      help: "The certificate an etcd-backed daemon shows etcd, when etcd checks its clients'",
    },
  },
  {
    field: "etcdPrivateKey",
    group: "Etcd",
    key: "PrivateKey",
    type: "path",
    extension: true,
    option: {
      long: "etcd-private-key",
      arg: "FILE",
      help: "The private key of --etcd-certificate",
    },
  },
];

/**
 * The settings holding file names that the caller must resolve to absolute paths (`realpath`,
 * relative to the current directory) before use: the TLS files.
 */
export const PATH_FIELDS: readonly StringField[] = SETTING_KEYS.flatMap((entry) =>
  entry.type === "path" ? [entry.field] : []
);

/**
 * A setting's value as its source gives it: text (a key file, a command-line word), or a typed
 * value (a TOML value, an integer the command line has already parsed, the words of a repeated
 * option, an API option).
 */
export type SettingInput = string | number | boolean | readonly (string | number)[];

/** What reading one value needs besides the value. */
export interface ReadContext {
  /** How integers are spelled where text comes from. */
  readonly syntax: IntegerSyntax;
  /** Receives warning lines (a negative quantity). */
  readonly warnings: string[];
}

/**
 * Reads one setting's value: returns `{ [field]: value }`, or `{}` for a value the rules ignore
 * (a quantity of 0). Text is parsed in the context's syntax; a typed value must have the
 * setting's type: a whole number for an integer, a boolean or yes/no text for a yes/no, text or
 * a whole number for a string, a list of signals or the key file's `;`-separated text for the
 * signals. Throws `SyntaxError`/`RangeError` from {@link parseInteger}, and `RangeError` with the
 * original's command-line message (`lock-mode: 'XX' is an invalid value`) for any other refused
 * value.
 */
export function settingValue(
  entry: SettingKey,
  input: SettingInput,
  context: ReadContext,
): Partial<Settings> {
  const setting: Partial<Settings> = {};
  const refused = () => invalidValue(entry.option.long, displayInput(input));
  switch (entry.type) {
    case "string":
    case "path":
    case "directory": {
      if (typeof input !== "string" && !Number.isInteger(input)) throw refused();
      const text = String(input);
      entry.validate?.(text, entry.option.long);
      setting[entry.field] = text;
      return setting;
    }
    case "integer": {
      const value = typeof input === "string"
        ? parseInteger(input, context.syntax)
        : typeof input === "number"
        ? checkedInteger(input)
        : undefined;
      if (value === undefined) throw refused();
      const stored = entry.normalise
        ? entry.normalise(value, context.warnings, entry.option.long)
        : value;
      if (stored !== undefined) setting[entry.field] = stored;
      return setting;
    }
    case "yesno": {
      const value = typeof input === "boolean"
        ? input
        : typeof input === "string"
        ? parseYesNo(input)
        : undefined;
      if (value === undefined) throw refused();
      setting[entry.field] = value;
      return setting;
    }
    case "lockMode": {
      const value = typeof input === "string" ? parseLockMode(input) : undefined;
      if (value === undefined) throw refused();
      setting[entry.field] = value;
      return setting;
    }
    case "signals": {
      // A key file spells a list as one text with `;` after each element.
      const elements = typeof input === "string" ? input.split(";") : input;
      if (!Array.isArray(elements)) throw refused();
      setting[entry.field] = parseSignalList(elements.map(String), entry.option.long);
      return setting;
    }
  }
}

/** A whole number that fits a C `int`; `undefined` for a fraction. */
function checkedInteger(value: number): number | undefined {
  if (!Number.isInteger(value)) return undefined;
  if (value < INT_MIN || value > INT_MAX) {
    throw new RangeError(`Cannot parse integer: '${value}' is out of range`);
  }
  return value;
}

/** How a value is shown in a message: text as it is, a list in brackets. */
export function displayInput(input: SettingInput): string {
  if (typeof input === "string") return input;
  if (Array.isArray(input)) {
    return `[${
      input.map((element) => typeof element === "string" ? JSON.stringify(element) : element)
        .join(", ")
    }]`;
  }
  return String(input);
}
