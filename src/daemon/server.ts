import { MAX_DAEMON_MESSAGE_BYTES, type Message } from "../protocol/messages.ts";
import { RC } from "../protocol/return_codes.ts";
import { type ConnId, LockTable, type Notice } from "../resources/lock_table.ts";
import { MessageStream } from "../transport/message_stream.ts";
import type { StreamConn, StreamListener } from "../transport/stream_conn.ts";
import { NO_TRACE, TraceModule, type Tracer } from "../trace/trace.ts";
import { NO_SYSLOG, Severity, type SyslogWriter } from "../trace/syslog.ts";

/** How a daemon behaves; see DaemonServer. */
export interface DaemonServerOptions {
  /** Milliseconds to live with no connection and no resource; negative: forever. */
  lifespan: number;
  /** Sent in every first answer (`<session peerid>`). */
  peerId: string;
  /** Epoch milliseconds with sub-millisecond fraction; injected by tests. */
  now?: () => number;
  /**
   * The peer-id check (`--tls-check-peer-id`): a lock or shutdown request whose unique id is
   * not the CN of the certificate its TLS connection authenticated with closes that
   * connection, unanswered. @default false
   */
  checkPeerId?: boolean;
  tracer?: Tracer;
  syslog?: SyslogWriter;
}

// A quiesce request (`-x`) shortens the lifespan to this, as the original's grace time.
const QUIESCE_LIFESPAN_MS = 100;

// Until its first client has come, a daemon waits at least this long: the client that launched
// it connects only after reading its start report, which a lifespan like `-d 1` would not allow.
const FIRST_CLIENT_GRACE_MS = 2000;

// Lock answers that end the conversation: the daemon half-closes after sending them.
const FINAL_REFUSALS: ReadonlySet<number> = new Set([
  RC.LOCK_CANT_WAIT,
  RC.INVALID_RESOURCE_NAME,
  RC.INVALID_TIMESTAMP_FORMAT,
]);

/**
 * The lock daemon: accepts connections on one listener, frames and decodes their messages,
 * lets the LockTable decide, and sends the answers. One bad connection is closed alone and its
 * locks are released; it never stops the daemon.
 */
export class DaemonServer {
  #listener: StreamListener;
  #table: LockTable;
  #now: () => number;
  #peerId: string;
  #lifespan: number;
  #checkPeerId: boolean;
  #tracer: Tracer;
  #syslog: SyslogWriter;
  #streams = new Map<ConnId, MessageStream>();
  #nextConnId = 1;
  #hadClient = false;
  #stopping = false;
  #stopped: PromiseWithResolvers<void> = Promise.withResolvers();
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  #tickTimer: ReturnType<typeof setTimeout> | undefined;
  #tickAt: number | undefined;

  constructor(listener: StreamListener, options: DaemonServerOptions) {
    this.#listener = listener;
    this.#now = options.now ?? (() => performance.timeOrigin + performance.now());
    this.#table = new LockTable({ now: this.#now });
    this.#peerId = options.peerId;
    this.#lifespan = options.lifespan;
    this.#checkPeerId = options.checkPeerId ?? false;
    this.#tracer = options.tracer ?? NO_TRACE;
    this.#syslog = options.syslog ?? NO_SYSLOG;
  }

  /** Serves until the daemon stops (idle lifespan over, shutdown request, or stop()). */
  async serve(): Promise<void> {
    this.#reschedule();
    const accepting = this.#acceptLoop();
    await this.#stopped.promise;
    // The runtime removes a UNIX socket file once the pending accept has been cancelled.
    await accepting;
  }

