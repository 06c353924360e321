/** Simple resources: DLM lock modes and their compatibility matrix (docs/compatibility.md, "Resources"). */
import type { LockMode } from "./lock_mode.ts";
import { anyGrantable, compatibleWithAll, type ModeCounts, newModeCounts } from "./mode_counts.ts";
import type { ResourceName } from "./names.ts";
import { BaseResource, type ResourceRequest } from "./resource.ts";

/** A simple resource: a request is granted iff its mode is compatible with every holder's. */
export class SimpleResource extends BaseResource<LockMode, LockMode> {
  readonly #held: ModeCounts = newModeCounts();
  #waiting: ModeCounts | undefined;

  protected waiter(_name: ResourceName, request: ResourceRequest): LockMode {
    return request.mode as LockMode;
  }

  protected canGrant(mode: LockMode): boolean {
    return compatibleWithAll(this.#held, mode);
  }

  protected acquire(mode: LockMode): LockMode {
    this.#held[mode]!++;
    return mode;
  }

  protected free(mode: LockMode): void {
    this.#held[mode]!--;
  }

  protected override queued(mode: LockMode, delta: 1 | -1): void {
    (this.#waiting ??= newModeCounts())[mode]! += delta;
  }

  protected override saturated(): boolean {
    return this.#waiting === undefined || !anyGrantable(this.#held, this.#waiting);
  }
}
