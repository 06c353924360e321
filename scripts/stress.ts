/**
 * Proof that one daemon survives anything a client can send it and keeps mutual exclusion under
 * client deaths (README, "Stress"): fuzzing, silent half-sent messages, a kill storm,
 * descriptor exhaustion, the daemon's own SIGKILL, the release of orphaned locks, and (when
 * etcd is installed) a storm across etcd-backed daemons while daemons and etcd members die.
 * Prints each figure with its target and exits 1 when one is not met. tests/stress_test.ts runs
 * a short version of each check.
 *
 * Usage: deno run -A scripts/stress.ts [--quick]
 *   [--only kill,orphans,descriptors,stalls,fuzz,storm,etcd] [--etcd-runs N]
 *   [--fuzz-inputs N] [--storm-runs N] [--storms MX,R3] [--workers N]
 *   [--signals SIGTERM,SIGKILL] [--seed N]
 *
 * `--storm-runs` counts the runs of every storm together, shared out evenly; `--storms` picks
 * the storms (`MX`: exclusive, `R3`: `R[3]` with `-q 1`), so that a long run can be made in parts.
 */
import { fuzzDaemon } from "./stress/fuzz.ts";
import { halfMessageStalls } from "./stress/half_messages.ts";
import { describeViolations, type KillSignal, killStorm } from "./stress/kill_storm.ts";
import { exhaustDescriptors } from "./stress/descriptors.ts";
import { killDaemonUnderClients } from "./stress/daemon_kill.ts";
import { orphanRelease } from "./stress/orphans.ts";
import { etcdStorm } from "./stress/etcd_storm.ts";
import { etcdInstalled } from "../tests/etcd_cluster.ts";
import { median } from "./bench/stats.ts";

const CHECKS = ["kill", "orphans", "descriptors", "stalls", "fuzz", "storm", "etcd"] as const;
type Check = typeof CHECKS[number];

/** One line of the report. */
interface Row {
  check: string;
  figure: string;
  value: string;
  target: string;
  met: boolean;
}

function option(name: string): string | undefined {
  const at = Deno.args.indexOf(name);
  return at === -1 ? undefined : Deno.args[at + 1];
}

const quick = Deno.args.includes("--quick");
const only = new Set((option("--only")?.split(",") ?? CHECKS) as Check[]);
for (const check of only) {
  if (!CHECKS.includes(check)) throw new Error(`Cannot run '${check}': checks are ${CHECKS}`);
}
const fuzzInputs = Number(option("--fuzz-inputs") ?? (quick ? 20000 : 1_000_000));
const stormRuns = Number(option("--storm-runs") ?? (quick ? 400 : 100_000));
const STORMS = {
  MX: { resource: "MX", limit: 1 },
  R3: { resource: "R[3]", quantity: 1, limit: 3 },
} as const;
const storms = (option("--storms")?.split(",") ?? Object.keys(STORMS)) as (keyof typeof STORMS)[];
for (const storm of storms) {
  if (!(storm in STORMS)) throw new Error(`Cannot run storm '${storm}': storms are MX, R3`);
}
const etcdRuns = Number(option("--etcd-runs") ?? (quick ? 300 : 10_000));
const workers = Number(option("--workers") ?? 8);
const signals = (option("--signals")?.split(",") ?? ["SIGTERM", "SIGKILL"]) as KillSignal[];
const seed = Number(option("--seed") ?? Math.floor(Math.random() * 2 ** 32));

const progress = (line: string) => console.error(`stress: ${line}`);
const rows: Row[] = [];
// Each figure is also told as soon as it is known: a long run cut short keeps what it proved.
const row = (check: string, figure: string, value: string, target: string, met: boolean) => {
  rows.push({ check, figure, value, target, met });
  progress(`${check}: ${figure}: ${value} (target ${target}: ${met ? "met" : "NOT MET"})`);
};
const dir = Deno.makeTempDirSync({ prefix: "flomstress" });
const started = performance.now();

