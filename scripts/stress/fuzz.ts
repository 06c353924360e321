/**
 * Fuzzing a running daemon: batches of inputs (scripts/stress/fuzz_inputs.ts), each on a
 * connection of its own, many connections at a time; after each batch, the daemon must be alive
 * and a normal client must be granted a lock within the stall limit. A daemon that died is
 * counted, its batch saved for replay, and a new one started.
 */
import { type FuzzInput, FuzzInputs, Random } from "./fuzz_inputs.ts";
import { startTimer } from "../../src/transport/timer.ts";
import { startStressDaemon, type StressDaemon } from "./daemon.ts";
import { probeGrant } from "./probe.ts";

/** What a fuzz run does. */
export interface FuzzOptions {
  /** Inputs in all. */
  inputs: number;
  /** Inputs between two checks of the daemon. @default 10000 */
  batch?: number;
  /** Connections open at a time. @default 200 */
  connections?: number;
  /** The generator's seed. @default a random one */
  seed?: number;
  /** A grant that takes longer than this after a batch is a stall. @default 100 */
  stallMs?: number;
  /** Where a batch that killed the daemon is saved. @default the work directory */
  crashDir?: string;
  progress?: (line: string) => void;
}

/** What a fuzz run found. */
export interface FuzzReport {
  seed: number;
  inputs: number;
  elapsedMs: number;
  deaths: number;
  stalls: number;
  /** The batches' probe latencies: the slowest and the median, ms. */
  slowestGrantMs: number;
  medianGrantMs: number;
  /** Connections the daemon kept open after our half-close for longer than the limit. */
  unclosed: number;
  /** Inputs the daemon answered (a lock answer or a status), sent whole or in pieces. */
  answered: number;
  /** Inputs per family and per delivery. */
  families: Record<string, number>;
  deliveries: Record<string, number>;
  /** Descriptors of the daemon before the first batch and after the last one had ended. */
  descriptorsBefore: number;
  descriptorsAfter: number;
  /** The daemon's resident memory before the first batch and after the last one, KiB. */
  residentBefore: number;
  residentAfter: number;
  /** Files where batches that killed a daemon were saved. */
  crashes: string[];
}

// A connection the daemon has not closed this long after our half-close is reported: every
// input has ended by then (the daemon answers at once, and drops a client that has closed).
const CLOSE_LIMIT_MS = 10000;

/** Fuzzes a daemon started in `dir` (its socket is `dir/fuzz`), then stops it. */
export async function fuzzDaemon(dir: string, options: FuzzOptions): Promise<FuzzReport> {
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 32);
  const batchSize = options.batch ?? 10000;
  const stallMs = options.stallMs ?? 100;
  const socket = `${dir}/fuzz`;
  const generator = new FuzzInputs(seed);
  const report: FuzzReport = {
    seed,
    inputs: 0,
    elapsedMs: 0,
    deaths: 0,
    stalls: 0,
    slowestGrantMs: 0,
    medianGrantMs: 0,
    unclosed: 0,
    answered: 0,
    families: {},
    deliveries: {},
    descriptorsBefore: 0,
    descriptorsAfter: 0,
    residentBefore: 0,
    residentAfter: 0,
    crashes: [],
  };
  const grants: number[] = [];
  let daemon: StressDaemon = await startStressDaemon(socket);
  try {
    report.descriptorsBefore = daemon.openDescriptors();
    report.residentBefore = daemon.residentKiB();
    const start = performance.now();
    for (let batchNumber = 0; report.inputs < options.inputs; batchNumber++) {
      const batch: FuzzInput[] = [];
      for (let i = Math.min(batchSize, options.inputs - report.inputs); i > 0; i--) {
        const input = generator.next();
        batch.push(input);
        report.families[input.family] = (report.families[input.family] ?? 0) + 1;
        report.deliveries[input.delivery] = (report.deliveries[input.delivery] ?? 0) + 1;
      }
      const sent = await sendBatch(socket, batch, {
        connections: options.connections ?? 200,
        daemon,
      });
      report.unclosed += sent.unclosed;
      report.answered += sent.answered;
      report.inputs += batch.length;
      // The daemon must have survived the batch, and must serve a normal client at once.
      const granted = daemon.exited
        ? Infinity
        : await probeGrant(socket, `stall${batchNumber}`).catch(() => Infinity);
      if (daemon.exited) {
        report.deaths++;
        const file = `${options.crashDir ?? dir}/fuzz-crash-${seed}-${batchNumber}.json`;
        saveBatch(file, batch);
        report.crashes.push(file);
        options.progress?.(`the daemon died in batch ${batchNumber}; its inputs are in ${file}`);
        daemon = await startStressDaemon(socket);
        continue;
      }
      grants.push(granted);
      if (granted > stallMs) {
        report.stalls++;
        options.progress?.(`stall after batch ${batchNumber}: grant after ${granted} ms`);
      }
      const elapsed = (performance.now() - start) / 1000;
      options.progress?.(
        `${report.inputs} inputs, ${Math.round(report.inputs / elapsed)}/s, grant ${
          granted.toFixed(2)
        } ms, ${report.deaths} deaths, ${report.stalls} stalls`,
      );
    }
    report.elapsedMs = performance.now() - start;
    report.descriptorsAfter = await settledDescriptors(daemon, report.descriptorsBefore);
    report.residentAfter = daemon.residentKiB();
  } finally {
    await daemon[Symbol.asyncDispose]();
  }
  grants.sort((a, b) => a - b);
  report.slowestGrantMs = grants.at(-1) ?? 0;
  report.medianGrantMs = grants[Math.floor(grants.length / 2)] ?? 0;
  return report;
}

