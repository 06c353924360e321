/**
 * The daemon's server: connections in, answers out, the lock table in between, and what the
 * daemon adds to the original (status, orphaned locks, fencing tokens, metrics).
 *
 * Longer than most modules: every message of every connection passes through one handler whose
 * cases share the server's state (connections, table, alarms, tokens); the parts that stand alone
 * live beside it (answer_bytes.ts, fencing.ts, orphans.ts, metrics.ts).
 */
import { encodeMessage } from "../protocol/codec.ts";
import {
  type ClientIdentity,
  MAX_DAEMON_MESSAGE_BYTES,
  type Message,
  type StatusRequest,
  type WaitInfo,
} from "../protocol/messages.ts";
import { RC } from "../protocol/return_codes.ts";
import { type ConnId, LockTable } from "../resources/lock_table.ts";
import type { ServedNotice, ServedTable, ServedTableFactory } from "./served_table.ts";
import { type MessageHandler, MessageStream } from "../transport/message_stream.ts";
import {
  OutOfDescriptors,
  type StreamConn,
  type StreamListener,
} from "../transport/stream_conn.ts";
import { startTimer, type Timer } from "../transport/timer.ts";
import { NO_TRACE, TraceModule, type Tracer } from "../trace/trace.ts";
import { NO_SYSLOG, Severity, type SyslogWriter } from "../trace/syslog.ts";
import { Alarm } from "./alarm.ts";
import { AnswerBytes } from "./answer_bytes.ts";
import { FencingTokens } from "./fencing.ts";
import { OrphanedLocks, type ProcessIdentity, processIdentity } from "./orphans.ts";
// Status views are rare, but the status file system asks for snapshots synchronously.
import { buildSnapshot, type ConnectionInfo } from "../status/build_snapshot.ts";
import type { StatusSnapshot } from "../status/snapshot.ts";
import { encodeUtf8 } from "../protocol/binary_string.ts";
import { ProtocolError } from "../errors.ts";
import type { DaemonMetrics } from "./metrics.ts";

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
  /** Counts what the daemon does, for `--metrics`; nothing is counted without it. */
  metrics?: DaemonMetrics;
  /** Makes the lock table (an etcd-backed daemon's). @default an in-memory `LockTable` */
  table?: ServedTableFactory;
}

// A quiesce request (`-x`) shortens the lifespan to this, as the original's grace time.
const QUIESCE_LIFESPAN_MS = 100;

// Until its first client has come, a daemon waits at least this long: the client that launched
// it connects only after reading its start report, which a lifespan like `-d 1` would not allow.
const FIRST_CLIENT_GRACE_MS = 2000;

// Out of descriptors, every connection refused makes a failed accept: reported at most this
// often, so that a flood of clients does not flood the log as well.
const ACCEPT_LOG_INTERVAL_MS = 1000;

// A failed accept that refused nobody (no spare descriptor) is retried after this: the
// connection stays in the backlog meanwhile, and the loop must not spin on it.
const ACCEPT_RETRY_MS = 100;

// How long the daemon waits for its notices of lost locks to be written before it stops.
const LOSS_NOTICE_LIMIT_MS = 1000;

// How many read buffers of ended connections are kept for new ones: enough for a burst of
// short-lived connections, nothing to speak of in memory.
const SPARE_READ_BUFFERS = 64;

// Lock answers that end the conversation: the daemon half-closes after sending them.
const FINAL_REFUSALS: ReadonlySet<number> = new Set([
  RC.LOCK_CANT_WAIT,
  RC.INVALID_RESOURCE_NAME,
  RC.INVALID_TIMESTAMP_FORMAT,
]);

/** What a served connection reports to its server. */
interface ConnectionEvents {
  message(connection: ServedConnection, message: Message): boolean;
  end(connection: ServedConnection, error: unknown): void;
}

