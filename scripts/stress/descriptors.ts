/**
 * Descriptor exhaustion: a daemon started under a low `ulimit -n` gets more connections than it
 * has descriptors. It must refuse what it cannot accept (a refused client reads the end of the
 * stream at once instead of waiting unanswered), log that at most once a second, not spin on
 * accept (its CPU time from /proc while exhausted), and serve normally once descriptors are free.
 */
import { awaitAnswer, requestBytes } from "../bench/load.ts";
import { startTimer } from "../../src/transport/timer.ts";
import { startStressDaemon } from "./daemon.ts";
import { probeGrant } from "./probe.ts";

/** What the check does. */
export interface ExhaustionOptions {
  /** The daemon's `ulimit -n`. @default 64 */
  openFiles?: number;
  /** Connections beyond the limit. @default 100 */
  beyond?: number;
  /** How long the daemon stays exhausted while new clients keep coming, ms. @default 2000 */
  windowMs?: number;
  /** One new client every this many ms during the window. @default 20 */
  clientEveryMs?: number;
}

/** What happened to the connections, and what the daemon did. */
export interface ExhaustionReport {
  openFiles: number;
  /** Connections that got their grant, held until the end of the window. */
  served: number;
  /** Connections closed without an answer. */
  refused: number;
  /** Connections neither answered nor closed within the answer limit. */
  unanswered: number;
  /** New clients during the window, and how many of them were refused. */
  windowClients: number;
  windowRefused: number;
  windowMs: number;
  /** The daemon's CPU time during the window, ms (10 ms ticks). */
  cpuMs: number;
  /** The daemon's trace lines about connections it could not accept, over `exhaustedMs`. */
  logLines: number;
  exhaustedMs: number;
  /** The grant of a new client once the served connections have closed, ms. */
  grantAfterMs: number;
}

// A refused client reads the end of the stream at once; a connection left in the listen
// backlog waits for ever. This tells them apart.
const ANSWER_LIMIT_MS = 3000;

/** The daemon's trace line for connections it could not accept (src/daemon/server.ts). */
export const ACCEPT_FAILURE = /cannot accept connections/;

/** Runs the check against a daemon started in `dir`, then stops it. */
export async function exhaustDescriptors(
  dir: string,
  options: ExhaustionOptions = {},
): Promise<ExhaustionReport> {
  const openFiles = options.openFiles ?? 64;
  const windowMs = options.windowMs ?? 2000;
  const trace = `${dir}/exhaustion.trace`;
  await using daemon = await startStressDaemon(`${dir}/exhaustion`, {
    openFiles,
    trace: { file: trace, mask: "0x20" },
  });
  const idle = daemon.openDescriptors();
  const held: Deno.Conn[] = [];
  const report: ExhaustionReport = {
    openFiles,
    served: 0,
    refused: 0,
    unanswered: 0,
    windowClients: 0,
    windowRefused: 0,
    windowMs,
    cpuMs: 0,
    logLines: 0,
    exhaustedMs: 0,
    grantAfterMs: 0,
  };
  try {
    const exhaustedFrom = performance.now();
    const outcomes = await Promise.all(
      Array.from(
        { length: openFiles + (options.beyond ?? 100) },
        (_, i) => attempt(daemon.socket, i),
      ),
    );
    for (const outcome of outcomes) {
      if (outcome === "refused" || outcome === "unanswered") report[outcome]++;
      else {
        report.served++;
        held.push(outcome);
      }
    }
    // Exhausted: new clients keep coming while the daemon's CPU time is measured.
    const cpuBefore = daemon.cpuMs();
    const windowEnd = performance.now() + windowMs;
    const clients: Promise<Deno.Conn | "refused" | "unanswered">[] = [];
    for (let i = 0; performance.now() < windowEnd; i++) {
      clients.push(attempt(daemon.socket, 100000 + i));
      await new Promise((resolve) => setTimeout(resolve, options.clientEveryMs ?? 20));
    }
    report.cpuMs = daemon.cpuMs() - cpuBefore;
    for (const outcome of await Promise.all(clients)) {
      report.windowClients++;
      if (outcome === "refused") report.windowRefused++;
      else if (outcome === "unanswered") report.unanswered++;
      else held.push(outcome);
    }
    report.exhaustedMs = performance.now() - exhaustedFrom;
    report.logLines = Deno.readTextFileSync(trace).split("\n").filter((line) =>
      ACCEPT_FAILURE.test(line)
    ).length;
  } finally {
    for (const conn of held) conn.close();
  }
  // Descriptors are free again once the daemon has seen those connections end.
  while (daemon.openDescriptors() > idle) await new Promise((resolve) => setTimeout(resolve, 10));
  report.grantAfterMs = await probeGrant(daemon.socket, "after");
  return report;
}

/**
 * Connects and asks for a lock of its own: the connection once granted, "refused" when the
 * daemon closed it unanswered, "unanswered" when nothing came within the limit.
 */
async function attempt(socket: string, i: number): Promise<Deno.Conn | "refused" | "unanswered"> {
  let conn: Deno.Conn;
  try {
    conn = await Deno.connect({ transport: "unix", path: socket });
  } catch {
    return "refused"; // the listen backlog is full
  }
  let expired = false;
  const timer = startTimer(ANSWER_LIMIT_MS, () => {
    expired = true;
    conn.close();
  });
  try {
    await conn.write(requestBytes(`fd${i}`).lock);
    await awaitAnswer(conn, new Uint8Array(1024), 0);
    timer.cancel();
    return conn;
  } catch {
    timer.cancel();
    if (expired) return "unanswered";
    try {
      conn.close();
    } catch {
      // Closed already.
    }
    return "refused";
  }
}
