import { ClientError, ReasonError } from "../errors.ts";
import { type CheckedSettings, checkSettings } from "../config/check.ts";
import { resolvePaths } from "../config/load.ts";
import { SETTING_KEYS, type SettingInput, settingValue } from "../config/setting_keys.ts";
import { ConfigError, defaultSettings, type Settings } from "../config/settings.ts";
import { RC, strerror } from "../protocol/return_codes.ts";
import type { LOCK_MODE_SHORT_NAMES } from "../resources/lock_mode.ts";
import { currentAccount } from "./account.ts";
import { connectDaemon, SocketOwnerError } from "./connect.ts";
import { lockRequestOf, LockSession } from "./lock_session.ts";

/** A lock mode by its short name. */
export type LockModeName = typeof LOCK_MODE_SHORT_NAMES[number];

/** What to lock and where the daemon is; every field has the CLI's default. */
export interface LockOptions {
  /** The resource name (any kind: `R`, `R[3]`, `a.b.c`, `/a/b`, `_s_R[1]`, `_t_%S[1]`). @default "_RESOURCE" */
  resource?: string;
  /** Lock mode for simple and hierarchical resources (a long name such as `ProtectedRead` too). @default "EX" */
  mode?: LockModeName;
  /** Units of a numeric resource. @default 1 */
  quantity?: number;
  /** Milliseconds to wait: negative forever, 0 not at all. @default -1 */
  timeout?: number;
  /** Create the resource if it does not exist. @default true */
  create?: boolean;
  /** Milliseconds the daemon keeps the resource after its last user. @default 0 */
  idleLifespan?: number;
  /** The daemon's UNIX socket. @default "/tmp/flom-<login>" when no address is given */
  socketName?: string;
  /** The daemon's TCP address. */
  unicastAddress?: string;
  /** The daemon's TCP port. @default 28015 */
  unicastPort?: number;
  /** Find the daemon by UDP multicast discovery on this group. */
  multicastAddress?: string;
  /** The discovery port. @default 28015 */
  multicastPort?: number;
  /**
   * TLS with mutual authentication: this peer's certificate, its private key and the CA
   * certificate (PEM files, all three or none). @default no TLS
   */
  tls?: { certificate: string; privateKey: string; caCertificate: string };
  /** With TLS: the daemon's unique id must be the CN of its certificate. @default false */
  tlsCheckPeerId?: boolean;
  /**
   * Gives up when aborted: the discovery or the connection under way stops, a request waiting
   * in the daemon's queue is withdrawn, and `lock()` rejects with the signal's reason.
   * @default never aborted
   */
  signal?: AbortSignal;
}

/** Why a lock was not obtained, with the original's reason code (`rc`, see docs/compatibility.md). */
export class LockError extends ReasonError {
  override name = "LockError";

  constructor(rc: number, message: string = strerror(rc)) {
    super(rc, message);
  }
}

/** A held lock. Release it with unlock(), or by leaving its `await using` scope. */
export interface Lock extends AsyncDisposable {
  readonly resource: string;
  /** The set member, sequence value or timestamp a lock hands out; undefined for other kinds. */
  readonly element: string | undefined;
  /**
   * A number greater than that of every earlier grant of the resource, also by an earlier daemon
   * (README, "Fencing tokens"): give it to a storage service that refuses older ones. Undefined
   * from a daemon that gives none (FLoM 1.7.2).
   */
  readonly fencingToken: bigint | undefined;
  /**
   * Aborts should the lock end while held, with a LockError (rc -27) that says why: the daemon
   * lost it (an etcd-backed daemon whose lease ended), or the daemon went away. Pass it to the
   * work the lock protects, to stop it: `fetch(url, { signal: held.signal })`.
   */
  readonly signal: AbortSignal;
  /**
   * Releases the lock; `rollback` returns a transactional sequence value (`_S_`) to its pool.
   * Once `signal` has aborted, there is nothing to release: it resolves at once.
   */
  unlock(options?: { rollback?: boolean }): Promise<void>;
}

/**
 * Locks a resource in a running daemon (like libflom, it never starts one). Resolves when the
 * lock is held; rejects with LockError: rc 4 busy (timeout 0), 9 timeout, 5 cannot wait for the
 * resource's creation, 6 impossible, -14 invalid name, -105 no daemon, and so on.
 */
