/**
 * The status tree as a file system sees it: inode numbers, the kernel's references to them, and
 * the times of each node. Pure (the caller passes the time); src/vfs/fuse.ts answers the kernel's
 * requests from it.
 *
 * Inode numbers are never reused while the tree is served: a path keeps its number while it exists
 * or while the kernel still refers to it (lookup count above 0, until it sends `forget`), and a
 * path that comes back after that gets a new one. The root is inode 1, as FUSE requires.
 *
 * Nothing is done per node when the tree changes: an inode finds its node again by walking from
 * the root (remembered until the next update), and a directory's or file's change shows in its
 * mtime when its attributes are next asked for.
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
  /** When the served tree first showed the node, in milliseconds since the epoch. */
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

interface Inode {
  ino: number;
  /** Undefined for the root. */
  parent: Inode | undefined;
  name: string;
  /** The kernel's references (FUSE lookup count). */
  lookups: number;
  born: number;
  changed: number;
  /** What the node looked like when its times were last brought up to date, and in which tree. */
  shape: string | Uint8Array | undefined;
  shapeGeneration: number;
  /** The node in the tree of generation `generation`. */
  node: StatusNode | undefined;
  generation: number;
}

/** The inode number of the root directory. */
export const ROOT_INO = 1;

// Unreachable inodes are swept when the table has grown this much since the last sweep.
const SWEEP_SLACK = 1024;

/** The served tree: the current status tree and the inodes the kernel knows. */
export class ServedTree {
  #tree: StatusDirectory;
  #now: number;
  #generation = 0;
  #root: Inode;
  #byIno = new Map<number, Inode>();
  // Key: parent number, "/", name.
  #byName = new Map<string, Inode>();
  #nextIno = ROOT_INO + 1;
  #sweepAt = SWEEP_SLACK;

  /** Serves `tree` (an empty root until the first update), `now` being the current time. */
  constructor(tree: StatusDirectory = { kind: "directory", children: new Map() }, now = 0) {
    this.#tree = tree;
    this.#now = now;
    this.#root = {
      ino: ROOT_INO,
      parent: undefined,
      name: "",
      lookups: 1,
      born: now,
      changed: now,
      shape: undefined,
      shapeGeneration: -1,
      node: tree,
      generation: 0,
    };
    this.#byIno.set(ROOT_INO, this.#root);
  }

  /** How many inode numbers are assigned (the root included). */
  get inodeCount(): number {
    return this.#byIno.size;
  }

  /**
   * Serves `tree` from now on, `now` being the current time. O(1), except that once in a while
   * (amortised O(1) per inode ever assigned) it drops the numbers of nodes that are gone and that
   * the kernel no longer refers to.
   */
  update(tree: StatusDirectory, now: number): void {
    this.#tree = tree;
    this.#now = now;
    this.#generation++;
    if (this.#byIno.size >= this.#sweepAt) {
      for (const inode of this.#byIno.values()) {
        if (inode.lookups === 0 && this.#resolve(inode) === undefined) this.#drop(inode);
      }
      this.#sweepAt = this.#byIno.size + SWEEP_SLACK;
    }
  }

  /** The child `name` of directory `parent`, counting one more kernel reference to it. */
  lookup(parent: number, name: string): NodeAttributes | undefined {
    const directory = this.#byIno.get(parent);
    const node = directory && this.#resolve(directory);
    if (directory === undefined || node?.kind !== "directory" || !node.children.has(name)) {
      return undefined;
    }
    const inode = this.#child(directory, name);
    inode.lookups++;
    return this.attributes(inode.ino);
  }

  /** The kernel dropped `count` references to `ino` (FUSE `forget`). */
  forget(ino: number, count: number): void {
    const inode = this.#byIno.get(ino);
    if (inode === undefined || inode === this.#root) return;
    inode.lookups = Math.max(0, inode.lookups - count);
    if (inode.lookups === 0 && this.#resolve(inode) === undefined) this.#drop(inode);
  }

  /** The attributes of `ino`, or undefined when its node is gone. */
  attributes(ino: number): NodeAttributes | undefined {
    const inode = this.#byIno.get(ino);
    const node = inode && this.#resolve(inode);
    if (inode === undefined || node === undefined) return undefined;
    if (inode.shapeGeneration !== this.#generation) {
      const shape = node.kind === "file" ? node.content : [...node.children.keys()].join("/");
      if (inode.shape !== undefined && !sameShape(inode.shape, shape)) inode.changed = this.#now;
      inode.shape = shape;
      inode.shapeGeneration = this.#generation;
    }
    const directory = node.kind === "directory";
    return {
      ino,
      directory,
      size: node.kind === "file" ? node.content.length : 0,
      nlink: directory ? 2 : 1,
      ctimeMs: inode.born,
      mtimeMs: inode.changed,
    };
  }

  /** The node of `ino`, or undefined when it is gone. */
  node(ino: number): StatusNode | undefined {
    const inode = this.#byIno.get(ino);
    return inode && this.#resolve(inode);
  }

  /** The listing of directory `ino`: `.`, `..`, then its children in order. */
  entries(ino: number): DirectoryEntry[] | undefined {
    const inode = this.#byIno.get(ino);
    const node = inode && this.#resolve(inode);
    if (inode === undefined || node?.kind !== "directory") return undefined;
    const entries: DirectoryEntry[] = [
      { name: ".", ino, directory: true },
      { name: "..", ino: (inode.parent ?? inode).ino, directory: true },
    ];
    for (const [name, child] of node.children) {
      entries.push({
        name,
        ino: this.#child(inode, name).ino,
        directory: child.kind === "directory",
      });
    }
    return entries;
  }

  #resolve(inode: Inode): StatusNode | undefined {
    if (inode.generation !== this.#generation) {
      if (inode.parent === undefined) inode.node = this.#tree;
      else {
        const parent = this.#resolve(inode.parent);
        const node = parent?.kind === "directory" ? parent.children.get(inode.name) : undefined;
        // A node whose kind changed is another node.
        const same = node !== undefined &&
          (inode.node === undefined || node.kind === inode.node.kind);
        inode.node = same ? node : undefined;
      }
      inode.generation = this.#generation;
    }
    return inode.node;
  }

  #child(parent: Inode, name: string): Inode {
    const key = `${parent.ino}/${name}`;
    let inode = this.#byName.get(key);
    if (inode === undefined) {
      inode = {
        ino: this.#nextIno++,
        parent,
        name,
        lookups: 0,
        born: this.#now,
        changed: this.#now,
        shape: undefined,
        shapeGeneration: -1,
        node: undefined,
        generation: -1,
      };
      this.#byName.set(key, inode);
      this.#byIno.set(inode.ino, inode);
    }
    return inode;
  }

  #drop(inode: Inode): void {
    this.#byIno.delete(inode.ino);
    this.#byName.delete(`${inode.parent?.ino}/${inode.name}`);
  }
}

function sameShape(a: string | Uint8Array, b: string | Uint8Array): boolean {
  if (typeof a === "string" || typeof b === "string") return a === b;
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
