/** Resource sets `a.b.c`: each member is lent to one holder at a time (docs/compatibility.md, "Resources"). */
import type { ResourceName } from "./names.ts";
import { BaseResource, type ConnId } from "./resource.ts";

/**
 * A set of members handed out round-robin. Holders are remembered by the slot they hold;
 * duplicate member names are distinct slots.
 */
export class SetResource extends BaseResource<number, undefined> {
  readonly #elements: readonly string[];
  readonly #taken: Uint8Array;
  #index = 0;

  constructor(name: Extract<ResourceName, { kind: "set" }>) {
    super();
    this.#elements = name.elements;
    this.#taken = new Uint8Array(name.elements.length);
  }

  protected waiter(): undefined {
    return undefined;
  }

  protected canGrant(): boolean {
    return this.holding < this.#elements.length;
  }

  protected acquire(): number {
    const length = this.#elements.length;
    let slot = this.#index;
    while (this.#taken[slot] === 1) slot = (slot + 1) % length;
    this.#taken[slot] = 1;
    // The original advances the scan start by one per grant, not to the slot after the chosen
    // one: red.green.blue with green freed serves green next, then restarts from green.
    this.#index = (this.#index + 1) % length;
    return slot;
  }

  protected override element(slot: number): string {
    return this.#elements[slot]!;
  }

  protected free(slot: number): void {
    this.#taken[slot] = 0;
  }

  restore(conn: ConnId, element: string): boolean {
    // Duplicate member names are distinct slots: the first free one with that name.
    const slot = this.#elements.findIndex((name, i) => name === element && this.#taken[i] === 0);
    if (slot === -1) return false;
    this.#taken[slot] = 1;
    this.restoreHolder(conn, slot);
    return true;
  }

  protected override saturated(): boolean {
    return !this.canGrant();
  }
}
