/** Test helpers: a fake clock and request builders for the lock table's tests. */
import { type LockRequestInput, LockTable } from "./lock_table.ts";

/** 2026-01-15T10:20:30.000Z: a fixed start so that no test depends on the real time. */
export const START = Date.UTC(2026, 0, 15, 10, 20, 30);

/** A clock that moves only when told to. */
export class FakeClock {
  time: number;

  constructor(start = START) {
    this.time = start;
  }

  readonly now = (): number => this.time;

  advance(ms: number): void {
    this.time += ms;
  }
}

/** A lock request with the CLI's defaults (EX, 1 unit, wait, create, idle lifespan 0). */
export function request(name: string, fields: Partial<LockRequestInput> = {}): LockRequestInput {
  return { name, mode: 5, quantity: 1, wait: true, create: true, lifespan: 0, ...fields };
}

/** A lock table on a fake clock. */
export function newTable(start = START): { table: LockTable; clock: FakeClock } {
  const clock = new FakeClock(start);
  return { table: new LockTable({ now: clock.now }), clock };
}
