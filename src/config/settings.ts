import { LockMode } from "../resources/lock_mode.ts";

/**
 * The effective configuration of one flom invocation: built-in defaults, overlaid by the system
 * file, the user file, `-c FILE` and the command line (in that order). One field per config key
 * of the original (docs/compatibility.md, "Configuration"), and flom's own (marked); an absent
 * optional string is "not set".
 */
export interface Settings {
  // [Trace]
  daemonTraceFile?: string;
  commandTraceFile?: string;
  appendTraceFile: boolean;
  verbose: boolean;
  // [Resource]
  resourceName: string;
  resourceTimeout: number;
  resourceQuantity: number;
  lockMode: LockMode;
  resourceCreate: boolean;
  resourceIdleLifespan: number;
  // [Daemon]
  socketName?: string;
  daemonLifespan: number;
  unicastAddress?: string;
  unicastPort: number;
  multicastAddress?: string;
  multicastPort: number;
  mountPointVfs?: string;
  /** Where the daemon serves HTTP metrics and status (`ADDRESS:PORT`); flom's own. */
  metricsAddress?: string;
  // [Etcd] (flom's own)
  /** The etcd cluster whose keys hold the locks (`URL[,URL…]`): a stateless daemon; none: in memory. */
  etcdEndpoints?: string;
  /** Where under etcd's key space the locks live. */
  etcdPrefix: string;
  /** The lease of the daemon's lock requests, in seconds: a dead daemon's locks vanish after it. */
  etcdLeaseTtl: number;
  /**
   * Milliseconds between the SIGTERM and the SIGKILL that a command gets when the etcd-backed
   * daemon tells its flom that the lock is lost.
   */
  lostLockGrace: number;
  /** The CA certificate that signs etcd's members' certificates (PEM; https endpoints). */
  etcdCaCertificate?: string;
  /** The daemon's own certificate for etcd's client certificate authentication (PEM). */
  etcdCertificate?: string;
  /** The private key of `etcdCertificate` (PEM). */
  etcdPrivateKey?: string;
  // [Monitor]
  /** Signal numbers (1..31), ascending, without duplicates. */
  ignoredSignals: number[];
  // [Network]
  networkInterface?: string;
  discoveryAttempts: number;
  discoveryTimeout: number;
  discoveryTtl: number;
  tcpKeepaliveTime: number;
  tcpKeepaliveIntvl: number;
  tcpKeepaliveProbes: number;
  // [TLS]
  tlsCertificate?: string;
  tlsPrivateKey?: string;
  tlsCaCertificate?: string;
  tlsCheckPeerId: boolean;
}

/** The settings that may be absent: every one of them is a string (a path, an address, a name). */
export const OPTIONAL_SETTINGS = [
  "daemonTraceFile",
  "commandTraceFile",
  "socketName",
  "unicastAddress",
  "multicastAddress",
  "mountPointVfs",
  "metricsAddress",
  "etcdEndpoints",
  "etcdCaCertificate",
  "etcdCertificate",
  "etcdPrivateKey",
  "networkInterface",
  "tlsCertificate",
  "tlsPrivateKey",
  "tlsCaCertificate",
] as const satisfies readonly OptionalSetting[];

type OptionalSetting = {
  [Field in keyof Settings]-?: undefined extends Settings[Field] ? Field : never;
}[keyof Settings];

// The compiler refuses this line if a field may be absent and is missing from the list above.
const _everyOptionalSetting: Exclude<OptionalSetting, typeof OPTIONAL_SETTINGS[number]> extends
  never ? true : never = true;

/** A configuration that flom cannot run with; the message is the complete line for stderr. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** The name used when none is given; the CLI refuses to set it explicitly. */
export const DEFAULT_RESOURCE_NAME = "_RESOURCE";

/** Built-in defaults (docs/compatibility.md, "Command line"); a fresh object each call. */
export function defaultSettings(): Settings {
  return {
    appendTraceFile: false,
    verbose: false,
    resourceName: DEFAULT_RESOURCE_NAME,
    resourceTimeout: -1,
    resourceQuantity: 1,
    lockMode: LockMode.Exclusive,
    resourceCreate: true,
    resourceIdleLifespan: 0,
    daemonLifespan: 5000,
    unicastPort: 28015,
    multicastPort: 28015,
    ignoredSignals: [],
    discoveryAttempts: 2,
    discoveryTimeout: 500,
    discoveryTtl: 1,
    tcpKeepaliveTime: 60,
    tcpKeepaliveIntvl: 10,
    tcpKeepaliveProbes: 6,
    tlsCheckPeerId: false,
    etcdPrefix: "/flom/",
    etcdLeaseTtl: 10,
    lostLockGrace: 5000,
  };
}
