import { ClientError, errorMessage, ProtocolError, ReasonError } from "../errors.ts";
import {
  type ClientIdentity,
  type LockAnswer,
  type LockRequest,
  MAX_CLIENT_MESSAGE_BYTES,
  MAX_DAEMON_MESSAGE_BYTES,
  type WaitInfo,
} from "../protocol/messages.ts";
import { encodeMessage } from "../protocol/codec.ts";
import { RC, strerror } from "../protocol/return_codes.ts";
import { MessageStream } from "../transport/message_stream.ts";
import { type StreamConn, writeAll } from "../transport/stream_conn.ts";
import { NO_TRACE, TraceModule, type Tracer } from "../trace/trace.ts";
import type { Settings } from "../config/settings.ts";
import { toBinaryString } from "../protocol/binary_string.ts";
import { parseResourceName, requestParameter } from "../resources/names.ts";
import { readUniqueId } from "../transport/unique_id.ts";
import { startTimer, type Timer } from "../transport/timer.ts";
import { describeEndpoint } from "../transport/endpoint.ts";

// A daemon answers every lock request at once (granted, enqueued or refused); this much silence
// means that something else listens on the socket or port. As long as the TLS handshake limit.
const FIRST_ANSWER_LIMIT_MS = 5000;

/** What to lock; names are binary strings (one char per byte). */
export interface LockRequestOptions {
  name: string;
  /** Lock mode, sent only for simple and hierarchical names. */
  mode?: number;
  /** Units, sent only for numeric names. */
  quantity?: number;
  /** Milliseconds to wait: negative forever, 0 not at all. */
  timeout: number;
  /** Create the resource when it does not exist yet (`-e`). */
  create: boolean;
  /** Milliseconds the daemon keeps the resource after its last user (`-i`). */
  idleLifespan: number;
  /** This host's unique id. */
  peerId: string;
  /**
   * Who this client is, for status views and for the waiters behind it; left out when the
   * request would be too long with it.
   */
  client?: ClientIdentity;
  /** Called when the daemon says who blocks the request (asked for when given). */
  onWait?: (info: WaitInfo) => void;
  /**
   * Asks the daemon to tell should the lock be lost after its grant (see
   * {@link LockSession.lockLost}); left out, like `client`, when the request would be too long.
   */
  watchLoss?: boolean;
}

/**
 * The lock request the settings describe, as the original builds it: the name as bytes, the
 * mode only for simple and hierarchical names, the quantity only for numeric ones, and this
 * host's unique id. Undefined for a name that is no resource name.
 */
export function lockRequestOf(settings: Settings): LockRequestOptions | undefined {
  const name = toBinaryString(settings.resourceName);
  const kind = parseResourceName(name)?.kind;
  if (kind === undefined) return undefined;
  const parameter = requestParameter(kind);
  return {
    name,
    ...(parameter === "mode" ? { mode: settings.lockMode } : {}),
    ...(parameter === "quantity" ? { quantity: settings.resourceQuantity } : {}),
    timeout: settings.resourceTimeout,
    create: settings.resourceCreate,
    idleLifespan: settings.resourceIdleLifespan,
    peerId: readUniqueId() ?? "",
  };
}

/** How a lock request ended. `rc` carries the daemon's refusal (4, 5, 6, -14, -25). */
export type LockResult =
  | { status: "locked"; element?: string; fencingToken?: string }
  | { status: "refused"; rc: number }
  | { status: "timeout" };

/** Options of a LockSession. */
export interface LockSessionOptions {
  /**
   * The peer-id check (`--tls-check-peer-id`): the daemon's unique id in its first answer must
   * be the CN of the certificate its TLS connection authenticated with. @default false
   */
  checkPeerId?: boolean;
}

/**
 * One lock over one connection: lock, then unlock, then a graceful disconnect. The daemon
 * releases everything of a connection that closes, so closing is always safe.
 */
export class LockSession implements AsyncDisposable {
  #stream: MessageStream;
  /** Closed or aborted: nothing more to do at the end of its scope. */
  #ended = false;
  #tracer: Tracer;
  #checkPeerId: boolean;
  #name = "";
  /** The read that follows a grant, once lockLost() has started it. */
  #afterGrant: Promise<string | undefined> | undefined;

  constructor(conn: StreamConn, tracer: Tracer = NO_TRACE, options: LockSessionOptions = {}) {
    this.#stream = new MessageStream(conn, MAX_CLIENT_MESSAGE_BYTES);
    this.#tracer = tracer;
    this.#checkPeerId = options.checkPeerId ?? false;
  }

