/** The one place that maps each resource kind to its class and to the requests it admits. */
import type { LockRequestInput } from "./lock_table.ts";
import { HierarchicalResource } from "./hierarchical.ts";
import { isLockMode } from "./lock_mode.ts";
import { requestParameter, type ResourceName } from "./names.ts";
import { NumericResource } from "./numeric.ts";
import type { Resource } from "./resource.ts";
import { SequenceResource } from "./sequence.ts";
import { SetResource } from "./set.ts";
import { SimpleResource } from "./simple.ts";
import { TimestampResource } from "./timestamp.ts";

// Mode and quantity are checked only where the kind uses them: the wire carries nothing else
// (a missing quantity reads as 0).
export function admissible(name: ResourceName, request: LockRequestInput): boolean {
  switch (requestParameter(name.kind)) {
    case "mode":
      return isLockMode(request.mode);
    case "quantity":
      return Number.isInteger(request.quantity) && request.quantity >= 1;
    case undefined:
      return true;
  }
}

export function createResource(name: ResourceName, now: () => number): Resource | undefined {
  switch (name.kind) {
    case "simple":
      return new SimpleResource();
    case "numeric":
      return new NumericResource(name);
    case "set":
      return new SetResource(name);
    case "hierarchical":
      return new HierarchicalResource(name);
    case "sequence":
      return new SequenceResource(name);
    case "timestamp":
      return TimestampResource.create(name, now);
  }
}