/**
 * Sends every input of `batch` on its own connection, `connections` at a time; resolves once
 * all have ended, with how many the daemon answered and how many it did not close in time.
 */
async function sendBatch(
  socket: string,
  batch: FuzzInput[],
  { connections, daemon }: { connections: number; daemon: StressDaemon },
): Promise<{ answered: number; unclosed: number }> {
  let next = 0;
  let unclosed = 0;
  let answered = 0;
  await Promise.all(Array.from({ length: connections }, async () => {
    const buffer = new Uint8Array(4096);
    while (next < batch.length && !daemon.exited) {
      const input = batch[next++]!;
      let conn: Deno.Conn;
      try {
        conn = await Deno.connect({ transport: "unix", path: socket });
      } catch (error) {
        if (daemon.exited) return;
        // A full backlog refuses a connect (EAGAIN): the input is sent again a little later.
        if (!(error instanceof Deno.errors.WouldBlock)) throw error;
        batch.push(input);
        await new Promise((resolve) => setTimeout(resolve, 10));
        continue;
      }
      const outcome = await deliver(conn, input, buffer);
      if (outcome === "unclosed") unclosed++;
      if (outcome === "answered") answered++;
    }
  }));
  return { answered, unclosed };
}

/**
 * Sends one input as its delivery says, then reads to the end: "answered" when the daemon sent
 * anything, "unclosed" when it left the connection open after our half-close. Errors of a daemon
 * that closed first (reset, broken pipe) are the daemon's right: a misbehaving client is dropped.
 */
async function deliver(
  conn: Deno.Conn,
  input: FuzzInput,
  buffer: Uint8Array,
): Promise<"answered" | "closed" | "unclosed"> {
  let answered = false;
  try {
    try {
      await write(conn, input);
    } catch {
      return "closed"; // by the daemon, while we wrote
    }
    if (input.delivery === "dropped") return "closed";
    try {
      await conn.closeWrite();
    } catch {
      return "closed";
    }
    // A read that never ends is cut by the limit: closing the connection ends it.
    let cut = false;
    const limit = startTimer(CLOSE_LIMIT_MS, () => {
      cut = true;
      conn.close();
    });
    try {
      while ((await conn.read(buffer)) !== null) answered = true;
    } catch {
      // A reset is a close too.
    } finally {
      limit.cancel();
    }
    return cut ? "unclosed" : answered ? "answered" : "closed";
  } finally {
    try {
      conn.close();
    } catch {
      // Closed by the limit.
    }
  }
}

async function write(conn: Deno.Conn, input: FuzzInput): Promise<void> {
  const { bytes } = input;
  if (input.delivery === "bytewise") {
    for (let i = 0; i < bytes.length; i++) await conn.write(bytes.subarray(i, i + 1));
    return;
  }
  if (input.delivery === "pieces") {
    // Sizes that a replay of the saved input repeats.
    const sizes = new Random(bytes.length);
    for (let at = 0; at < bytes.length;) {
      const size = sizes.between(1, 64);
      at += await conn.write(bytes.subarray(at, at + size));
    }
    return;
  }
  for (let at = 0; at < bytes.length;) at += await conn.write(bytes.subarray(at));
}

/** The daemon's descriptors once the connections of the last batch are gone. */
async function settledDescriptors(daemon: StressDaemon, before: number): Promise<number> {
  const deadline = performance.now() + 5000;
  let count = daemon.openDescriptors();
  while (count > before && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    count = daemon.openDescriptors();
  }
  return count;
}

/** Saves a batch for replay: one JSON line per input, bytes in base64. */
function saveBatch(file: string, batch: FuzzInput[]): void {
  const lines = batch.map((input) =>
    JSON.stringify({
      family: input.family,
      delivery: input.delivery,
      bytes: btoa(String.fromCharCode(...input.bytes)),
    })
  );
  Deno.writeTextFileSync(file, lines.join("\n") + "\n");
}
