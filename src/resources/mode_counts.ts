/**
 * Locks counted per lock mode. Simple and hierarchical resources check a request against these
 * six counters instead of against every holder, so thousands of readers cost nothing per grant.
 */
import { isCompatible, type LockMode } from "./lock_mode.ts";

/** How many locks are held (or wanted) in each mode, indexed by `LockMode`. */
export type ModeCounts = number[];

/** Six zero counters. */
export function newModeCounts(): ModeCounts {
  return [0, 0, 0, 0, 0, 0];
}

/** Whether a lock in `mode` is compatible with every lock counted in `counts`. */
export function compatibleWithAll(counts: ModeCounts, mode: LockMode): boolean {
  for (let held = 0; held < 6; held++) {
    if (counts[held]! > 0 && !isCompatible(held, mode)) return false;
  }
  return true;
}

/** Whether some mode counted in `wanted` is compatible with every lock counted in `held`. */
export function anyGrantable(held: ModeCounts, wanted: ModeCounts): boolean {
  for (let mode = 0; mode < 6; mode++) {
    if (wanted[mode]! > 0 && compatibleWithAll(held, mode)) return true;
  }
  return false;
}
