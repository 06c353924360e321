import assert from "node:assert/strict";
import { RC } from "../protocol/return_codes.ts";
import type { StatusSnapshot } from "../status/snapshot.ts";
import { DaemonMetrics, type MetricsInstant } from "./metrics.ts";

const EMPTY: StatusSnapshot = {
  version: 1,
  takenAt: "2026-01-15T10:20:30.000Z",
  daemon: { pid: 42, startedAt: "2026-01-15T10:20:00.000Z" },
  resources: [],
  incubator: [],
};

const holder = (connection: number) => ({
  connection,
  peer: "local",
  since: EMPTY.takenAt,
  heldMs: 0,
});
const waiter = (connection: number) => ({
  connection,
  peer: "local",
  since: EMPTY.takenAt,
  waitingMs: 0,
});

/** The samples of an exposition text: `name{labels}` → value; comments checked apart. */
function samples(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([a-z_]+(?:\{[^}]*\})?) (\S+)$/.exec(line);
    assert.ok(match, `not a sample line: '${line}'`);
    assert.ok(!values.has(match[1]!), `twice: ${match[1]}`);
    values.set(match[1]!, Number(match[2]));
  }
  return values;
}

const instant = (fields: Partial<MetricsInstant> = {}): MetricsInstant => ({
  snapshot: EMPTY,
  openConnections: 0,
  uptimeSeconds: 0,
  ...fields,
});

Deno.test(
  "DaemonMetrics.exposition() gives every metric a HELP and a TYPE line, once, before its samples",
  {
    permissions: "none",
  },
  () => {
    const text = new DaemonMetrics().exposition(instant());
    assert.ok(text.endsWith("\n") && !text.endsWith("\n\n"));
    const lines = text.trimEnd().split("\n");
    const families: string[] = [];
    let current: string | undefined;
    for (const [index, line] of lines.entries()) {
      const help = /^# HELP (flom_[a-z_]+) \S.*$/.exec(line);
      if (help) {
        current = help[1]!;
        assert.ok(!families.includes(current), `${current} twice`);
        families.push(current);
        assert.match(
          lines[index + 1]!,
          new RegExp(`^# TYPE ${current} (gauge|counter|histogram)$`),
        );
        continue;
      }
      if (line.startsWith("# TYPE ")) continue;
      // A sample belongs to the family above it (a histogram's have suffixes).
      assert.ok(current !== undefined && line.startsWith(current), line);
    }
    assert.deepEqual(families, [
      "flom_resources",
      "flom_holders",
      "flom_waiters",
      "flom_incubator_waiters",
      "flom_lock_grants_total",
      "flom_lock_refusals_total",
      "flom_lock_waits_abandoned_total",
      "flom_lock_wait_seconds",
      "flom_connections_open",
      "flom_connections_accepted_total",
      "flom_bad_messages_total",
      "flom_uptime_seconds",
    ]);
  },
);

Deno.test("DaemonMetrics.exposition() of a fresh daemon: every series present, at 0", {
  permissions: "none",
}, () => {
  const values = samples(new DaemonMetrics().exposition(instant()));
  for (const kind of ["simple", "numeric", "set", "hierarchical", "sequence", "timestamp"]) {
    for (const gauge of ["resources", "holders", "waiters", "incubator_waiters"]) {
      assert.equal(values.get(`flom_${gauge}{kind="${kind}"}`), 0, `${gauge} ${kind}`);
    }
  }
  for (
    const reason of [
      "busy",
      "impossible",
      "cannot_wait",
      "invalid_name",
      "invalid_timestamp_format",
    ]
  ) {
    assert.equal(values.get(`flom_lock_refusals_total{reason="${reason}"}`), 0, reason);
  }
  assert.equal(values.get("flom_lock_grants_total"), 0);
  assert.equal(values.get('flom_lock_wait_seconds_bucket{le="+Inf"}'), 0);
  assert.equal(values.get("flom_lock_wait_seconds_count"), 0);
  assert.equal(values.get("flom_lock_wait_seconds_sum"), 0);
});

