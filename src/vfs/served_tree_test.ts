import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { ROOT_INO, ServedTree } from "./served_tree.ts";
import type { StatusDirectory, StatusNode } from "./status_tree.ts";

// A Map, not an object: an object lists integer-like keys in numeric order.
function dir(children: Record<string, StatusNode> | Map<string, StatusNode>): StatusDirectory {
  return {
    kind: "directory",
    children: children instanceof Map ? children : new Map(Object.entries(children)),
  };
}

function file(text: string): StatusNode {
  return { kind: "file", content: new TextEncoder().encode(text) };
}

function lockers(ids: number[]): StatusDirectory {
  const entries = new Map<string, StatusNode>();
  for (const id of ids) entries.set(String(id), dir({ resource_name: file(`r${id}\n`) }));
  return dir({ status: dir({ lockers: dir(entries) }) });
}

function walk(tree: ServedTree, ...names: string[]): number | undefined {
  let ino: number | undefined = ROOT_INO;
  for (const name of names) {
    if (ino === undefined) return undefined;
    ino = tree.lookup(ino, name)?.ino;
  }
  return ino;
}

Deno.test("ServedTree.lookup() finds a path and gives it the same number every time", () => {
  const tree = new ServedTree(lockers([3]), 1000);
  const first = walk(tree, "status", "lockers", "3", "resource_name");
  ok(first !== undefined && first > ROOT_INO);
  strictEqual(walk(tree, "status", "lockers", "3", "resource_name"), first);
  deepStrictEqual(tree.attributes(first), {
    ino: first,
    directory: false,
    size: 3,
    nlink: 1,
    ctimeMs: 1000,
    mtimeMs: 1000,
  });
  strictEqual(walk(tree, "status", "nothing"), undefined);
  strictEqual(walk(tree, "status", "lockers", "3", "resource_name", "below"), undefined);
});

Deno.test("ServedTree.entries() lists dot, dot-dot and the children in order", () => {
  const tree = new ServedTree(lockers([5, 2, 9]), 0);
  const ids = walk(tree, "status", "lockers")!;
  const status = walk(tree, "status")!;
  const entries = tree.entries(ids)!;
  deepStrictEqual(entries.map((e) => e.name), [".", "..", "5", "2", "9"]);
  deepStrictEqual(entries.slice(0, 2).map((e) => e.ino), [ids, status]);
  ok(entries.every((e) => e.directory));
  strictEqual(tree.entries(ROOT_INO)![1]!.ino, ROOT_INO);
  strictEqual(tree.entries(walk(tree, "status", "lockers", "5", "resource_name")!), undefined);
  // An entry's number is the one a later lookup gives.
  strictEqual(walk(tree, "status", "lockers", "9"), entries[4]!.ino);
});

Deno.test("ServedTree.update() keeps times of unchanged nodes and bumps a directory's mtime", () => {
  const tree = new ServedTree(lockers([3]), 1000);
  const ids = walk(tree, "status", "lockers")!;
  const three = walk(tree, "status", "lockers", "3")!;
  tree.update(lockers([3]), 2000);
  deepStrictEqual([tree.attributes(ids)!.mtimeMs, tree.attributes(three)!.mtimeMs], [1000, 1000]);
  tree.update(lockers([3, 4]), 3000);
  deepStrictEqual(tree.attributes(ids), {
    ino: ids,
    directory: true,
    size: 0,
    nlink: 2,
    ctimeMs: 1000,
    mtimeMs: 3000,
  });
  strictEqual(tree.attributes(walk(tree, "status", "lockers", "4")!)!.ctimeMs, 3000);
});

Deno.test("ServedTree answers nothing for a gone node and gives its path a new number on return", () => {
  const tree = new ServedTree(lockers([3]), 0);
  const three = walk(tree, "status", "lockers", "3")!;
  const name = walk(tree, "status", "lockers", "3", "resource_name")!;
  tree.update(lockers([]), 1);
  deepStrictEqual([tree.attributes(three), tree.node(name), tree.entries(three)], [
    undefined,
    undefined,
    undefined,
  ]);
  // Until a sweep the number stays; a path that comes back after one is another node.
  tree.update(lockers([3]), 2);
  strictEqual(walk(tree, "status", "lockers", "3"), three);
  for (let round = 0; round < 2000; round++) {
    tree.update(lockers([round + 10]), round);
    walk(tree, "status", "lockers", String(round + 10), "resource_name");
  }
  tree.update(lockers([3]), 3);
  const again = walk(tree, "status", "lockers", "3")!;
  ok(again > three, "a new number");
  strictEqual(tree.attributes(three), undefined);
});

Deno.test("ServedTree.update() in time drops the numbers of gone nodes, looked up or not", () => {
  const tree = new ServedTree(lockers([]), 0);
  const ids = walk(tree, "status", "lockers")!;
  for (let round = 0; round < 5000; round++) {
    tree.update(lockers([round, round + 10000]), round);
    tree.entries(ids);
    walk(tree, "status", "lockers", String(round), "resource_name");
  }
  // 15,000 numbers given out; the table stays within twice what is live, or the sweep minimum.
  ok(tree.inodeCount <= 1024, `${tree.inodeCount} numbers kept`);
  strictEqual(walk(tree, "status", "lockers", "4999"), tree.entries(ids)![2]!.ino);
});
