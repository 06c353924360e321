/**
 * The status tree as a file system sees it: inode numbers, the kernel's references to them, and
 * the times of each node. Pure (the caller passes the time); src/vfs/fuse.ts answers the kernel's
 * requests from it.
 *
 * Inode numbers are never reused while the tree is served: a path keeps its number while it exists
 * or while the kernel still refers to it (lookup count above 0, until it sends `forget`), and a
 * path that comes back after that gets a new one. The root is inode 1, as FUSE requires.
 */
import type { StatusDirectory, StatusNode } from "./status_tree.ts";

/** What `stat` shows of a node. */
export interface NodeAttributes {
  ino: number;
  directory: boolean;
  /** Content length; 0 for a directory. */
  size: number;
  /** 2 for a directory, 1 for a file, as in the original. */
  nlink: number;
  /** When the node first appeared, in milliseconds since the epoch. */
  ctimeMs: number;
  /** For a directory, when its children last changed; for a file, when its content did. */
  mtimeMs: number;
}

/** One `readdir` entry. */
export interface DirectoryEntry {
  name: string;
  ino: number;
  directory: boolean;
}

interface Placed {
  node: StatusNode;
  parent: string;
  born: number;
  changed: number;
}

interface Inode {
  ino: number;
  lookups: number;
}

/** The inode number of the root directory. */
export const ROOT_INO = 1;

/** The served tree: the current status tree and the inodes the kernel knows. */
export class ServedTree {
  // Paths are "" for the root and "/status/lockers/3" below it.
  #placed = new Map<string, Placed>();
  #inodes = new Map<string, Inode>([["", { ino: ROOT_INO, lookups: 1 }]]);
  #paths = new Map<number, string>([[ROOT_INO, ""]]);
  #nextIno = ROOT_INO + 1;

  /** Serves `tree` (an empty root until the first update), `now` being the current time. */
  constructor(tree: StatusDirectory = { kind: "directory", children: new Map() }, now = 0) {
    this.update(tree, now);
  }

  /** How many inode numbers are assigned (the root included). */
  get inodeCount(): number {
    return this.#inodes.size;
  }

  /**
   * Serves `tree` from now on. Costs O(tree + assigned inodes); drops the numbers of paths that
   * are gone and that the kernel no longer refers to.
   */
  update(tree: StatusDirectory, now: number): void {
    const previous = this.#placed;
    const placed = new Map<string, Placed>();
    const place = (path: string, node: StatusNode, parent: string) => {
      const before = previous.get(path);
      const born = before?.node.kind === node.kind ? before.born : now;
      const changed = before?.node.kind === node.kind && sameShape(before.node, node)
        ? before.changed
        : now;
      placed.set(path, { node, parent, born, changed });
      if (node.kind === "directory") {
        for (const [name, child] of node.children) place(`${path}/${name}`, child, path);
      }
    };
    place("", tree, "");
    this.#placed = placed;
    for (const [path, inode] of this.#inodes) {
      if (inode.lookups === 0 && !placed.has(path)) {
        this.#inodes.delete(path);
        this.#paths.delete(inode.ino);
      }
    }
  }

  /** The child `name` of directory `parent`, counting one more kernel reference to it. */
  lookup(parent: number, name: string): NodeAttributes | undefined {
    const parentPath = this.#paths.get(parent);
    if (parentPath === undefined || this.#placed.get(parentPath)?.node.kind !== "directory") {
      return undefined;
    }
    const path = `${parentPath}/${name}`;
    if (!this.#placed.has(path)) return undefined;
    const inode = this.#inode(path);
    inode.lookups++;
    return this.attributes(inode.ino);
  }

  /** The kernel dropped `count` references to `ino` (FUSE `forget`). */
  forget(ino: number, count: number): void {
    if (ino === ROOT_INO) return;
    const path = this.#paths.get(ino);
    const inode = path === undefined ? undefined : this.#inodes.get(path);
    if (path === undefined || inode === undefined) return;
    inode.lookups = Math.max(0, inode.lookups - count);
    if (inode.lookups === 0 && !this.#placed.has(path)) {
      this.#inodes.delete(path);
      this.#paths.delete(ino);
    }
  }

  /** The attributes of `ino`, or undefined when its node is gone. */
  attributes(ino: number): NodeAttributes | undefined {
    const path = this.#paths.get(ino);
    const placed = path === undefined ? undefined : this.#placed.get(path);
    if (placed === undefined) return undefined;
    const directory = placed.node.kind === "directory";
    return {
      ino,
      directory,
      size: placed.node.kind === "file" ? placed.node.content.length : 0,
      nlink: directory ? 2 : 1,
      ctimeMs: placed.born,
      mtimeMs: placed.changed,
    };
  }

  /** The node of `ino`, or undefined when it is gone. */
  node(ino: number): StatusNode | undefined {
    const path = this.#paths.get(ino);
    return path === undefined ? undefined : this.#placed.get(path)?.node;
  }

  /** The listing of directory `ino`: `.`, `..`, then its children in order. */
  entries(ino: number): DirectoryEntry[] | undefined {
    const path = this.#paths.get(ino);
    const placed = path === undefined ? undefined : this.#placed.get(path);
    if (path === undefined || placed?.node.kind !== "directory") return undefined;
    const entries: DirectoryEntry[] = [
      { name: ".", ino, directory: true },
      { name: "..", ino: this.#inode(placed.parent).ino, directory: true },
    ];
    for (const [name, child] of placed.node.children) {
      entries.push({
        name,
        ino: this.#inode(`${path}/${name}`).ino,
        directory: child.kind === "directory",
      });
    }
    return entries;
  }

  #inode(path: string): Inode {
    let inode = this.#inodes.get(path);
    if (inode === undefined) {
      inode = { ino: this.#nextIno++, lookups: 0 };
      this.#inodes.set(path, inode);
      this.#paths.set(inode.ino, path);
    }
    return inode;
  }
}

// A directory changes when its list of children does; a file when its content does.
function sameShape(a: StatusNode, b: StatusNode): boolean {
  if (a.kind === "file" && b.kind === "file") {
    return a.content.length === b.content.length &&
      a.content.every((byte, i) => byte === b.content[i]);
  }
  if (a.kind === "directory" && b.kind === "directory") {
    if (a.children.size !== b.children.size) return false;
    const names = b.children.keys();
    for (const name of a.children.keys()) if (names.next().value !== name) return false;
    return true;
  }
  return false;
}
