/**
 * The kill storm's checker (pure): from the records the critical sections wrote, proves that no
 * more than `limit` sections ran at once, or lists the sections that did.
 *
 * Each section appends `S <time> <op> <pid> <ppid>` when it starts and `E <time> <op> <pid>`
 * when it ends (`… term` when a forwarded SIGTERM ended it), times in microseconds of the
 * system's real-time clock as bash's `$EPOCHREALTIME` gives them. A section's end is written
 * before its process exits, and its successor's start after the lock was handed over, so the
 * records of sections that the lock kept apart never intersect.
 */

/** One critical section, as its records tell it. */
export interface Section {
  /** The operation number the storm gave its flom. */
  op: number;
  /** The section's process and its parent (the flom that ran it). */
  pid: number;
  ppid: number;
  /** Microseconds since the epoch. */
  start: number;
  /** Undefined when no end was recorded. */
  end?: number;
  /** Ended by a forwarded SIGTERM. */
  terminated: boolean;
}

/** More than the limit of sections running at one instant. */
export interface Violation {
  /** When the section that exceeded the limit started, µs since the epoch. */
  at: number;
  /** The sections running at that instant, the one that started last at the end. */
  sections: Section[];
}

/** What the records prove. */
export interface OverlapReport {
  /** Sections with a start and an end. */
  sections: number;
  /** Sections that recorded a start but no end (their process died unrecorded). */
  incomplete: Section[];
  /** Ends without a start: a SIGTERM that came before the start was written. */
  endsWithoutStart: number;
  /** The most sections that ran at once. */
  mostAtOnce: number;
  violations: Violation[];
}

/** Reads the records; malformed lines throw (a torn write would be a finding in itself). */
export function parseSections(records: string): { sections: Section[]; endsWithoutStart: number } {
  const byOp = new Map<number, Section>();
  let endsWithoutStart = 0;
  for (const [index, line] of records.split("\n").entries()) {
    if (line === "") continue;
    const fields = line.split(" ");
    const [kind, time, op, pid] = fields;
    const start = kind === "S" && fields.length === 5;
    const end = kind === "E" &&
      (fields.length === 4 || (fields.length === 5 && fields[4] === "term"));
    if (!(start || end) || !/^\d+\.\d{6}$/.test(time!) || !/^\d+$/.test(op!)) {
      throw new SyntaxError(`Cannot read the records: line ${index + 1} is '${line}'`);
    }
    const micros = Number(time!.replace(".", ""));
    const section = byOp.get(Number(op));
    if (start) {
      byOp.set(Number(op), {
        op: Number(op),
        pid: Number(pid),
        ppid: Number(fields[4]),
        start: micros,
        terminated: false,
      });
    } else if (section === undefined) {
      endsWithoutStart++;
    } else if (section.end === undefined) {
      // The first end counts: a SIGTERM right after the normal end writes a second one.
      section.end = micros;
      section.terminated = fields[4] === "term";
    }
  }
  return { sections: [...byOp.values()], endsWithoutStart };
}

/** Checks that at most `limit` sections of `records` ran at any instant. */
export function checkOverlaps(records: string, limit: number): OverlapReport {
  const { sections, endsWithoutStart } = parseSections(records);
  const complete = sections.filter((section) => section.end !== undefined);
  // Ends sort before starts at the same microsecond: touching sections do not overlap.
  const events = complete.flatMap((section) => [
    { time: section.start, starts: true, section },
    { time: section.end!, starts: false, section },
  ]).sort((a, b) => a.time - b.time || Number(a.starts) - Number(b.starts));
  const running = new Set<Section>();
  const violations: Violation[] = [];
  let mostAtOnce = 0;
  for (const event of events) {
    if (!event.starts) {
      running.delete(event.section);
      continue;
    }
    running.add(event.section);
    mostAtOnce = Math.max(mostAtOnce, running.size);
    if (running.size > limit) violations.push({ at: event.time, sections: [...running] });
  }
  return {
    sections: complete.length,
    incomplete: sections.filter((section) => section.end === undefined),
    endsWithoutStart,
    mostAtOnce,
    violations,
  };
}