/** One client connection of the daemon: what the server knows of it while it reads. */
class ServedConnection implements MessageHandler {
  /** Whether a lock request came: a shutdown request is honoured only before one. */
  lockSeen = false;
  /** What the client said about itself in its lock request (flom clients). */
  client: ClientIdentity | undefined;
  /** The fencing token of the lock it holds. */
  fencingToken: string | undefined;
  /** The command that runs under its lock, as the client reported it (local flom clients). */
  command: ProcessIdentity | undefined;
  /** The client asked to be told should its lock be lost (flom's CLI). */
  watchesLoss = false;
  /** The client asked who blocks it, should it wait (`flom -V`). */
  explains = false;

  constructor(
    readonly id: ConnId,
    readonly stream: MessageStream,
    readonly events: ConnectionEvents,
  ) {}

  onMessage(message: Message): boolean {
    return this.events.message(this, message);
  }

  onEnd(error?: unknown): void {
    this.events.end(this, error);
  }

  /** A client on this host: a UNIX socket's. */
  get local(): boolean {
    return !("hostname" in this.stream.conn.remoteAddr);
  }

  /** The connection as status views show it. */
  info(): ConnectionInfo {
    const address = this.stream.conn.remoteAddr;
    const peer = "hostname" in address ? `${address.hostname}/${address.port}` : "local";
    return this.client === undefined ? { peer } : { peer, client: this.client };
  }
}

/**
 * The lock daemon: accepts connections on one listener, frames and decodes their messages,
 * lets the LockTable decide, and sends the answers. One bad connection is closed alone and its
 * locks are released; it never stops the daemon. It owns its listener; `await using` stops it
 * at the end of its scope.
 */
