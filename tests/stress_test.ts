/**
 * A short version of each check of scripts/stress.ts (README, "Stress"): fuzzing, half-sent
 * messages, the kill storm, orphaned locks, descriptor exhaustion and the daemon's SIGKILL. Times
 * are reported by the tool, not asserted here: these tests assert what happened, never how fast.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { TestDir } from "./harness.ts";
import { fuzzDaemon } from "../scripts/stress/fuzz.ts";
import { FuzzInputs, loadCorpus, stopsDaemon } from "../scripts/stress/fuzz_inputs.ts";
import { PROBE_LIMIT_MS } from "../scripts/stress/probe.ts";
import { halfMessageStalls } from "../scripts/stress/half_messages.ts";
import { orphanRelease } from "../scripts/stress/orphans.ts";
import {
  describeViolations,
  type KillSignal,
  killStorm,
  type KillStormReport,
} from "../scripts/stress/kill_storm.ts";
import { checkOverlaps } from "../scripts/stress/overlaps.ts";
import { exhaustDescriptors } from "../scripts/stress/descriptors.ts";
import {
  HOLDER_MESSAGE,
  killDaemonUnderClients,
  WAITER_MESSAGE,
} from "../scripts/stress/daemon_kill.ts";

const encoder = new TextEncoder();

// ---------------------------------------------------------------------------------------------
// Fuzzing

Deno.test("FuzzInputs makes every kind of damage the issue lists, and never a shutdown", () => {
  const generator = new FuzzInputs(7);
  const families = new Set<string>();
  const deliveries = new Set<string>();
  for (let i = 0; i < 5000; i++) {
    const input = generator.next();
    families.add(input.family);
    deliveries.add(input.delivery);
    assert(!stopsDaemon(input.bytes));
  }
  for (
    const family of [
      "random",
      "valid",
      "many",
      "long-name",
      "600",
      "flip",
      "truncate",
      "duplicate",
      "attribute",
      "base64",
      "non-utf8",
      "nul",
    ]
  ) {
    assert(families.has(family), `no '${family}' input`);
  }
  assertEquals([...deliveries].sort(), ["bytewise", "dropped", "pieces", "whole"]);
});

Deno.test("stopsDaemon() finds a shutdown request wherever the daemon would read one", () => {
  const shutdowns = loadCorpus().filter((message) => message.includes('verb="5" step="8"'));
  assertEquals(shutdowns.length, 2, "the fixtures' -x and -X requests");
  for (const shutdown of shutdowns) {
    assert(stopsDaemon(encoder.encode(shutdown)));
    assert(stopsDaemon(encoder.encode(`garbage</msg>${shutdown}`)));
    assert(!stopsDaemon(encoder.encode(shutdown.slice(0, -1))));
  }
});

Deno.test("fuzzing: 20,000 damaged and random inputs leave the daemon alive and serving after every batch", async () => {
  await using dir = new TestDir();
  const report = await fuzzDaemon(dir.path, {
    inputs: 20000,
    batch: 2000,
    connections: 100,
    seed: 12,
    // Only a grant that never comes fails here; the tool holds the grant to 100 ms.
    stallMs: PROBE_LIMIT_MS,
  });
  assertEquals(report.inputs, 20000);
  assertEquals(report.deaths, 0, `inputs that killed the daemon: ${report.crashes}`);
  assertEquals(report.stalls, 0);
  assertEquals(report.unclosed, 0);
  assert(report.answered > 0, "some inputs must reach the lock table");
  assertEquals(report.descriptorsAfter, report.descriptorsBefore);
});

// ---------------------------------------------------------------------------------------------
// Half-sent messages

Deno.test("1000 connections with half a message each: another client is served meanwhile, and the daemon frees them when they close", async () => {
  await using dir = new TestDir();
  const report = await halfMessageStalls(dir.path, { connections: 1000, pairs: 100, rounds: 2 });
  assertEquals(report.pairs, 200);
  assert(report.descriptorsWith >= report.descriptorsIdle + 1000);
  assert(report.descriptorsAfter <= report.descriptorsIdle);
});

// ---------------------------------------------------------------------------------------------
// Kill storm

Deno.test("checkOverlaps() lists the sections that ran at once, and only those", () => {
  const records = [
    "S 100.000000 1 11 21",
    "E 100.000500 1 11",
    "S 100.000500 2 12 22", // starts the microsecond 1 ended: no overlap
    "S 100.000600 3 13 23",
    "E 100.000700 3 13 term",
    "E 100.000800 3 13", // a second end, after SIGTERM's: the first counts
    "E 100.000900 2 12",
    "S 100.001000 4 14 24",
    "E 100.002000 5 15 term", // SIGTERM before the start was written
  ].join("\n");
  const report = checkOverlaps(records, 1);
  assertEquals(report.sections, 3);
  assertEquals(report.incomplete.map((section) => section.op), [4]);
  assertEquals(report.endsWithoutStart, 1);
  assertEquals(report.mostAtOnce, 2);
  assertEquals(report.violations.length, 1);
  assertEquals(report.violations[0]!.sections.map((section) => section.op), [2, 3]);
  assertEquals(report.violations[0]!.sections[1]!.terminated, true);
  assertEquals(checkOverlaps(records, 2).violations, []);
});

/** Runs a storm on MX and one on R[3] with -q 1, `runs` flom runs each. */
async function storms(signals: KillSignal[], runs: number): Promise<KillStormReport[]> {
  await using dir = new TestDir();
  const reports: KillStormReport[] = [];
  for (const [resource, limit] of [["MX", 1], ["R[3]", 3]] as const) {
    reports.push(
      await killStorm(dir.path, {
        resource,
        ...(limit === 3 ? { quantity: 1 } : {}),
        limit,
        operations: runs,
        workers: 8,
        signals,
        seed: 3,
      }),
    );
  }
  return reports;
}