export async function lock(options: LockOptions = {}): Promise<Lock> {
  const { signal } = options;
  signal?.throwIfAborted();
  const { settings, privateSocket } = await checkedSettingsOf(options);
  // The name passed the settings' check: a request can always be built.
  const request = lockRequestOf(settings)!;
  let session: LockSession;
  try {
    session = new LockSession(
      await connectDaemon({
        settings,
        privateSocket,
        autoStart: false,
        argv: [],
        ...(signal === undefined ? {} : { signal }),
      }),
      undefined,
      { checkPeerId: settings.tlsCheckPeerId },
    );
  } catch (error) {
    signal?.throwIfAborted();
    throw asLockError(error);
  }
  // Closing the connection withdraws the request: the daemon drops a waiter that hangs up.
  const withdraw = () => session.abort();
  signal?.addEventListener("abort", withdraw, { once: true });
  try {
    signal?.throwIfAborted();
    const result = await session.lock({ ...request, watchLoss: true });
    if (result.status === "timeout") throw new LockError(RC.NETWORK_TIMEOUT);
    if (result.status === "refused") throw new LockError(result.rc);
    return heldLock(session, settings.resourceName, result);
  } catch (error) {
    session.abort();
    signal?.throwIfAborted();
    throw asLockError(error);
  } finally {
    signal?.removeEventListener("abort", withdraw);
  }
}

function heldLock(
  session: LockSession,
  resource: string,
  { element, fencingToken }: { element?: string; fencingToken?: string },
): Lock {
  let released = false;
  const lost = new AbortController();
  session.lockLost().then((reason) => {
    if (released) return;
    const why = reason ?? "the daemon closed the connection";
    lost.abort(new LockError(RC.CONNECTION_CLOSED_BY_SERVER, `lock on '${resource}' lost: ${why}`));
  });
  const unlock = async ({ rollback = false } = {}) => {
    if (released) return;
    released = true;
    // A lost lock has nothing left to release.
    if (lost.signal.aborted) return session.abort();
    try {
      await session.unlock(rollback);
    } finally {
      await session.close();
    }
  };
  return {
    resource,
    element,
    // A daemon that sends something other than a number gives no usable token.
    fencingToken: fencingToken !== undefined && /^\d+$/.test(fencingToken)
      ? BigInt(fencingToken)
      : undefined,
    signal: lost.signal,
    unlock,
    [Symbol.asyncDispose]: () => unlock(),
  };
}

// The setting each option of lock() gives, read by the rules of the CLI's options.
const OPTION_FIELDS = {
  resource: "resourceName",
  mode: "lockMode",
  quantity: "resourceQuantity",
  timeout: "resourceTimeout",
  create: "resourceCreate",
  idleLifespan: "resourceIdleLifespan",
  socketName: "socketName",
  unicastAddress: "unicastAddress",
  unicastPort: "unicastPort",
  multicastAddress: "multicastAddress",
  multicastPort: "multicastPort",
  tlsCheckPeerId: "tlsCheckPeerId",
} as const satisfies { [Option in keyof LockOptions]?: keyof Settings };

/**
 * The checked settings of a lock() call: the options read like the CLI's, then the same check
 * (one endpoint, TLS files all or none, the per-user socket when no endpoint is given). A refused
 * option is a LockError: rc -14 for the resource name, -5 for any other.
 */
async function checkedSettingsOf(options: LockOptions): Promise<CheckedSettings> {
  const inputs = new Map<keyof Settings, SettingInput | undefined>([
    ...Object.entries(OPTION_FIELDS).map(([option, field]) =>
      [field, options[option as keyof typeof OPTION_FIELDS]] as const
    ),
    ["tlsCertificate", options.tls?.certificate],
    ["tlsPrivateKey", options.tls?.privateKey],
    ["tlsCaCertificate", options.tls?.caCertificate],
  ]);
  const settings = defaultSettings();
  const warnings: string[] = [];
  for (const entry of SETTING_KEYS) {
    const input = inputs.get(entry.field);
    if (input === undefined) continue;
    try {
      Object.assign(settings, settingValue(entry, input, { syntax: "option", warnings }));
    } catch (error) {
      if (!(error instanceof RangeError || error instanceof SyntaxError)) throw error;
      const rc = entry.field === "resourceName" ? RC.INVALID_RESOURCE_NAME : RC.INVALID_OPTION;
      throw new LockError(rc, `Cannot lock: ${error.message}`);
    }
  }
  // What the CLI only warns about (a negative quantity) is a mistake in a program.
  if (warnings.length > 0) throw new LockError(RC.INVALID_OPTION, `Cannot lock: ${warnings[0]}`);
  try {
    await resolvePaths(settings);
    return await checkSettings(settings, async () => (await currentAccount()).login);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new LockError(RC.INVALID_OPTION, `Cannot lock: ${error.message}`);
  }
}

function asLockError(error: unknown): unknown {
  if (error instanceof ClientError) {
    // The original's text, then ours where it says more (which socket has no daemon, …).
    return new LockError(
      error.rc,
      error.explanation === undefined
        ? strerror(error.rc)
        : `${strerror(error.rc)}: ${error.explanation}`,
    );
  }
  // A per-user socket of another user: nobody this program may talk to.
  if (error instanceof SocketOwnerError) return new LockError(RC.CONNECT_ERROR, error.message);
  return error;
}