  /** Stops at once: closes the listener (removing a UNIX socket file) and every connection. */
  stop(): void {
    if (this.#stopping) return;
    this.#stopping = true;
    clearTimeout(this.#idleTimer);
    clearTimeout(this.#tickTimer);
    try {
      this.#listener.close();
    } catch {
      // Already closed.
    }
    for (const stream of this.#streams.values()) stream.close();
    this.#stopped.resolve();
  }

  /** Finishes current work, then exits through the idle path (`flom -x`). */
  quiesce(): void {
    this.#lifespan = QUIESCE_LIFESPAN_MS;
    clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    this.#reschedule();
  }

  async #acceptLoop(): Promise<void> {
    while (!this.#stopping) {
      let conn: StreamConn;
      try {
        conn = await this.#listener.accept();
      } catch (error) {
        if (this.#stopping || error instanceof Deno.errors.BadResource) return;
        // Out of descriptors or a similar passing condition: let connections drain, retry.
        await new Promise((resolve) => setTimeout(resolve, 100));
        continue;
      }
      this.#serveConnection(conn);
    }
  }

  async #serveConnection(conn: StreamConn): Promise<void> {
    const id = this.#nextConnId++;
    const stream = new MessageStream(conn, MAX_DAEMON_MESSAGE_BYTES);
    this.#streams.set(id, stream);
    this.#hadClient = true;
    const certificate = conn.peerCertificateFields?.();
    if (certificate !== undefined) {
      this.#syslog.log(
        Severity.INFO,
        `FLM011I X.509 CA certificate fields are ${certificate.issuer}`,
      );
      this.#syslog.log(
        Severity.INFO,
        `FLM012I X.509 peer certificate fields are ${certificate.subject}`,
      );
    }
    this.#reschedule();
    let lockSeen = false;
    try {
      for (;;) {
        const message = await stream.read();
        if (message === null || this.#stopping) break;
        if (message.kind === "lock") lockSeen = true;
        if (!this.#handle(id, stream, message, lockSeen)) break;
      }
    } catch (error) {
      // Malformed, oversized or truncated input, or a broken connection: this client alone
      // is dropped below.
      this.#tracer.trace(TraceModule.CONNS, `connection ${id} closed: ${String(error)}`);
    } finally {
      this.#streams.delete(id);
      stream.close();
      if (!this.#stopping) {
        this.#deliver(this.#table.drop(id));
        this.#reschedule();
      }
    }
  }

  /** Acts on one message; false when the connection must be closed. */
  #handle(id: ConnId, stream: MessageStream, message: Message, lockSeen: boolean): boolean {
    if (message.kind === "lock" || message.kind === "shutdown") {
      this.#syslog.log(
        Severity.INFO,
        `FLM015I a connecting peer sent id '${message.peerId}' for verb ${
          message.kind === "lock" ? 1 : 5
        } and step 8`,
      );
      if (this.#checkPeerId && !this.#isCertified(id, stream.conn, message.peerId)) return false;
    }
    switch (message.kind) {
      case "lock": {
        const { outcome, notices } = this.#table.lock(id, {
          name: message.name,
          // Attributes a C client leaves out read as 0, as in the original.
          mode: message.mode ?? 0,
          quantity: message.quantity ?? 0,
          wait: message.wait,
          create: message.create,
          lifespan: Math.abs(message.lifespan),
        });
        if (outcome.rc === RC.PROTOCOL_ERROR) return false;
        const element = "element" in outcome ? outcome.element : undefined;
        this.#send(stream, {
          kind: "lockAnswer",
          step: 16,
          peerId: this.#peerId,
          rc: outcome.rc,
          ...(element === undefined ? {} : { element }),
        });
        if (FINAL_REFUSALS.has(outcome.rc)) stream.closeWrite();
        this.#deliver(notices);
        this.#reschedule();
        return true;
      }
      case "unlock": {
        const { ok, notices } = this.#table.unlock(id, message.name, message.rollback);
        this.#deliver(notices);
        this.#reschedule();
        return ok;
      }
      case "shutdown":
        // Only as the first message of a connection, as in the original.
        if (lockSeen) return false;
        this.#tracer.trace(
          TraceModule.DAEMON_MNGMNT,
          `${message.immediate ? "immediate" : "quiesce"} shutdown requested`,
        );
        this.#syslog.log(
          Severity.NOTICE,
          message.immediate
            ? "FLM007N FLoM daemon is exiting due to immediate shutdown request"
            : "FLM008N FLoM daemon is starting quiesce shutdown",
        );
        if (message.immediate) {
          this.stop();
        } else {
          this.quiesce();
          // Nothing is answered; closing our side lets the requester return at once.
          stream.closeWrite();
        }
        return true;
      default:
        // Pings, discovery and answers have no business on a client's stream.
        return false;
    }
  }

  /** Whether `peerId` is the CN of the certificate `conn` authenticated with. */
  #isCertified(id: ConnId, conn: StreamConn, peerId: string): boolean {
    const commonName = conn.peerCommonName?.();
    const address = conn.remoteAddr;
    const peer = "hostname" in address ? `${address.hostname}/${address.port}` : "localhost/";
    if (peerId === commonName) {
      this.#syslog.log(
        Severity.INFO,
        `FLM014I peer '${peer}' with unique ID '${peerId}' was authenticated using CN field '${commonName}' inside the presented X.509 certificate`,
      );
      return true;
    }
    this.#tracer.trace(
      TraceModule.TLS,
      `connection ${id} closed: unique id '${peerId}' is not the certificate's CN '${
        commonName ?? ""
      }'`,
    );
    this.#syslog.log(
      Severity.ERR,
      // "che" is the original's typo, kept for log watchers that match the text.
      `FLM013E peer '${peer}' sent unique ID '${peerId}' that does not match che CN field '${
        commonName ?? ""
      }' inside the presented X.509 certificate`,
    );
    return false;
  }

  #deliver(notices: Notice[]): void {
    for (const notice of notices) {
      const stream = this.#streams.get(notice.conn);
      if (stream === undefined) continue;
      this.#send(stream, {
        kind: "lockAnswer",
        step: 24,
        rc: notice.rc,
        ...(notice.element === undefined ? {} : { element: notice.element }),
      });
    }
  }

  #send(stream: MessageStream, message: Message): void {
    // A failed write means the peer is gone; its read loop sees that and cleans up.
    stream.write(message).catch(() => {});
  }

  /** Re-arms the two timers: the lock table's next deadline and the idle exit. */
  #reschedule(): void {
    if (this.#stopping) return;
    const deadline = this.#table.nextDeadline();
    if (deadline !== this.#tickAt) {
      clearTimeout(this.#tickTimer);
      this.#tickAt = deadline;
      this.#tickTimer = deadline === undefined ? undefined : setTimeout(() => {
        this.#tickAt = undefined;
        this.#tickTimer = undefined;
        this.#deliver(this.#table.tick());
        this.#reschedule();
      }, Math.max(0, deadline - this.#now()));
    }
    const idle = this.#lifespan >= 0 && this.#streams.size === 0 && this.#table.isEmpty;
    if (!idle) {
      clearTimeout(this.#idleTimer);
      this.#idleTimer = undefined;
    } else if (this.#idleTimer === undefined) {
      const wait = this.#hadClient
        ? this.#lifespan
        : Math.max(this.#lifespan, FIRST_CLIENT_GRACE_MS);
      this.#idleTimer = setTimeout(() => this.stop(), wait);
    }
  }
}