function assertExclusion(report: KillStormReport, signals: KillSignal[]): void {
  const what = `${report.resource}: ${describeViolations(report, 3).join("\n")}`;
  assertEquals(report.overlaps.violations.length, 0, what);
  assert(report.overlaps.mostAtOnce <= report.limit, what);
  assertEquals(report.overlaps.incomplete, []);
  assertEquals(report.unexpected, []);
  assert(report.daemonAlive);
  assert(report.targetedKills > 0, "some flom runs must be killed in their section");
  for (const signal of signals) assert(report.kills[signal] > 0, `no ${signal} sent`);
}

Deno.test("kill storm with SIGTERM: 100 flom runs on MX and 100 on R[3] -q 1, their flom signalled at random and in their section; never more sections at once than the lock allows", async () => {
  for (const report of await storms(["SIGTERM"], 100)) assertExclusion(report, ["SIGTERM"]);
});

Deno.test("kill storm with SIGKILL and SIGTERM: 1000 flom runs on MX and 1000 on R[3] -q 1; a killed flom's lock stays with its running section", async () => {
  const signals: KillSignal[] = ["SIGKILL", "SIGTERM"];
  for (const report of await storms(signals, 1000)) assertExclusion(report, signals);
});

Deno.test("the kill storm's records show sections running at once: R[3] -q 1 checked against a limit of 1", async () => {
  await using dir = new TestDir();
  const report = await killStorm(dir.path, {
    resource: "R[3]",
    quantity: 1,
    limit: 1,
    operations: 60,
    signals: ["SIGTERM"],
    // No kills, and sections long enough for the other workers to take the other units.
    sectionMs: 200,
    targetedShare: 0,
    randomShare: 0,
    seed: 5,
  });
  assert(report.overlaps.violations.length > 0);
  assertEquals(report.overlaps.mostAtOnce, 3);
});

// ---------------------------------------------------------------------------------------------
// Orphaned locks

Deno.test("locks left to their command by a flom killed with SIGKILL: a waiter is queued while the command runs, and granted once it ends", async () => {
  await using dir = new TestDir();
  const report = await orphanRelease(dir.path, 3);
  assertEquals(report.early, 0);
  // How soon the lock goes (≤ 200 ms) is measured by scripts/stress.ts, not asserted here.
  assertEquals(report.releaseMs.length, 3);
});

// ---------------------------------------------------------------------------------------------
// Descriptor exhaustion

Deno.test("out of descriptors (ulimit -n 64), the daemon refuses what it cannot accept, logs it once a second, does not spin, and serves again once descriptors are free", async () => {
  await using dir = new TestDir();
  const report = await exhaustDescriptors(dir.path, { openFiles: 64, windowMs: 1500 });
  assert(report.served > 0 && report.served < 64, `served ${report.served}`);
  assert(report.refused > 0);
  assertEquals(report.unanswered, 0);
  assertEquals(report.windowRefused, report.windowClients);
  assert(report.logLines >= 1, "the refusals are logged");
  assert(
    report.logLines <= Math.floor(report.exhaustedMs / 1000) + 1,
    `${report.logLines} lines in ${report.exhaustedMs} ms`,
  );
  // A spinning accept loop burns a whole core: its CPU time would be close to the window's.
  assert(report.cpuMs < report.windowMs / 2, `${report.cpuMs} ms of CPU`);
  assert(Number.isFinite(report.grantAfterMs));
});

// ---------------------------------------------------------------------------------------------
// The daemon killed

Deno.test("the daemon killed with SIGKILL: waiters and holders exit 99 with the original's messages, and the next client starts a fresh daemon over the stale socket", async () => {
  await using dir = new TestDir();
  const report = await killDaemonUnderClients(dir.path);
  assertEquals(report.clients.length, 6);
  for (const client of report.clients) {
    assertEquals(client.code, 99, client.stderr);
    const message = client.role === "holder" ? HOLDER_MESSAGE : WAITER_MESSAGE;
    assert(client.expectedMessage, `no '${message}' in: ${client.stderr}`);
  }
  assertEquals(report.next, { code: 0, stdout: "fresh\n", stderr: "" });
  assertEquals(report.freshDaemons.length, 1);
  assert(report.freshDaemons[0] !== report.killedPid);
});
