/**
 * The kill storm: workers run `flom -r RES -- <critical section>` over and over while a killer
 * sends SIGKILL and SIGTERM to their flom processes, some at random, some while their section
 * runs; then scripts/stress/overlaps.ts proves from the sections' records that the lock kept
 * them apart.
 *
 * The critical section is a bash script of builtins only (no process of its own to start): it
 * appends its start, waits (a timed read on a FIFO nobody writes) and appends its end. A
 * forwarded SIGTERM ends it early, and records that end first. Per operation, the cost is flom's
 * own start (a Deno process) and one bash.
 *
 * A lock released under a running section shows only if another flom is waiting to take it
 * meanwhile: most sections are short, but the killer's targets are long ones, signalled in their
 * first half, by when the other workers' flom runs are queued behind them.
 */
import { checkOverlaps, type OverlapReport, type Section } from "./overlaps.ts";
import { startStressDaemon } from "./daemon.ts";
import { flomCommand } from "./daemon.ts";
import { Random } from "./fuzz_inputs.ts";

/** The signals the killer sends. */
export type KillSignal = "SIGTERM" | "SIGKILL";

/** What a storm does. */
export interface KillStormOptions {
  /** The resource locked, e.g. `MX` or `R[3]`. */
  resource: string;
  /** `-q`, for numeric resources. */
  quantity?: number;
  /** The most sections the lock lets run at once (1, or N for `R[N]` with `-q 1`). */
  limit: number;
  /** flom runs in all, killed or not. */
  operations: number;
  /** Concurrent flom runs. @default 8 */
  workers?: number;
  /** The signals the killer picks from. @default both */
  signals?: KillSignal[];
  /** How long a critical section lasts, ms. @default 5 */
  sectionMs?: number;
  /**
   * The share of runs whose section is long and whose flom the killer signals while it runs.
   * @default 0.1
   */
  targetedShare?: number;
  /** How long a targeted section lasts, ms. @default 300 */
  targetedSectionMs?: number;
  /**
   * The share of flom runs the killer signals at a random moment of their life (starting,
   * waiting, holding, unlocking). @default 0.1
   */
  randomShare?: number;
  seed?: number;
  progress?: (line: string) => void;
  /**
   * The daemons to lock through, one picked at random for each run; they belong to the caller.
   * @default a daemon of the storm's own
   */
  sockets?: readonly string[];
}

/** A flom the storm signalled. */
export interface Kill {
  signal: KillSignal;
  /** µs since the epoch. */
  at: number;
  /** Sent while its section ran (the killer saw its start). */
  targeted: boolean;
}

/** A flom that was not signalled and still did not exit 0. */
export interface UnexpectedExit {
  op: number;
  code: number;
  stderr: string;
}

/** What a storm did and what its records prove. */
export interface KillStormReport {
  resource: string;
  limit: number;
  operations: number;
  elapsedMs: number;
  kills: Record<KillSignal, number>;
  /** Kills sent while the section ran. */
  targetedKills: number;
  /** Exit statuses of the flom runs, killed or not. */
  statuses: Record<string, number>;
  unexpected: UnexpectedExit[];
  /** Whether the storm's own daemon was still running at the end (true with `sockets`). */
  daemonAlive: boolean;
  overlaps: OverlapReport;
  /** The signals sent, by operation, to explain violations. */
  killsByOp: Map<number, Kill>;
}

// The section in bash builtins; $s tells the SIGTERM trap whether a start was written.
const SECTION_SCRIPT = `s=0
trap '[ "$s" = 1 ] && echo "E $EPOCHREALTIME $STRESS_OP $$ term" >> "$STRESS_RECORDS"; exit 143' TERM
s=1
echo "S $EPOCHREALTIME $STRESS_OP $$ $PPID" >> "$STRESS_RECORDS"
read -t "$STRESS_SECTION" <> "$STRESS_FIFO"
echo "E $EPOCHREALTIME $STRESS_OP $$" >> "$STRESS_RECORDS"
`;

