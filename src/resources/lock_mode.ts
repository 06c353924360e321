/** The six DLM lock modes of simple and hierarchical resources; the value is the wire value. */
export enum LockMode {
  NullLock = 0,
  ConcurrentRead = 1,
  ConcurrentWrite = 2,
  ProtectedRead = 3,
  ProtectedWrite = 4,
  Exclusive = 5,
}

/** Short names in wire-value order, as printed in help and error texts. */
export const LOCK_MODE_SHORT_NAMES = ["NL", "CR", "CW", "PR", "PW", "EX"] as const;

// compatible[held][requested], symmetric; the original's matrix (resources.md B.1).
const COMPATIBLE: readonly (readonly boolean[])[] = [
  [true, true, true, true, true, true],
  [true, true, true, true, true, false],
  [true, true, true, false, false, false],
  [true, true, false, true, false, false],
  [true, true, false, false, false, false],
  [true, false, false, false, false, false],
];

/** Whether a lock in mode `requested` can coexist with a lock held in mode `held`. */
export function isCompatible(held: LockMode, requested: LockMode): boolean {
  return COMPATIBLE[held]?.[requested] ?? false;
}

/** Whether a number received from the wire names a lock mode. */
export function isLockMode(value: number): value is LockMode {
  return Number.isInteger(value) && value >= 0 && value <= 5;
}