Deno.test(
  "DaemonMetrics counts grants, refusals by reason, waits abandoned, connections and bad messages",
  {
    permissions: "none",
  },
  () => {
    const metrics = new DaemonMetrics();
    for (
      const rc of [
        RC.OK,
        RC.OK,
        RC.LOCK_ENQUEUED,
        RC.LOCK_WAIT_RESOURCE,
        RC.OK,
        RC.LOCK_BUSY,
        RC.LOCK_BUSY,
        RC.LOCK_IMPOSSIBLE,
        RC.LOCK_CANT_WAIT,
        RC.INVALID_RESOURCE_NAME,
        RC.INVALID_TIMESTAMP_FORMAT,
      ]
    ) {
      metrics.answered(rc);
    }
    metrics.abandoned();
    metrics.connectionAccepted();
    metrics.connectionAccepted();
    metrics.connectionAccepted();
    metrics.badMessage();
    const values = samples(
      metrics.exposition(instant({ openConnections: 2, uptimeSeconds: 12.5 })),
    );
    assert.equal(values.get("flom_lock_grants_total"), 3);
    assert.equal(values.get('flom_lock_refusals_total{reason="busy"}'), 2);
    assert.equal(values.get('flom_lock_refusals_total{reason="impossible"}'), 1);
    assert.equal(values.get('flom_lock_refusals_total{reason="cannot_wait"}'), 1);
    assert.equal(values.get('flom_lock_refusals_total{reason="invalid_name"}'), 1);
    assert.equal(values.get('flom_lock_refusals_total{reason="invalid_timestamp_format"}'), 1);
    assert.equal(values.get("flom_lock_waits_abandoned_total"), 1);
    assert.equal(values.get("flom_connections_accepted_total"), 3);
    assert.equal(values.get("flom_connections_open"), 2);
    assert.equal(values.get("flom_bad_messages_total"), 1);
    assert.equal(values.get("flom_uptime_seconds"), 12.5);
  },
);

Deno.test(
  "DaemonMetrics puts each wait in the first bucket that holds it; buckets are cumulative",
  {
    permissions: "none",
  },
  () => {
    const metrics = new DaemonMetrics();
    // 0.5 ms, exactly 10 ms (a bound is inclusive), 2 s, 2 hours.
    for (const ms of [0.5, 10, 2000, 7_200_000]) metrics.granted(ms);
    const values = samples(metrics.exposition(instant()));
    const bucket = (le: string) => values.get(`flom_lock_wait_seconds_bucket{le="${le}"}`);
    assert.equal(bucket("0.001"), 1);
    assert.equal(bucket("0.01"), 2);
    assert.equal(bucket("1"), 2);
    assert.equal(bucket("5"), 3);
    assert.equal(bucket("3600"), 3);
    assert.equal(bucket("+Inf"), 4);
    assert.equal(values.get("flom_lock_wait_seconds_count"), 4);
    assert.equal(values.get("flom_lock_wait_seconds_sum"), 7202.0105);
    // The bounds ascend, and +Inf comes last.
    const bounds = [...values.keys()].flatMap((key) => {
      const match = /^flom_lock_wait_seconds_bucket\{le="([^"]+)"\}$/.exec(key);
      return match ? [match[1]!] : [];
    });
    assert.equal(bounds.at(-1), "+Inf");
    const numeric = bounds.slice(0, -1).map(Number);
    assert.deepEqual(numeric, [...numeric].sort((a, b) => a - b));
  },
);

Deno.test(
  "DaemonMetrics.exposition() counts resources, holders, waiters and the incubator per kind",
  {
    permissions: "none",
  },
  () => {
    const snapshot: StatusSnapshot = {
      ...EMPTY,
      resources: [
        { id: 1, name: "a", kind: "simple", holders: [holder(1), holder(2)], waiters: [waiter(3)] },
        { id: 2, name: "b", kind: "simple", holders: [holder(4)], waiters: [] },
        { id: 3, name: "p[3]", kind: "numeric", holders: [holder(5)], waiters: [waiter(6)] },
        { id: 4, name: "idle", kind: "set", holders: [], waiters: [], idleRemainingMs: 900 },
      ],
      incubator: [{ ...waiter(7), resource: "/later", kind: "hierarchical" }],
    };
    const values = samples(new DaemonMetrics().exposition(instant({ snapshot })));
    assert.equal(values.get('flom_resources{kind="simple"}'), 2);
    assert.equal(values.get('flom_resources{kind="numeric"}'), 1);
    assert.equal(values.get('flom_resources{kind="set"}'), 1);
    assert.equal(values.get('flom_resources{kind="hierarchical"}'), 0);
    assert.equal(values.get('flom_holders{kind="simple"}'), 3);
    assert.equal(values.get('flom_holders{kind="numeric"}'), 1);
    assert.equal(values.get('flom_waiters{kind="simple"}'), 1);
    assert.equal(values.get('flom_waiters{kind="numeric"}'), 1);
    assert.equal(values.get('flom_waiters{kind="set"}'), 0);
    assert.equal(values.get('flom_incubator_waiters{kind="hierarchical"}'), 1);
  },
);