export class DaemonServer implements AsyncDisposable {
  #listener: StreamListener;
  #table: ServedTable;
  #now: () => number;
  #peerId: string;
  #lifespan: number;
  #checkPeerId: boolean;
  #tracer: Tracer;
  #syslog: SyslogWriter;
  #metrics: DaemonMetrics | undefined;
  #connections = new Map<ConnId, ServedConnection>();
  // Made once: a connection refers to them instead of holding closures of its own.
  #connectionEvents: ConnectionEvents = {
    message: (connection, message) => this.#onMessage(connection, message),
    end: (connection, error) => this.#onEnd(connection, error),
  };
  #nextConnId = 1;
  #hadClient = false;
  #stopping = false;
  #stopped: PromiseWithResolvers<void> = Promise.withResolvers();
  /** The accept loop, once serve() has started it. */
  #accepting: Promise<void> | undefined;
  /** Accepts that failed since the last report of them, and when that was (performance.now()). */
  #acceptFailures = { refused: 0, retried: 0, loggedAt: -Infinity };
  /** When the daemon last became idle (no connection, no resource); undefined while busy. */
  #idleSince: number | undefined;
  #idleAlarm: Alarm;
  #tickAlarm: Alarm;
  /**
   * With the LOCKER trace on, when the last message (or end of stream) was read, so that each
   * hand-off can be traced with its latency inside the daemon (the benchmark reads them).
   */
  #tracesHandOffs: boolean;
  #lastReadAt = 0;
  /** Read buffers of ended connections, for new ones: allocating one costs microseconds. */
  #spareReadBuffers: Uint8Array[] = [];
  #answers: AnswerBytes;
  #fencingTokens: FencingTokens;
  /** The connection holding each lock, by the lock's fencing token. */
  #holdersByToken = new Map<string, ServedConnection>();
  #orphans: OrphanedLocks;
  /** When the server was made: the daemon's start, for status views. */
  #startedAt: number;

  constructor(listener: StreamListener, options: DaemonServerOptions) {
    this.#listener = listener;
    this.#now = options.now ?? (() => performance.timeOrigin + performance.now());
    this.#metrics = options.metrics;
    this.#table = options.table?.((notices) => {
      this.#deliver(notices);
      this.#reschedule();
    }, (conn) => this.#connectionInfo(conn)) ?? new LockTable({
      now: this.#now,
      ...(options.metrics === undefined ? {} : { waits: options.metrics }),
    });
    this.#startedAt = this.#now();
    this.#fencingTokens = new FencingTokens(this.#now);
    this.#answers = new AnswerBytes(options.peerId);
    this.#orphans = new OrphanedLocks(this.#now, (conn, token) => {
      this.#holdersByToken.delete(token);
      this.#deliver(this.#table.drop(conn), this.#lastReadAt);
      this.#reschedule();
    });
    this.#peerId = options.peerId;
    this.#lifespan = options.lifespan;
    this.#checkPeerId = options.checkPeerId ?? false;
    this.#tracer = options.tracer ?? NO_TRACE;
    this.#syslog = options.syslog ?? NO_SYSLOG;
    this.#tracesHandOffs = this.#tracer.enabled(TraceModule.LOCKER);
    this.#idleAlarm = new Alarm(this.#now, () => this.stop());
    this.#tickAlarm = new Alarm(this.#now, () => {
      this.#deliver(this.#table.tick());
      this.#reschedule();
    });
  }

  /** Serves until the daemon stops (idle lifespan over, shutdown request, or stop()). */
  async serve(): Promise<void> {
    this.#reschedule();
    this.#accepting = this.#acceptLoop();
    await this.#stopped.promise;
    // The runtime removes a UNIX socket file once the pending accept has been cancelled.
    await this.#accepting;
  }

  /** Stops at once: closes the listener (removing a UNIX socket file) and every connection. */
  stop(): void {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#idleAlarm.cancel();
    this.#tickAlarm.cancel();
    this.#orphans.stop();
    try {
      this.#listener.close();
    } catch {
      // Already closed.
    }
    for (const connection of this.#connections.values()) connection.stream.close();
    this.#stopped.resolve();
  }

  /**
   * Every lock of the daemon is lost (an etcd-backed daemon's lease expired): tells each holder
   * that asked, with `reason` (flom's CLI then stops its command), and stops; every other client
   * sees its connection closed, as when a daemon dies.
   */
  async loseEveryLock(reason: string): Promise<void> {
    if (this.#stopping) return;
    const notice = encodeMessage({
      kind: "lockAnswer",
      step: 32,
      rc: RC.CONNECTION_CLOSED_BY_SERVER,
      lost: reason,
    });
    const told = [...this.#connections.values()]
      .filter((connection) => connection.watchesLoss && this.#table.holds(connection.id))
      .map((connection) => connection.stream.writeBytes(notice).catch(() => {}));
    // A client that does not read must not keep the daemon from stopping.
    let timer: Timer | undefined;
    await Promise.race([
      Promise.all(told),
      new Promise<void>((resolve) => timer = startTimer(LOSS_NOTICE_LIMIT_MS, resolve)),
    ]);
    timer?.cancel();
    this.stop();
  }

  /** Stops, and resolves once the listener has let go of its address (its socket file). */
  async [Symbol.asyncDispose](): Promise<void> {
    this.stop();
    await this.#accepting;
  }

  /** Finishes current work, then exits through the idle path (`flom -x`). */
  quiesce(): void {
    this.#lifespan = QUIESCE_LIFESPAN_MS;
    this.#idleSince = undefined; // the grace time counts from now
    this.#reschedule();
  }

  async #acceptLoop(): Promise<void> {
    while (!this.#stopping) {
      let conn: StreamConn;
      try {
        conn = await this.#listener.accept();
      } catch (error) {
        if (this.#stopping || error instanceof Deno.errors.BadResource) return;
        this.#acceptFailed(error);
        // A refused connection has left the backlog: accept the next one. Any other failure
        // (out of descriptors with no spare one) is a passing condition: let connections
        // drain, retry.
        if (!(error instanceof OutOfDescriptors)) {
          await new Promise((resolve) => setTimeout(resolve, ACCEPT_RETRY_MS));
        }
        continue;
      }
      this.#serveConnection(conn);
    }
  }

  /** Counts a failed accept; logs the failures at most once per ACCEPT_LOG_INTERVAL_MS. */
  #acceptFailed(error: unknown): void {
    if (error instanceof OutOfDescriptors) this.#acceptFailures.refused++;
    else this.#acceptFailures.retried++;
    const now = performance.now();
    if (now - this.#acceptFailures.loggedAt < ACCEPT_LOG_INTERVAL_MS) return;
    const { refused, retried } = this.#acceptFailures;
    const reason = error instanceof OutOfDescriptors ? error.cause : error;
    const counts = [
      ...(refused > 0 ? [`${refused} refused`] : []),
      ...(retried > 0 ? [`${retried} accepts retried`] : []),
    ];
    const message = `cannot accept connections (${
      reason instanceof Error ? reason.message : String(reason)
    }): ${counts.join(", ")} since the last report`;
    this.#tracer.trace(TraceModule.CONNS, message);
    this.#syslog.log(Severity.WARNING, message);
    this.#acceptFailures = { refused: 0, retried: 0, loggedAt: now };
  }

  /** Serves one connection until it ends. */
  #serveConnection(conn: StreamConn): void {
    const connection = new ServedConnection(
      this.#nextConnId++,
      new MessageStream(conn, MAX_DAEMON_MESSAGE_BYTES, this.#spareReadBuffers.pop()),
      this.#connectionEvents,
    );
    this.#connections.set(connection.id, connection);
    this.#hadClient = true;
    this.#metrics?.connectionAccepted();
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
    connection.stream.pump(connection);
  }

  #onMessage(connection: ServedConnection, message: Message): boolean {
    if (this.#tracesHandOffs) this.#lastReadAt = performance.now();
    if (this.#stopping) return false;
    if (message.kind === "lock") {
      connection.lockSeen = true;
      connection.client = message.client;
      connection.watchesLoss = message.watchLoss === true;
      connection.explains = message.explain === true;
    }
    const keep = this.#handle(connection, message);
    // A message the daemon will not act on closes its connection: invalid input.
    if (!keep) this.#metrics?.badMessage();
    return keep;
  }

  #onEnd(connection: ServedConnection, error: unknown): void {
    if (this.#tracesHandOffs) this.#lastReadAt = performance.now();
    if (error !== undefined) {
      if (error instanceof ProtocolError) this.#metrics?.badMessage();
      // Malformed, oversized or truncated input, or a broken connection: this client alone
      // is dropped.
      this.#tracer.trace(
        TraceModule.CONNS,
        `connection ${connection.id} closed: ${String(error)}`,
      );
    }
    this.#connections.delete(connection.id);
    connection.stream.close();
    // Reading has ended: nothing refers to the buffer any more.
    if (this.#spareReadBuffers.length < SPARE_READ_BUFFERS) {
      this.#spareReadBuffers.push(connection.stream.readBuffer);
    }
    if (this.#stopping) return;
    const { command, fencingToken } = connection;
    if (
      fencingToken !== undefined && connection.local && connection.client?.pid !== undefined &&
      this.#table.holds(connection.id)
    ) {
      // A flom on this host died holding the lock: its command may run on, and keeps it.
      this.#tracer.trace(
        TraceModule.LOCKER,
        `connection ${connection.id} closed holding its lock: kept while its command runs`,
      );
      this.#orphans.keep(connection.id, fencingToken, command, connection.info());
    } else {
      this.#forgetToken(connection);
      this.#deliver(this.#table.drop(connection.id), this.#lastReadAt);
    }
    this.#reschedule();
  }

  /** Acts on one message; false when the connection must be closed. */
  #handle(connection: ServedConnection, message: Message): boolean {
    const { id, stream } = connection;
    if (
      message.kind === "lock" || message.kind === "shutdown" || message.kind === "status" ||
      message.kind === "commandReport"
    ) {
      // Every flom run sends a command report: logging it would double the original's lines.
      if (message.kind !== "commandReport") {
        this.#syslog.log(
          Severity.INFO,
          `FLM015I a connecting peer sent id '${message.peerId}' for verb ${
            message.kind === "lock" ? 1 : message.kind === "shutdown" ? 5 : 3
          } and step 8`,
        );
      }
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
        if (outcome === undefined) return true; // answered later, by a step-16 notice
        if (outcome.rc === RC.PROTOCOL_ERROR) return false;
        this.#metrics?.answered(outcome.rc);
        if (outcome.rc === RC.OK) {
          this.#sendGrant(connection, 16, outcome.element);
        } else if (outcome.rc === RC.LOCK_ENQUEUED && message.explain) {
          this.#sendWaitInfo(connection);
        } else {
          this.#send(stream, 16, outcome.rc);
        }
        if (FINAL_REFUSALS.has(outcome.rc)) stream.closeWrite();
        this.#deliver(notices);
        this.#reschedule();
        return true;
      }
      case "unlock": {
        const { ok, notices } = this.#table.unlock(id, message.name, message.rollback);
        if (ok) this.#forgetToken(connection);
        this.#deliver(notices, this.#lastReadAt);
        this.#reschedule();
        return ok;
      }
      case "commandReport":
        if (connection.lockSeen) return false;
        this.#adoptCommand(message.fencingToken, message.pid);
        // Nothing is answered; closing our side lets the reporter go at once.
        stream.closeWrite();
        return true;
      case "status":
        if (connection.lockSeen) return false;
        // A failed write means the peer is gone; its read loop sees that and cleans up.
        this.#sendStatus(stream, message).catch(() => {});
        return true;
      case "shutdown":
        // Only as the first message of a connection, as in the original.
        if (connection.lockSeen) return false;
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

  /** Sends the notices; `releasedAt` is when the release that caused them was read. */
  #deliver(notices: ServedNotice[], releasedAt?: number): void {
    for (const notice of notices) {
      const connection = this.#connections.get(notice.conn);
      if (connection === undefined) continue;
      const step = notice.step ?? 24;
      if (notice.rc === RC.OK) {
        this.#sendGrant(connection, step, notice.element, notice.fencingToken);
      } else if (notice.wait !== undefined && connection.explains) {
        connection.stream.writeBytes(this.#answers.enqueued(notice.wait)).catch(() => {});
      } else {
        this.#send(connection.stream, step, notice.rc);
        if (step === 16 && FINAL_REFUSALS.has(notice.rc)) connection.stream.closeWrite();
      }
      this.#metrics?.answered(notice.rc);
      if (this.#tracesHandOffs && releasedAt !== undefined) {
        const micros = Math.round((performance.now() - releasedAt) * 1000);
        this.#tracer.trace(
          TraceModule.LOCKER,
          `hand-off: connection ${notice.conn} granted ${micros} µs after the release was read`,
        );
      }
    }
  }

  /** Sends an answer that is no grant: the first (step 16) or a later one (24). */
  #send(stream: MessageStream, step: 16 | 24, rc: number): void {
    // A failed write means the peer is gone; its read loop sees that and cleans up.
    stream.writeBytes(this.#answers.answer(step, rc)).catch(() => {});
  }

  /**
   * Sends a grant with its fencing token (a new one of this daemon's unless the table gave one),
   * by which the holder may report its command.
   */
  #sendGrant(
    connection: ServedConnection,
    step: 16 | 24,
    element: string | undefined,
    token?: string,
  ): void {
    const fencingToken = token ?? this.#fencingTokens.next();
    connection.fencingToken = fencingToken;
    this.#holdersByToken.set(fencingToken, connection);
    const bytes = this.#answers.grant(step, element, fencingToken);
    connection.stream.writeBytes(bytes).then(() => this.#answers.recycle(bytes), () => {});
  }

  #forgetToken(connection: ServedConnection): void {
    if (connection.fencingToken === undefined) return;
    this.#holdersByToken.delete(connection.fencingToken);
    connection.fencingToken = undefined;
  }

  /**
   * A client reported the process of the command under its lock: should the client die, the
   * lock stays until that process ends. Taken only from a local client that holds the lock of
   * that token, for a child of its own (a claim about another process would pin the lock).
   */
  #adoptCommand(fencingToken: string, pid: number): void {
    const holder = this.#holdersByToken.get(fencingToken);
    if (holder === undefined || !holder.local || holder.client?.pid === undefined) return;
    const process = processIdentity(pid);
    if (process?.parent !== holder.client.pid) return;
    holder.command = process;
    this.#tracer.trace(
      TraceModule.LOCKER,
      `connection ${holder.id}: its lock is kept for process ${pid} should the client die`,
    );
  }

  /** The status document of this instant, taken in one step. */
  statusSnapshot(): StatusSnapshot {
    return buildSnapshot(
      this.#table.snapshot(),
      (conn) => this.#connectionInfo(conn),
      { pid: Deno.pid, startedAt: this.#startedAt },
    );
  }

  /**
   * The status that status requests, `-m` and `GET /status` show: where daemons share their locks
   * (etcd), every daemon's requests; this daemon's alone when the others' cannot be read now.
   */
  async fullStatus(): Promise<StatusSnapshot> {
    const cluster = await this.#table.clusterSnapshot?.().catch((error) => {
      this.#tracer.trace(TraceModule.DAEMON, `status: only this daemon's requests: ${error}`);
      return undefined;
    });
    if (cluster === undefined) return this.statusSnapshot();
    return buildSnapshot(
      cluster.table,
      (conn) => cluster.others.get(conn) ?? this.#connectionInfo(conn),
      { pid: Deno.pid, startedAt: this.#startedAt },
    );
  }

  #connectionInfo(conn: ConnId): ConnectionInfo | undefined {
    return this.#connections.get(conn)?.info() ?? this.#orphans.info(conn);
  }

  /**
   * The metrics text of this instant (Prometheus text format), with the per-kind gauges of
   * {@link statusSnapshot}. Only for a daemon made with `metrics`.
   */
  metricsText(): string {
    if (this.#metrics === undefined) throw new Error("Cannot show metrics: none are counted");
    return this.#metrics.exposition({
      snapshot: this.statusSnapshot(),
      openConnections: this.#connections.size,
      uptimeSeconds: (this.#now() - this.#startedAt) / 1000,
    });
  }

  /**
   * Answers a status request: the header, the JSON document, then the end of the stream (the
   * client reads to the end, as the document may exceed any message limit). A format other than
   * JSON is not answered.
   */
  async #sendStatus(stream: MessageStream, request: StatusRequest): Promise<void> {
    if (request.format === "json") {
      const body = encodeUtf8(JSON.stringify(await this.fullStatus()));
      const header = encodeMessage({ kind: "statusAnswer", bytes: body.length });
      await stream.writeBytes(header);
      await stream.writeBytes(body);
    }
    await stream.closeWrite();
  }

  /** The first answer to a queued request that asked who blocks it (`-V` clients). */
  #sendWaitInfo(connection: ServedConnection): void {
    const blockers = this.#table.blockers(connection.id);
    const first = blockers?.holders[0];
    let wait: WaitInfo | undefined;
    if (blockers !== undefined && first !== undefined) {
      const holder = this.#connections.get(first.conn)?.info() ?? { peer: "unknown" };
      wait = {
        holders: blockers.holders.length,
        ahead: blockers.ahead,
        heldMs: Math.max(0, Math.round(this.#now() - first.since)),
        holder: { peer: holder.peer, ...holder.client },
      };
    }
    connection.stream.writeBytes(this.#answers.enqueued(wait)).catch(() => {});
  }

  /** Sets the two alarms: the lock table's next deadline and the idle exit. */
  #reschedule(): void {
    if (this.#stopping) return;
    this.#tickAlarm.set(this.#table.nextDeadline());
    const idle = this.#lifespan >= 0 && this.#connections.size === 0 && this.#table.isEmpty;
    if (!idle) {
      this.#idleSince = undefined;
      this.#idleAlarm.set(undefined);
      return;
    }
    this.#idleSince ??= this.#now();
    const wait = this.#hadClient ? this.#lifespan : Math.max(this.#lifespan, FIRST_CLIENT_GRACE_MS);
    this.#idleAlarm.set(this.#idleSince + wait);
  }
}