// A flom run lives about this long (Deno's start, the wait, the section): random kills fall
// anywhere within it, or after its end, which spares it.
const RANDOM_KILL_WITHIN_MS = 300;

// How often the killer reads the records for sections that have just started.
const WATCH_EVERY_MS = 5;

// Sections still running once every flom has ended (their flom was killed with SIGKILL) end
// within this, or their records stay incomplete.
const ORPHAN_LIMIT_MS = 10000;

/** Runs a storm against a daemon started in `dir`, then stops it. */
export async function killStorm(dir: string, options: KillStormOptions): Promise<KillStormReport> {
  const random = new Random(options.seed ?? Math.floor(Math.random() * 2 ** 32));
  const signals = options.signals ?? ["SIGTERM", "SIGKILL"];
  const sectionMs = options.sectionMs ?? 5;
  const longMs = options.targetedSectionMs ?? 300;
  const tag = options.resource.replace(/\W/g, "");
  const records = `${dir}/records-${tag}`;
  const fifo = `${dir}/fifo-${tag}`;
  Deno.writeTextFileSync(records, "");
  const made = await new Deno.Command("mkfifo", { args: [fifo] }).output();
  if (!made.success) throw new Error(`Cannot make the FIFO '${fifo}'`);
  await using daemon = options.sockets === undefined
    ? await startStressDaemon(`${dir}/storm-${tag}`)
    : undefined;
  const sockets = options.sockets ?? [daemon!.socket];
  // `-d 0`: a flom that finds no daemon fails instead of starting one of its own.
  const commandLine = (socket: string) =>
    flomCommand([
      "-s",
      socket,
      "-d",
      "0",
      "-r",
      options.resource,
      ...(options.quantity === undefined ? [] : ["-q", String(options.quantity)]),
      "--",
      "bash",
      "-c",
      SECTION_SCRIPT,
    ]);
  const env = {
    STRESS_RECORDS: records,
    STRESS_FIFO: fifo,
    LC_ALL: "C",
  };

  const live = new Map<number, Deno.ChildProcess>();
  const killsByOp = new Map<number, Kill>();
  const statuses: Record<string, number> = {};
  const unexpected: UnexpectedExit[] = [];
  const kills: Record<KillSignal, number> = { SIGTERM: 0, SIGKILL: 0 };
  let targetedKills = 0;
  const pendingKills = new Set<Promise<void>>();
  const targets = new Set<number>();
  const stderrReads: Promise<string>[] = [];
  const killLater = (op: number, ms: number, targeted: boolean) => {
    const kill = delay(ms).then(() => signal(op, targeted));
    pendingKills.add(kill);
    kill.then(() => pendingKills.delete(kill));
  };
  const signal = (op: number, targeted: boolean) => {
    const child = live.get(op);
    if (child === undefined || killsByOp.has(op)) return;
    const chosen = random.pick(signals);
    try {
      child.kill(chosen);
    } catch {
      return; // it has just ended
    }
    killsByOp.set(op, { signal: chosen, at: nowMicros(), targeted });
    kills[chosen]++;
    if (targeted) targetedKills++;
  };

  let started = 0;
  let finished = 0;
  let stormOver = false;
  const start = performance.now();
  const workers = Array.from({ length: options.workers ?? 8 }, async () => {
    while (started < options.operations) {
      const op = started++;
      const target = random.chance(options.targetedShare ?? 0.1);
      if (target) targets.add(op);
      const [program, ...flomArgs] = commandLine(random.pick(sockets));
      const child = new Deno.Command(program!, {
        args: flomArgs,
        env: {
          ...env,
          STRESS_OP: String(op),
          STRESS_SECTION: seconds(target ? longMs : sectionMs),
        },
        stdin: "null",
        stdout: "null",
        stderr: "piped",
      }).spawn();
      live.set(op, child);
      if (random.chance(options.randomShare ?? 0.1)) {
        killLater(op, random.below(RANDOM_KILL_WITHIN_MS), false);
      }
      // A section whose flom was killed keeps the pipe open until it ends: read in the background.
      const stderr = new Response(child.stderr).text();
      stderrReads.push(stderr);
      const { code } = await child.status;
      live.delete(op);
      finished++;
      statuses[code] = (statuses[code] ?? 0) + 1;
      if (!killsByOp.has(op) && code !== 0) unexpected.push({ op, code, stderr: await stderr });
      if (finished % 1000 === 0) {
        const rate = finished / ((performance.now() - start) / 1000);
        options.progress?.(
          `${options.resource}: ${finished} runs, ${
            rate.toFixed(1)
          }/s, ${kills.SIGKILL} SIGKILL, ${kills.SIGTERM} SIGTERM`,
        );
      }
    }
  });

  // The killer that signals running sections: it follows the records as they grow.
  const targeted = (async () => {
    using file = await Deno.open(records);
    const buffer = new Uint8Array(65536);
    let partial = "";
    const decoder = new TextDecoder();
    while (!stormOver) {
      const n = await file.read(buffer);
      if (n === null) {
        await delay(WATCH_EVERY_MS);
        continue;
      }
      const lines = (partial + decoder.decode(buffer.subarray(0, n))).split("\n");
      partial = lines.pop()!;
      for (const line of lines) {
        if (!line.startsWith("S ")) continue;
        const op = Number(line.split(" ")[2]);
        // In the first half: the command has much of its section left to run.
        if (targets.delete(op)) killLater(op, random.between(longMs / 10, longMs / 2), true);
      }
    }
  })();

  await Promise.all(workers);
  stormOver = true;
  await Promise.all([targeted, ...pendingKills]);
  const elapsedMs = performance.now() - start;
  const daemonAlive = daemon === undefined || !daemon.exited;
  const overlaps = await settledOverlaps(records, options.limit);
  await Promise.all(stderrReads);
  return {
    resource: options.resource,
    limit: options.limit,
    operations: finished,
    elapsedMs,
    kills,
    targetedKills,
    statuses,
    unexpected,
    daemonAlive,
    overlaps,
    killsByOp,
  };
}

