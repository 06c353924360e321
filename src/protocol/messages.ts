/**
 * The messages of the client/daemon protocol, level 3 (docs/compatibility.md, "Wire protocol"), as
 * plain objects. Byte layout lives in `codec.ts`, stream splitting in `framing.ts`.
 */

/** The `level` attribute of every message, for every verb. */
export const PROTOCOL_LEVEL = 3;

/** Longest message a daemon accepts (the original reads into 512 bytes including the NUL). */
export const MAX_DAEMON_MESSAGE_BYTES = 511;

/** Longest message a client accepts (the original reads into 1024 bytes including the NUL). */
export const MAX_CLIENT_MESSAGE_BYTES = 1023;

/** The `verb` attribute. */
export enum Verb {
  Lock = 1,
  Unlock = 2,
  Ping = 3,
  Discover = 4,
  Management = 5,
}

/**
 * What a flom client says about itself in the `<session>` of a lock request, so that status
 * views and waiters can name the holder (`pid`, `host`, `program` attributes: a flom extension,
 * ignored by the original).
 */
export interface ClientIdentity {
  /** The client's process id. */
  pid?: number;
  /** The client's host name. */
  host?: string;
  /** The program the client runs under the lock (the command's name). */
  program?: string;
}

/**
 * Who blocks a queued request: sent by our daemon on an enqueued answer (rc 1) when the request
 * asked for it (`explain`), as attributes of `<answer>` that the original's clients ignore.
 */
export interface WaitInfo {
  /** How many connections hold the resource. */
  holders: number;
  /** How many requests are queued before this one. */
  ahead: number;
  /** For how long, in milliseconds, the first holder has held it. */
  heldMs: number;
  /** The first holder: its peer (`local` or `ADDRESS/PORT`) and what it said about itself. */
  holder: ClientIdentity & { peer: string };
}

/** Client → daemon (1, 8): lock a resource. */
export interface LockRequest {
  kind: "lock";
  /** The client's host id; `""` when the `<session>` tag or its `peerid` is missing. */
  peerId: string;
  /** What the client says about itself (flom clients only). */
  client?: ClientIdentity;
  /** The client asks who blocks it, should it have to wait (flom clients with `-V`). */
  explain?: boolean;
  /**
   * The client asks to be told should the lock be lost after its grant (an etcd-backed daemon
   * whose lease expired), by a step-32 answer with `lost` (flom's CLI).
   */
  watchLoss?: boolean;
  /** The resource name as a binary string (see `binary_string.ts`); base64 on the wire. */
  name: string;
  /** Lock mode 0..5; the original sends it only for simple and hierarchical names. */
  mode?: number;
  wait: boolean;
  /** Units to lock; the original sends it only for numeric names. */
  quantity?: number;
  create: boolean;
  /** Idle lifespan of the resource in milliseconds, used only when the request creates it. */
  lifespan: number;
}

/** Daemon → client (1, 16 | 24 | 32): the outcome of a lock request. */
export interface LockAnswer {
  kind: "lockAnswer";
  step: 16 | 24 | 32;
  /** The daemon's host id; present exactly when a `<session>` tag is (only read at step 16). */
  peerId?: string;
  /** A reason code (`RC` in `return_codes.ts`). */
  rc: number;
  /** The locked set element, sequence value or timestamp, when there is one. */
  element?: string;
  /** Who blocks the request, on an enqueued answer to a request that asked (our daemon only). */
  wait?: WaitInfo;
  /**
   * On a grant of our daemon: a decimal number greater than every token the daemon gave before
   * for the resource, across restarts (docs/protocol-extensions.md).
   */
  fencingToken?: string;
  /**
   * At step 32, to a client that asked (`watchLoss`): why the lock it was granted is lost; the
   * daemon closes the connection after it.
   */
  lost?: string;
}

/** Client → daemon (2, 8): release a lock (no answer). */
export interface UnlockRequest {
  kind: "unlock";
  /** The resource name as a binary string. */
  name: string;
  /** Roll back instead of commit; meaningful only for transactional sequences. */
  rollback: boolean;
}

/** (3, 8) or (3, 16): defined by the original but never exchanged. */
export interface Ping {
  kind: "ping";
  step: 8 | 16;
}

/**
 * Client → our daemon (3, 8) with a `<status>` tag: asks for the status snapshot. The original's
 * daemon reads an unknown tag with attributes as an invalid message and closes that connection
 * alone, so asking an original is harmless.
 */
export interface StatusRequest {
  kind: "status";
  peerId: string;
  /** The answer's format; `json` is the only one. */
  format: string;
}

/**
 * Client → our daemon (3, 8) with a `<command>` tag, on a connection of its own: the command that
 * runs under the lock granted with `fencingToken` has process id `pid`, so that the daemon keeps
 * the lock until that process ends should the client die first. The original's daemon closes
 * such a connection, as for a status request.
 */
export interface CommandReport {
  kind: "commandReport";
  peerId: string;
  fencingToken: string;
  pid: number;
}

/**
 * Our daemon → client (3, 16): the status snapshot follows this message as `bytes` bytes of
 * UTF-8 JSON, then the daemon closes the connection. Beyond the 1023 bytes the original's
 * clients read, which never ask for it.
 */
export interface StatusAnswer {
  kind: "statusAnswer";
  bytes: number;
}

/** Client → multicast group (4, 8): where is the daemon? */
export interface DiscoverRequest {
  kind: "discover";
}

/** Daemon → client (4, 16): the daemon's TCP endpoint. */
export interface DiscoverAnswer {
  kind: "discoverAnswer";
  /** Empty when the client should use the source address of the datagram. */
  address: string;
  port: number;
}

/** Client → daemon (5, 8): stop the daemon, at once or when idle (no answer). */
export interface ShutdownRequest {
  kind: "shutdown";
  peerId: string;
  immediate: boolean;
}

/** Any message of protocol level 3. */
export type Message =
  | LockRequest
  | LockAnswer
  | UnlockRequest
  | Ping
  | StatusRequest
  | StatusAnswer
  | CommandReport
  | DiscoverRequest
  | DiscoverAnswer
  | ShutdownRequest;