  /**
   * Sends the lock request and waits for the outcome: at most `timeout` ms in the queue, counted
   * from the request's sending (the timer is not restarted by intermediate answers). Throws
   * ClientError on a broken conversation, and -23 when the peer-id check fails.
   */
  async lock(options: LockRequestOptions): Promise<LockResult> {
    this.#name = options.name;
    const request: LockRequest = {
      kind: "lock",
      peerId: options.peerId,
      name: options.name,
      ...(options.mode === undefined ? {} : { mode: options.mode }),
      wait: options.timeout !== 0,
      ...(options.quantity === undefined ? {} : { quantity: options.quantity }),
      create: options.create,
      lifespan: options.idleLifespan,
      ...(options.onWait === undefined ? {} : { explain: true }),
    };
    let bytes = encodeMessage({
      ...request,
      ...(options.client === undefined ? {} : { client: options.client }),
      ...(options.watchLoss ? { watchLoss: true } : {}),
    });
    // Who the client is, and hearing of a lost lock, matter less than being understood at all.
    if (bytes.length > MAX_DAEMON_MESSAGE_BYTES) bytes = encodeMessage(request);
    // A daemon closes the connection of a longer message without a word: say why here.
    if (bytes.length > MAX_DAEMON_MESSAGE_BYTES) {
      throw new ClientError(
        RC.BUFFER_OVERFLOW,
        `the resource name is too long: the lock request takes ${bytes.length} bytes, a daemon accepts ${MAX_DAEMON_MESSAGE_BYTES}`,
        { explain: true },
      );
    }
    await this.#send(bytes);
    // The wait counts from the request handed to the kernel. It bounds the wait in the queue:
    // a daemon answers every request at once, with the grant or with "enqueued", and that answer
    // is always read, so a grant of a free resource is never reported as a timeout however
    // short the timeout and however busy the machine.
    const deadline = options.timeout > 0 ? performance.now() + options.timeout : undefined;
    this.#tracer.trace(
      TraceModule.CLIENT,
      `flom_client_lock: lock request sent for resource '${options.name}' (timeout ${options.timeout} ms)`,
    );
    for (let first = true;; first = false) {
      const answer = await this.#readAnswer(first ? "first" : deadline);
      if (answer === undefined) {
        this.#tracer.trace(TraceModule.CLIENT, "flom_client_lock: timeout expired");
        return { status: "timeout" };
      }
      // The reason's text only when traced: the table of texts is built on first use.
      if (this.#tracer.enabled(TraceModule.CLIENT)) {
        this.#tracer.trace(
          TraceModule.CLIENT,
          `flom_client_lock: answer step=${answer.step} rc=${answer.rc} (${strerror(answer.rc)})`,
        );
      }
      if (answer.step !== (first ? 16 : 24)) {
        throw new ClientError(RC.PROTOCOL_ERROR, `unexpected answer step ${answer.step}`);
      }
      if (first && this.#checkPeerId) this.#checkDaemonId(answer.peerId);
      switch (answer.rc) {
        case RC.OK:
          return {
            status: "locked",
            ...(answer.element === undefined ? {} : { element: answer.element }),
            ...(answer.fencingToken === undefined ? {} : { fencingToken: answer.fencingToken }),
          };
        case RC.LOCK_ENQUEUED:
          if (answer.wait !== undefined) options.onWait?.(answer.wait);
          continue;
        case RC.LOCK_WAIT_RESOURCE:
          continue;
        case RC.LOCK_BUSY:
        case RC.LOCK_CANT_WAIT:
        case RC.LOCK_IMPOSSIBLE:
        case RC.INVALID_RESOURCE_NAME:
        case RC.INVALID_TIMESTAMP_FORMAT:
          return { status: "refused", rc: answer.rc };
        default:
          throw new ClientError(RC.PROTOCOL_ERROR, `unexpected answer rc ${answer.rc}`);
      }
    }
  }

  /**
   * After a grant: resolves with the daemon's reason should it tell that the lock is lost (an
   * etcd-backed daemon whose lease ended; asked for with `watchLoss`), with undefined when the
   * connection ends without a word (at close(), or when the daemon dies).
   */
  lockLost(): Promise<string | undefined> {
    return this.#afterGrant ??= this.#readAfterGrant();
  }

  async #readAfterGrant(): Promise<string | undefined> {
    try {
      for (;;) {
        const message = await this.#stream.read();
        if (message === null) return undefined;
        if (message.kind === "lockAnswer" && message.step === 32 && message.lost !== undefined) {
          return message.lost;
        }
      }
    } catch {
      return undefined; // a broken connection says nothing more
    }
  }

  /** Releases the lock; `rollback` returns a transactional sequence value to its pool. */
  async unlock(rollback: boolean): Promise<void> {
    await this.#send(encodeMessage({ kind: "unlock", name: this.#name, rollback }));
  }

  /**
   * Graceful disconnect: half-close, wait for the daemon to close its side (so that the release
   * has been processed when this resolves), close.
   */
  async close(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    try {
      await this.#stream.closeWrite();
      // One read at a time: the one lockLost() started ends first.
      await this.#afterGrant;
      while ((await this.#stream.read()) !== null) {
        // A grant racing with a timeout may still arrive; it is discarded.
      }
    } catch {
      // The daemon is gone or closed first: nothing is held any more either way.
    } finally {
      this.#stream.close();
    }
  }

  /** The daemon's unique id must be the CN of its certificate. */
  #checkDaemonId(peerId: string | undefined): void {
    const commonName = this.#stream.conn.peerCommonName?.();
    if (commonName === undefined || peerId !== commonName) {
      throw new ClientError(
        RC.UNIQUE_ID_DOES_NOT_MATCH,
        `the daemon's unique id '${peerId ?? ""}' is not its certificate's CN '${
          commonName ?? ""
        }'`,
      );
    }
  }

  /** Closes at once, without waiting for the daemon (after a timeout). */
  abort(): void {
    this.#ended = true;
    this.#stream.close();
  }

  /** At the end of an `await using` scope: a graceful close, unless it was closed or aborted. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Sends the bytes of one message. */
  async #send(bytes: Uint8Array): Promise<void> {
    try {
      await this.#stream.writeBytes(bytes);
    } catch (error) {
      throw new ClientError(RC.SEND_ERROR, errorMessage(error));
    }
  }

  /** A plain connection closed before the first answer: what a daemon that uses TLS does. */
  #closedUnanswered(): ClientError {
    return new ClientError(
      RC.RECV_ERROR,
      `${
        describePeer(this.#stream.conn.remoteAddr)
      } closed the connection without answering the lock request: the daemon there may require TLS (--tls-certificate, --tls-private-key, --tls-ca-certificate)`,
      { explain: true },
    );
  }

  /**
   * The next lock answer; undefined when `deadline` (on the clock of performance.now()) passes
   * first. `"first"`: the first answer, which a daemon sends at once, so that what does not
   * answer within FIRST_ANSWER_LIMIT_MS is no flom daemon. `undefined`: no limit (the queue of a
   * lock without a timeout).
   */
  async #readAnswer(
    deadline: "first" | number | undefined,
  ): Promise<LockAnswer | undefined> {
    const first = deadline === "first";
    const read = this.#stream.read();
    let timer: Timer | undefined;
    const expired = deadline === undefined
      ? undefined
      : new Promise<"deadline" | "silent">((resolve) => {
        timer = first
          ? startTimer(FIRST_ANSWER_LIMIT_MS, () => resolve("silent"))
          : startTimer(deadline - performance.now(), () => resolve("deadline"));
      });
    try {
      const message = await (expired === undefined ? read : Promise.race([read, expired]));
      if (message === "deadline" || message === "silent") {
        read.catch(() => {}); // settles when the connection is closed after the timeout
        if (message === "deadline") return undefined;
        throw new ClientError(
          RC.NETWORK_TIMEOUT,
          `${describePeer(this.#stream.conn.remoteAddr)} did not answer the lock request within ${
            FIRST_ANSWER_LIMIT_MS / 1000
          } s: what listens there does not answer like a flom daemon`,
          { explain: true },
        );
      }
      if (message === null) {
        if (first && this.#stream.conn.peerCommonName === undefined) {
          throw this.#closedUnanswered();
        }
        throw new ClientError(RC.RECV_ERROR, "the daemon closed the connection");
      }
      if (message.kind !== "lockAnswer") {
        throw new ClientError(RC.PROTOCOL_ERROR, `unexpected ${message.kind} message`);
      }
      return message;
    } catch (error) {
      if (error instanceof ClientError) throw error;
      // A TLS daemon answers a plain request with a TLS alert, if anything, and hangs up.
      if (
        error instanceof ProtocolError && error.rc === RC.RECV_ERROR && first &&
        this.#stream.conn.peerCommonName === undefined
      ) {
        throw this.#closedUnanswered();
      }
      // Framing, decoding and TLS failures, with their own reason codes.
      if (error instanceof ReasonError) throw new ClientError(error.rc, error.message);
      throw new ClientError(RC.RECV_ERROR, errorMessage(error));
    } finally {
      timer?.cancel();
    }
  }
}

/**
 * Tells our daemon, over `conn` (a connection of its own, which this closes), that the command
 * under the lock granted with `fencingToken` runs as process `pid`: should this client die, the
 * daemon keeps the lock until that process ends. The original's daemon just closes such a
 * connection (docs/protocol-extensions.md).
 */
export async function reportCommand(
  conn: StreamConn,
  report: { fencingToken: string; pid: number; peerId: string },
): Promise<void> {
  try {
    await writeAll(conn, encodeMessage({ kind: "commandReport", ...report }));
  } finally {
    conn.close();
  }
}

/** Where a connection leads, for messages: a socket path or `host/port`. */
function describePeer(address: Deno.Addr): string {
  if ("hostname" in address) {
    return describeEndpoint({ transport: "tcp", hostname: address.hostname, port: address.port });
  }
  return "path" in address && address.path !== "" ? address.path : "the socket";
}
