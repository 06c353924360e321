/** Numeric resources `name[N]`: a pool of N units (docs/compatibility.md, "Resources"). */
import type { ResourceName } from "./names.ts";
import { BaseResource, type ResourceRequest } from "./resource.ts";

/** A pool of `total` units; holders and waiters are remembered by their quantity. */
export class NumericResource extends BaseResource<number, number> {
  readonly #total: number;
  #locked = 0;
  // A lower bound of the smallest queued quantity (exact minimum maintenance would need a sorted
  // structure); enough to stop a queue walk once the free units cannot serve any waiter.
  #smallestWaiting = Infinity;

  constructor(name: Extract<ResourceName, { kind: "numeric" }>) {
    super();
    this.#total = name.total;
  }

  protected waiter(_name: ResourceName, request: ResourceRequest): number {
    return request.quantity;
  }

  protected override impossible(quantity: number): boolean {
    return quantity > this.#total;
  }

  protected canGrant(quantity: number): boolean {
    return this.#total - this.#locked >= quantity;
  }

  protected acquire(quantity: number): number {
    this.#locked += quantity;
    return quantity;
  }

  protected free(quantity: number): void {
    this.#locked -= quantity;
  }

  protected override queued(quantity: number, delta: 1 | -1): void {
    if (delta === 1) this.#smallestWaiting = Math.min(this.#smallestWaiting, quantity);
    else if (this.waiting === 0) this.#smallestWaiting = Infinity;
  }

  protected override saturated(): boolean {
    return this.#total - this.#locked < this.#smallestWaiting;
  }
}