/** The check of the records once the sections of killed flom runs have ended too. */
async function settledOverlaps(records: string, limit: number): Promise<OverlapReport> {
  const deadline = performance.now() + ORPHAN_LIMIT_MS;
  for (;;) {
    const report = checkOverlaps(Deno.readTextFileSync(records), limit);
    if (report.incomplete.length === 0 || performance.now() > deadline) return report;
    await delay(50);
  }
}

/** The violations in words: each section that ran at once with its flom's fate. */
export function describeViolations(report: KillStormReport, most = 10): string[] {
  return report.overlaps.violations.slice(0, most).map((violation) => {
    // Times count from the earliest start among the sections of the violation.
    const origin = Math.min(...violation.sections.map((section) => section.start));
    const describe = (section: Section) => {
      const kill = report.killsByOp.get(section.op);
      const fate = kill === undefined
        ? "flom not signalled"
        : `flom got ${kill.signal} at +${ms(kill.at - origin)}${
          kill.targeted ? " (in section)" : ""
        }`;
      return `op ${section.op} (pid ${section.pid}, flom ${section.ppid}) ran +${
        ms(section.start - origin)
      } to +${ms(section.end! - origin)}${
        section.terminated ? " (ended by SIGTERM)" : ""
      }, ${fate}`;
    };
    return `${violation.sections.length} sections at once (limit ${report.limit}): ${
      violation.sections.map(describe).join("; ")
    }`;
  });
}

function ms(micros: number): string {
  return `${(micros / 1000).toFixed(3)} ms`;
}

function nowMicros(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
