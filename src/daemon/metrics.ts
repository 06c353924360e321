/**
 * The daemon's metrics (`--metrics`): counters the server increments as it answers, and their
 * text in the Prometheus exposition format (version 0.0.4) with the gauges of a status snapshot.
 * Pure: the HTTP side is daemon/metrics_server.ts. Loaded only by daemons that serve metrics.
 */
import { RC } from "../protocol/return_codes.ts";
import type { WaitObserver } from "../resources/lock_table.ts";
import type { ResourceKind } from "../resources/names.ts";
import type { StatusSnapshot } from "../status/snapshot.ts";

/** The kinds, in the order the gauges list them: every kind has a line, 0 included. */
const KINDS: readonly ResourceKind[] = [
  "simple",
  "numeric",
  "set",
  "hierarchical",
  "sequence",
  "timestamp",
];

/** Why a lock request was refused, by its answer's reason code. */
const REFUSALS: ReadonlyMap<number, string> = new Map([
  [RC.LOCK_BUSY, "busy"],
  [RC.LOCK_IMPOSSIBLE, "impossible"],
  [RC.LOCK_CANT_WAIT, "cannot_wait"],
  [RC.INVALID_RESOURCE_NAME, "invalid_name"],
  [RC.INVALID_TIMESTAMP_FORMAT, "invalid_timestamp_format"],
]);

/**
 * Upper bounds (seconds) of the wait-time histogram's buckets: a hand-off takes microseconds, a
 * wait behind a command seconds to hours.
 */
export const WAIT_BUCKETS_SECONDS: readonly number[] = [
  0.001,
  0.01,
  0.1,
  0.5,
  1,
  5,
  10,
  30,
  60,
  300,
  900,
  3600,
];

/** What a scrape reads besides the counters, at the instant of the scrape. */
export interface MetricsInstant {
  /** The status document of this instant: the per-kind gauges. */
  snapshot: StatusSnapshot;
  /** Connections open now. */
  openConnections: number;
  /** Seconds since the daemon started. */
  uptimeSeconds: number;
}

/**
 * The counters of one daemon. The server calls {@link answered} for each lock answer it sends,
 * {@link connectionAccepted} and {@link badMessage}; the lock table tells it how waits end
 * ({@link WaitObserver}).
 */
export class DaemonMetrics implements WaitObserver {
  grants = 0;
  connectionsAccepted = 0;
  /** Connections closed for malformed or invalid input. */
  badMessages = 0;
  waitsAbandoned = 0;
  /** Refusals per reason code (the keys of REFUSALS). */
  readonly refusals = new Map<number, number>([...REFUSALS.keys()].map((rc) => [rc, 0]));
  /** Waits per bucket, not cumulative; the last one past the largest bound. */
  readonly #waitBuckets: number[] = new Array(WAIT_BUCKETS_SECONDS.length + 1).fill(0);
  #waitCount = 0;
  #waitSumSeconds = 0;

  /** A lock answer sent: a grant, a refusal, or neither (enqueued, parked). */
  answered(rc: number): void {
    if (rc === RC.OK) {
      this.grants++;
      return;
    }
    const refused = this.refusals.get(rc);
    if (refused !== undefined) this.refusals.set(rc, refused + 1);
  }

  connectionAccepted(): void {
    this.connectionsAccepted++;
  }

  /** A connection closed for malformed or invalid input. */
  badMessage(): void {
    this.badMessages++;
  }

  granted(waitedMs: number): void {
    const seconds = Math.max(0, waitedMs) / 1000;
    let bucket = 0;
    while (bucket < WAIT_BUCKETS_SECONDS.length && seconds > WAIT_BUCKETS_SECONDS[bucket]!) {
      bucket++;
    }
    this.#waitBuckets[bucket]!++;
    this.#waitCount++;
    this.#waitSumSeconds += seconds;
  }

  abandoned(): void {
    this.waitsAbandoned++;
  }

