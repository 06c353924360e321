import { defaultSocketName } from "../config/check.ts";
import { defaultSettings, type Settings } from "../config/settings.ts";
import { RC, ReasonError, strerror } from "../protocol/return_codes.ts";
import { LOCK_MODE_SHORT_NAMES } from "../resources/lock_mode.ts";
import { currentAccount } from "./account.ts";
import { ClientError } from "./client_error.ts";
import { connectDaemon, SocketOwnerError } from "./connect.ts";
import { lockRequestOf, LockSession } from "./lock_session.ts";

/** A lock mode by its short name. */
export type LockModeName = typeof LOCK_MODE_SHORT_NAMES[number];

/** What to lock and where the daemon is; every field has the CLI's default. */
export interface LockOptions {
  /** The resource name (any kind: `R`, `R[3]`, `a.b.c`, `/a/b`, `_s_R[1]`, `_t_%S[1]`). @default "_RESOURCE" */
  resource?: string;
  /** Lock mode for simple and hierarchical resources. @default "EX" */
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
   * Gives up when aborted: a request waiting in the daemon's queue is withdrawn, and `lock()`
   * rejects with the signal's reason. @default never aborted
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
  /** Releases the lock; `rollback` returns a transactional sequence value (`_S_`) to its pool. */
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
  const settings = await settingsOf(options);
  const request = lockRequestOf(settings);
  if (request === undefined) throw new LockError(RC.INVALID_RESOURCE_NAME);
  let session: LockSession;
  try {
    session = new LockSession(
      await connectDaemon({
        settings,
        // The computed per-user socket must be this user's, as for the CLI.
        privateSocket: options.socketName === undefined && options.unicastAddress === undefined &&
          options.multicastAddress === undefined,
        autoStart: false,
        argv: [],
      }),
      undefined,
      { checkPeerId: settings.tlsCheckPeerId },
    );
  } catch (error) {
    throw asLockError(error);
  }
  // Closing the connection withdraws the request: the daemon drops a waiter that hangs up.
  const withdraw = () => session.abort();
  signal?.addEventListener("abort", withdraw, { once: true });
  try {
    signal?.throwIfAborted();
    const result = await session.lock(request);
    if (result.status === "timeout") throw new LockError(RC.NETWORK_TIMEOUT);
    if (result.status === "refused") throw new LockError(result.rc);
    return heldLock(session, settings.resourceName, result.element);
  } catch (error) {
    session.abort();
    signal?.throwIfAborted();
    throw asLockError(error);
  } finally {
    signal?.removeEventListener("abort", withdraw);
  }
}

function heldLock(session: LockSession, resource: string, element: string | undefined): Lock {
  let released = false;
  const unlock = async ({ rollback = false } = {}) => {
    if (released) return;
    released = true;
    try {
      await session.unlock(rollback);
    } finally {
      await session.close();
    }
  };
  return { resource, element, unlock, [Symbol.asyncDispose]: () => unlock() };
}

async function settingsOf(options: LockOptions): Promise<Settings> {
  const settings = defaultSettings();
  if (options.resource !== undefined) settings.resourceName = options.resource;
  if (options.mode !== undefined) {
    const mode = LOCK_MODE_SHORT_NAMES.indexOf(options.mode);
    if (mode < 0) throw new RangeError(`Cannot lock: '${options.mode}' is not a lock mode`);
    settings.lockMode = mode;
  }
  if (options.quantity !== undefined) settings.resourceQuantity = options.quantity;
  if (options.timeout !== undefined) settings.resourceTimeout = options.timeout;
  if (options.create !== undefined) settings.resourceCreate = options.create;
  if (options.idleLifespan !== undefined) settings.resourceIdleLifespan = options.idleLifespan;
  if (options.unicastPort !== undefined) settings.unicastPort = options.unicastPort;
  if (options.multicastPort !== undefined) settings.multicastPort = options.multicastPort;
  if (options.tls !== undefined) {
    // Absolute, as the configuration loader stores them: the daemon's directory is `/`.
    settings.tlsCertificate = await absolute(options.tls.certificate);
    settings.tlsPrivateKey = await absolute(options.tls.privateKey);
    settings.tlsCaCertificate = await absolute(options.tls.caCertificate);
  } else if (options.tlsCheckPeerId) {
    throw new RangeError("Cannot check the peer id without TLS: give the tls files too");
  }
  if (options.tlsCheckPeerId !== undefined) settings.tlsCheckPeerId = options.tlsCheckPeerId;
  if (options.socketName !== undefined) settings.socketName = options.socketName;
  else if (options.unicastAddress !== undefined) settings.unicastAddress = options.unicastAddress;
  else if (options.multicastAddress !== undefined) {
    settings.multicastAddress = options.multicastAddress;
  } else settings.socketName = defaultSocketName((await currentAccount()).login);
  return settings;
}

async function absolute(path: string): Promise<string> {
  try {
    return await Deno.realPath(path);
  } catch (error) {
    throw new LockError(RC.REALPATH_ERROR, `Cannot use TLS file '${path}': ${String(error)}`);
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