try {
  if (only.has("kill")) {
    progress("the daemon killed with SIGKILL under holders and waiters");
    const report = await killDaemonUnderClients(dir);
    const right = report.clients.filter((client) => client.code === 99 && client.expectedMessage);
    row(
      "daemon SIGKILL",
      "clients exiting 99 with the original's message",
      `${right.length} of ${report.clients.length}`,
      "all",
      right.length === report.clients.length,
    );
    row(
      "daemon SIGKILL",
      "slowest exit after the daemon's death (a holder: after its command)",
      `${report.slowestExitMs.toFixed(0)} ms`,
      "≤ 1000 ms",
      report.slowestExitMs <= 1000,
    );
    const fresh = report.next.code === 0 && report.next.stdout === "fresh\n" &&
      report.freshDaemons.length === 1 && report.freshDaemons[0] !== report.killedPid;
    row("daemon SIGKILL", "next client starts a fresh daemon", fresh ? "yes" : "no", "yes", fresh);
  }

  if (only.has("orphans")) {
    const rounds = quick ? 10 : 100;
    progress(`${rounds} locks left to their command by a flom killed with SIGKILL`);
    const report = await orphanRelease(dir, rounds);
    row(
      "orphans",
      "a waiter granted while the orphaned command still ran",
      String(report.early),
      "0",
      report.early === 0,
    );
    const slowest = Math.max(...report.releaseMs);
    row(
      "orphans",
      `lock released after its command ended (${report.releaseMs.length} rounds): median / slowest`,
      `${median(report.releaseMs).toFixed(0)} / ${slowest.toFixed(0)} ms`,
      "≤ 200 ms",
      slowest <= 200,
    );
  }

  if (only.has("descriptors")) {
    progress("descriptor exhaustion under ulimit -n 64");
    const report = await exhaustDescriptors(dir, { openFiles: 64 });
    row(
      "descriptors",
      `clients beyond the limit (ulimit -n ${report.openFiles}): served, refused, unanswered`,
      `${report.served}, ${report.refused}, ${report.unanswered}`,
      "none unanswered",
      report.unanswered === 0 && report.refused > 0,
    );
    row(
      "descriptors",
      `daemon CPU while exhausted, ${report.windowClients} clients refused in ${report.windowMs} ms`,
      `${report.cpuMs} ms`,
      "≤ 10% of the time",
      report.cpuMs <= report.windowMs / 10 && report.windowRefused === report.windowClients,
    );
    const allowed = Math.floor(report.exhaustedMs / 1000) + 1;
    row(
      "descriptors",
      `log lines about refused connections in ${(report.exhaustedMs / 1000).toFixed(1)} s`,
      String(report.logLines),
      `1 to ${allowed} (once per second)`,
      report.logLines >= 1 && report.logLines <= allowed,
    );
    row(
      "descriptors",
      "grant once descriptors are free",
      `${report.grantAfterMs.toFixed(2)} ms`,
      "served",
      Number.isFinite(report.grantAfterMs),
    );
  }

  if (only.has("stalls")) {
    progress("1000 silent connections with half a message");
    const report = await halfMessageStalls(dir, {
      connections: 1000,
      pairs: quick ? 500 : 1000,
      rounds: quick ? 4 : 10,
      progress,
    });
    row(
      "stalls",
      `other client's lock + unlock p99 with ${report.connections} half messages / without`,
      `${report.p99With.toFixed(2)} / ${report.p99Without.toFixed(2)} ms = ${
        (report.p99With / report.p99Without).toFixed(2)
      }×`,
      "≤ 2×",
      report.p99With <= 2 * report.p99Without,
    );
    row(
      "stalls",
      "daemon CPU per pair with them / without",
      `${report.cpuWith.toFixed(0)} / ${report.cpuWithout.toFixed(0)} µs = ${
        (report.cpuWith / report.cpuWithout).toFixed(2)
      }×`,
      "reported",
      true,
    );
    row(
      "stalls",
      "daemon descriptors idle, with them open, after they closed",
      `${report.descriptorsIdle}, ${report.descriptorsWith}, ${report.descriptorsAfter}`,
      "freed",
      report.descriptorsAfter <= report.descriptorsIdle,
    );
    row(
      "stalls",
      "slowest time to free them after they closed",
      `${report.slowestFreeMs.toFixed(0)} ms`,
      "reported",
      true,
    );
  }

  if (only.has("fuzz")) {
    progress(`fuzzing with ${fuzzInputs} inputs (seed ${seed})`);
    const report = await fuzzDaemon(dir, {
      inputs: fuzzInputs,
      batch: quick ? 2000 : 10000,
      seed,
      crashDir: Deno.cwd(),
      progress,
    });
    const batches = Math.ceil(report.inputs / (quick ? 2000 : 10000));
    row(
      "fuzz",
      `inputs (seed ${report.seed}), ${report.answered} answered`,
      String(report.inputs),
      `≥ ${fuzzInputs}`,
      report.inputs >= fuzzInputs,
    );
    row(
      "fuzz",
      "inputs per second",
      (report.inputs / (report.elapsedMs / 1000)).toFixed(0),
      "reported",
      true,
    );
    row("fuzz", "daemon deaths", String(report.deaths), "0", report.deaths === 0);
    row(
      "fuzz",
      `stalls: no grant within 100 ms after a batch (${batches} batches)`,
      String(report.stalls),
      "0",
      report.stalls === 0,
    );
    row(
      "fuzz",
      "grant after a batch, median / slowest",
      `${report.medianGrantMs.toFixed(2)} / ${report.slowestGrantMs.toFixed(2)} ms`,
      "≤ 100 ms",
      report.slowestGrantMs <= 100,
    );
    row(
      "fuzz",
      "connections left open after the client's half-close",
      String(report.unclosed),
      "0",
      report.unclosed === 0,
    );
    row(
      "fuzz",
      "daemon descriptors before / after",
      `${report.descriptorsBefore} / ${report.descriptorsAfter}`,
      "equal",
      report.descriptorsAfter <= report.descriptorsBefore,
    );
    row(
      "fuzz",
      "daemon resident memory before / after",
      `${(report.residentBefore / 1024).toFixed(1)} / ${
        (report.residentAfter / 1024).toFixed(1)
      } MiB`,
      "reported",
      true,
    );
    for (const file of report.crashes) progress(`inputs that killed the daemon: ${file}`);
  }

  if (only.has("storm")) {
    for (const [index, name] of storms.entries()) {
      const share = Math.floor(stormRuns / storms.length);
      const storm: { resource: string; quantity?: number; limit: number; runs: number } = {
        ...STORMS[name],
        runs: index < stormRuns % storms.length ? share + 1 : share,
      };
      const flags = storm.quantity === undefined ? "" : ` -q ${storm.quantity}`;
      progress(`kill storm: ${storm.runs} runs of flom -r ${storm.resource}${flags}`);
      const report = await killStorm(dir, {
        resource: storm.resource,
        ...(storm.quantity === undefined ? {} : { quantity: storm.quantity }),
        limit: storm.limit,
        operations: storm.runs,
        workers,
        signals,
        seed,
        progress,
      });
      const check = `storm ${storm.resource}${flags}`;
      row(
        check,
        `flom runs (${workers} workers), sections recorded`,
        `${report.operations}, ${report.overlaps.sections}`,
        `≥ ${storm.runs} runs`,
        report.operations >= storm.runs,
      );
      row(
        check,
        "runs per second",
        (report.operations / (report.elapsedMs / 1000)).toFixed(1),
        "reported",
        true,
      );
      row(
        check,
        "flom runs killed: SIGKILL, SIGTERM (in their section)",
        `${report.kills.SIGKILL}, ${report.kills.SIGTERM} (${report.targetedKills})`,
        "reported",
        true,
      );
      row(
        check,
        `violations: more than ${storm.limit} section${storm.limit > 1 ? "s" : ""} at once`,
        `${report.overlaps.violations.length} (most at once: ${report.overlaps.mostAtOnce})`,
        "0",
        report.overlaps.violations.length === 0,
      );
      row(
        check,
        "sections without an end record",
        String(report.overlaps.incomplete.length),
        "0",
        report.overlaps.incomplete.length === 0,
      );
      row(
        check,
        "flom runs not signalled that did not exit 0",
        String(report.unexpected.length),
        "0",
        report.unexpected.length === 0,
      );
      row(
        check,
        "daemon alive at the end",
        report.daemonAlive ? "yes" : "no",
        "yes",
        report.daemonAlive,
      );
      for (const line of describeViolations(report)) progress(`violation: ${line}`);
      for (const exit of report.unexpected.slice(0, 10)) {
        progress(`op ${exit.op} exited ${exit.code}: ${exit.stderr.trim()}`);
      }
    }
  }

  if (only.has("etcd") && !etcdInstalled()) {
    progress("no etcd installed: the etcd storm is left out");
  }
  if (only.has("etcd") && etcdInstalled()) {
    progress(`etcd storm: ${etcdRuns} runs of flom -r MX through 3 daemons, 30 at once`);
    const report = await etcdStorm(dir, {
      resource: "MX",
      limit: 1,
      operations: etcdRuns,
      workers: 30,
      signals,
      seed,
      progress,
    });
    const { storm } = report;
    row(
      "etcd storm MX",
      "flom runs (30 at once, 3 daemons), sections recorded",
      `${storm.operations}, ${storm.overlaps.sections}`,
      `≥ ${etcdRuns} runs`,
      storm.operations >= etcdRuns,
    );
    row(
      "etcd storm MX",
      "killed: flom SIGKILL, SIGTERM; daemons SIGKILL; etcd members SIGKILL",
      `${storm.kills.SIGKILL}, ${storm.kills.SIGTERM}; ${report.daemonKills}; ${report.memberKills}`,
      "reported",
      true,
    );
    row(
      "etcd storm MX",
      "violations: more than 1 section at once",
      `${storm.overlaps.violations.length} (most at once: ${storm.overlaps.mostAtOnce})`,
      "0",
      storm.overlaps.violations.length === 0,
    );
    row(
      "etcd storm MX",
      "sections without an end record",
      String(storm.overlaps.incomplete.length),
      "0",
      storm.overlaps.incomplete.length === 0,
    );
    row(
      "etcd storm MX",
      "flom runs not signalled that failed (their daemon died or was restarting)",
      String(storm.unexpected.length),
      "reported",
      true,
    );
    for (const line of describeViolations(storm)) progress(`violation: ${line}`);
  }
} finally {
  Deno.removeSync(dir, { recursive: true });
}

console.log(formatRows(rows));
console.log(
  `\n${rows.filter((row) => row.met).length} of ${rows.length} met in ${
    ((performance.now() - started) / 60000).toFixed(1)
  } min`,
);
if (rows.some((row) => !row.met)) Deno.exit(1);

/** The rows as a Markdown table (the README's Stress section shows one). */
function formatRows(rows: Row[]): string {
  const cells = rows.map((row) => [
    row.check,
    row.figure,
    row.value,
    row.target,
    row.met ? "met" : "NOT MET",
  ]);
  const header = ["check", "figure", "value", "target", ""];
  const widths = header.map((title, i) =>
    Math.max(title.length, ...cells.map((line) => line[i]!.length))
  );
  const line = (values: string[]) =>
    `| ${values.map((value, i) => value.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(header), line(widths.map((width) => "-".repeat(width))), ...cells.map(line)].join(
    "\n",
  );
}