  /** The metrics text of this instant, in the Prometheus text format. */
  exposition(instant: MetricsInstant): string {
    const out: string[] = [];
    const metric = (name: string, type: string, help: string, lines: string[]) => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...lines);
    };
    const perKind = (count: (kind: ResourceKind) => number) =>
      KINDS.map((kind) => `{kind="${kind}"} ${count(kind)}`);
    const { resources, incubator } = instant.snapshot;
    const resourcesOf = (kind: ResourceKind) => resources.filter((row) => row.kind === kind);
    const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

    metric(
      "flom_resources",
      "gauge",
      "Resources the daemon knows (held, waited for, or idle within their lifespan), per kind.",
      perKind((kind) => resourcesOf(kind).length).map((line) => `flom_resources${line}`),
    );
    metric(
      "flom_holders",
      "gauge",
      "Connections holding a lock, per resource kind.",
      perKind((kind) => sum(resourcesOf(kind).map((row) => row.holders.length))).map((line) =>
        `flom_holders${line}`
      ),
    );
    metric(
      "flom_waiters",
      "gauge",
      "Connections waiting in a resource's queue, per resource kind.",
      perKind((kind) => sum(resourcesOf(kind).map((row) => row.waiters.length))).map((line) =>
        `flom_waiters${line}`
      ),
    );
    metric(
      "flom_incubator_waiters",
      "gauge",
      "Connections waiting for a resource that does not exist yet (-e no), per resource kind.",
      perKind((kind) => incubator.filter((row) => row.kind === kind).length).map((line) =>
        `flom_incubator_waiters${line}`
      ),
    );
    metric("flom_lock_grants_total", "counter", "Locks granted, at once or after a wait.", [
      `flom_lock_grants_total ${this.grants}`,
    ]);
    metric(
      "flom_lock_refusals_total",
      "counter",
      "Lock requests refused, per reason.",
      [...REFUSALS].map(([rc, reason]) =>
        `flom_lock_refusals_total{reason="${reason}"} ${this.refusals.get(rc)}`
      ),
    );
    metric(
      "flom_lock_waits_abandoned_total",
      "counter",
      "Waiting lock requests whose client left before the grant (a client's -o timeout shows so).",
      [`flom_lock_waits_abandoned_total ${this.waitsAbandoned}`],
    );
    metric(
      "flom_lock_wait_seconds",
      "histogram",
      "Time from a request's queueing (or parking) to its grant, for requests that waited.",
      this.#histogramLines("flom_lock_wait_seconds"),
    );
    metric("flom_connections_open", "gauge", "Client connections open now.", [
      `flom_connections_open ${instant.openConnections}`,
    ]);
    metric("flom_connections_accepted_total", "counter", "Client connections accepted.", [
      `flom_connections_accepted_total ${this.connectionsAccepted}`,
    ]);
    metric(
      "flom_bad_messages_total",
      "counter",
      "Connections closed for malformed or invalid input.",
      [`flom_bad_messages_total ${this.badMessages}`],
    );
    metric("flom_uptime_seconds", "gauge", "Seconds since the daemon started.", [
      `flom_uptime_seconds ${number(instant.uptimeSeconds)}`,
    ]);
    return `${out.join("\n")}\n`;
  }

  #histogramLines(name: string): string[] {
    const lines: string[] = [];
    let cumulative = 0;
    WAIT_BUCKETS_SECONDS.forEach((bound, bucket) => {
      cumulative += this.#waitBuckets[bucket]!;
      lines.push(`${name}_bucket{le="${bound}"} ${cumulative}`);
    });
    lines.push(
      `${name}_bucket{le="+Inf"} ${this.#waitCount}`,
      `${name}_sum ${number(this.#waitSumSeconds)}`,
      `${name}_count ${this.#waitCount}`,
    );
    return lines;
  }
}

/** A sample value: shortest exact text, without float noise beyond microseconds. */
function number(value: number): string {
  return String(Math.round(value * 1e6) / 1e6);
}
