/**
 * Hierarchical resources `/a/b/c`: one tree per root component; a lock conflicts with locks held on
 * its ancestors, on itself and on its descendants, never with siblings (docs/compatibility.md,
 * "Resources").
 */
import type { LockMode } from "./lock_mode.ts";
import { anyGrantable, compatibleWithAll, type ModeCounts, newModeCounts } from "./mode_counts.ts";
import type { ResourceName } from "./names.ts";
import { BaseResource, type ResourceRequest } from "./resource.ts";

type HierarchicalName = Extract<ResourceName, { kind: "hierarchical" }>;

/** A node of the tree; it exists only while it or a descendant is locked (or it is the root). */
interface Node {
  readonly parent: Node | undefined;
  readonly component: string;
  children: Map<string, Node> | undefined;
  /** Locks held on this node. */
  readonly own: ModeCounts;
  /** Locks held on this node and all its descendants: one look answers "any conflict below?". */
  readonly subtree: ModeCounts;
}

/** A queued request: the path below the root (components[0] is the root) and the mode. */
interface Waiter {
  readonly components: readonly string[];
  readonly mode: LockMode;
}

/** A granted lock, remembered per connection so that a release never depends on a name. */
interface Holder {
  readonly node: Node;
  readonly mode: LockMode;
}

function newNode(parent: Node | undefined, component: string): Node {
  return { parent, component, children: undefined, own: newModeCounts(), subtree: newModeCounts() };
}

function isEmpty(counts: ModeCounts): boolean {
  return counts.every((count) => count === 0);
}

/**
 * The tree of one root component. Unlike the original, which looks a leaving holder up by the
 * last name it saw and can leak the lock, a release finds the holder by connection.
 */
export class HierarchicalResource extends BaseResource<Holder, Waiter> {
  readonly #root: Node;
  #waiting: ModeCounts | undefined;

  constructor(name: HierarchicalName) {
    super();
    this.#root = newNode(undefined, name.components[0]!);
  }

  // The lock table routes only names of this tree here.
  protected waiter(name: HierarchicalName, request: ResourceRequest): Waiter {
    return { components: name.components, mode: request.mode as LockMode };
  }

  protected canGrant({ components, mode }: Waiter): boolean {
    let node = this.#root;
    for (let depth = 1; depth < components.length; depth++) {
      if (!compatibleWithAll(node.own, mode)) return false;
      const child = node.children?.get(components[depth]!);
      // Nothing is locked on the rest of the path nor below it.
      if (child === undefined) return true;
      node = child;
    }
    return compatibleWithAll(node.subtree, mode);
  }

  protected acquire({ components, mode }: Waiter): Holder {
    let node = this.#root;
    for (let depth = 1; depth < components.length; depth++) {
      const component = components[depth]!;
      node.children ??= new Map();
      let child = node.children.get(component);
      if (child === undefined) node.children.set(component, child = newNode(node, component));
      node = child;
    }
    node.own[mode]!++;
    for (let up: Node | undefined = node; up !== undefined; up = up.parent) up.subtree[mode]!++;
    return { node, mode };
  }

  protected free({ node, mode }: Holder): void {
    node.own[mode]!--;
    for (let up: Node | undefined = node; up !== undefined; up = up.parent) up.subtree[mode]!--;
    // Prune the branch that no longer holds anything; the root stays.
    for (let up = node; up.parent !== undefined && isEmpty(up.subtree); up = up.parent) {
      const siblings = up.parent.children!;
      siblings.delete(up.component);
      if (siblings.size === 0) up.parent.children = undefined;
    }
  }

  protected override queued({ mode }: Waiter, delta: 1 | -1): void {
    (this.#waiting ??= newModeCounts())[mode]! += delta;
  }

  // Locks held on the root itself cover every path of the tree, so when they conflict with every
  // waiting mode nobody can be granted (the common "EX on /a, many waiters below" case).
  protected override saturated(): boolean {
    return this.#waiting === undefined || !anyGrantable(this.#root.own, this.#waiting);
  }
}
