/**
 * Sequences `_s_name[N]` / `_S_name[N]`: up to N holders at a time, each handed the next value of
 * a counter; the transactional `_S_` kind reuses values whose holder rolled back
 * (docs/compatibility.md, "Resources").
 */
import type { ResourceName } from "./names.ts";
import { BaseResource, type ConnId } from "./resource.ts";

type SequenceName = Extract<ResourceName, { kind: "sequence" }>;

// Values are unsigned 32-bit in the original; after the largest one the counter wraps to 1
// (0 is never handed out).
const LAST_VALUE = 0xffffffff;

/** A sequence; holders are remembered by the value they were given. */
export class SequenceResource extends BaseResource<number, undefined> {
  // The original closes a connection that unlocks a sequence it does not hold.
  override readonly strictUnlock = true;
  readonly #total: number;
  readonly #transactional: boolean;
  #next = 1;
  /** Values given back by a rollback, oldest first (transactional sequences only). */
  #rolledBack: number[] | undefined;

  constructor(name: SequenceName) {
    super();
    this.#total = name.total;
    this.#transactional = name.transactional;
  }

  protected waiter(): undefined {
    return undefined;
  }

  protected canGrant(): boolean {
    return this.holding < this.#total;
  }

  protected acquire(): number {
    const reused = this.#rolledBack?.shift();
    if (reused !== undefined) {
      if (this.#rolledBack!.length === 0) this.#rolledBack = undefined;
      return reused;
    }
    const value = this.#next;
    this.#next = value === LAST_VALUE ? 1 : value + 1;
    return value;
  }

  protected override element(value: number): string {
    return String(value);
  }

  protected free(value: number, rollback: boolean): void {
    if (this.#transactional && rollback) (this.#rolledBack ??= []).push(value);
  }

  protected override saturated(): boolean {
    return !this.canGrant();
  }

  restore(conn: ConnId, element: string): boolean {
    const value = Number(element);
    if (!Number.isInteger(value) || value < 1 || value > LAST_VALUE) return false;
    this.restoreHolder(conn, value);
    return true;
  }

  state(): SequenceState {
    return { next: this.#next, ...(this.#rolledBack ? { rolledBack: [...this.#rolledBack] } : {}) };
  }

  restoreState(state: unknown): void {
    if (!isSequenceState(state)) return;
    this.#next = state.next;
    this.#rolledBack = state.rolledBack?.length ? [...state.rolledBack] : undefined;
  }
}

/** What a sequence remembers besides its holders. */
interface SequenceState {
  next: number;
  rolledBack?: number[];
}

function isSequenceState(state: unknown): state is SequenceState {
  const value = (n: unknown) =>
    Number.isInteger(n) && (n as number) >= 1 && (n as number) <= LAST_VALUE;
  if (typeof state !== "object" || state === null) return false;
  const { next, rolledBack } = state as Partial<SequenceState>;
  return value(next) &&
    (rolledBack === undefined || (Array.isArray(rolledBack) && rolledBack.every(value)));
}
