/**
 * The status tree as a file system sees it: inode numbers and the times of each node. Pure (the
 * caller passes the time); src/vfs/fuse.ts answers the kernel's requests from it.
 *
 * A path keeps its inode number while it exists. Numbers are never reused, so the number of a node
 * that is gone can be dropped even while the kernel still refers to it (it sends `forget` only when
 * it evicts its cache, which may be never): the kernel then gets ENOENT for it, and a path that
 * comes back gets a new number. The root is inode 1, as FUSE requires.
 *
 * Nothing is done per node when the tree changes: an inode finds its node again by walking from
 * the root (remembered until the next update), a directory's or file's change shows in its mtime
 * when its attributes are next asked for, and the numbers of nodes that are gone are dropped once
 * the table has doubled.
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
  /** A node of the other kind at the same path is another node. */
  directory: boolean;
  born: number;
  changed: number;
  /** What the node looked like when its times were last brought up to date, and in which tree. */
  shape: string | Uint8Array | undefined;
  shapeGeneration: number;
}

/** The inode number of the root directory. */
export const ROOT_INO = 1;

// The table is swept when it has doubled since the last sweep, and not before it holds this many.
const SWEEP_MIN = 1024;

/** The served tree: the current status tree and the inode numbers given out for it. */
export class ServedTree {
  #tree: StatusDirectory;
  #now: number;
  #generation = 0;
  // Which node each inode is in the current tree; a fresh map per tree, so that no old tree is
  // kept alive by an inode nobody asked about since.
  #resolved = new Map<Inode, StatusNode | null>();
  #root: Inode;
  #byIno = new Map<number, Inode>();
  // Key: parent number, "/", name.
  #byName = new Map<string, Inode>();
  #nextIno = ROOT_INO + 1;
  #sweepAt = SWEEP_MIN;

  /** Serves `tree` (an empty root until the first update), `now` being the current time. */
  constructor(tree: StatusDirectory = { kind: "directory", children: new Map() }, now = 0) {
    this.#tree = tree;
    this.#now = now;
    this.#root = {
      ino: ROOT_INO,
      parent: undefined,
      name: "",
      directory: true,
      born: now,
      changed: now,
      shape: undefined,
      shapeGeneration: -1,
    };
    this.#byIno.set(ROOT_INO, this.#root);
  }

  /** How many inode numbers are assigned (the root included). */
  get inodeCount(): number {
    return this.#byIno.size;
  }

  /**
   * Serves `tree` from now on, `now` being the current time. O(1), except that once the table has
   * doubled (amortised O(1) per number given out) it drops the numbers of nodes that are gone.
   */
  update(tree: StatusDirectory, now: number): void {
    this.#tree = tree;
    this.#now = now;
    this.#generation++;
    this.#resolved = new Map();
    if (this.#byIno.size >= this.#sweepAt) {
      for (const inode of this.#byIno.values()) {
        if (this.#resolve(inode) === undefined) this.#drop(inode);
      }
      this.#sweepAt = Math.max(2 * this.#byIno.size, SWEEP_MIN);
    }
  }

  /** The child `name` of directory `parent`. */
  lookup(parent: number, name: string): NodeAttributes | undefined {
    const directory = this.#byIno.get(parent);
    const node = directory && this.#resolve(directory);
    const child = node?.kind === "directory" ? node.children.get(name) : undefined;
    if (directory === undefined || child === undefined) return undefined;
    return this.attributes(this.#child(directory, name, child).ino);
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
        ino: this.#child(inode, name, child).ino,
        directory: child.kind === "directory",
      });
    }
    return entries;
  }

  #resolve(inode: Inode): StatusNode | undefined {
    const known = this.#resolved.get(inode);
    if (known !== undefined) return known ?? undefined;
    let node: StatusNode | undefined = this.#tree;
    if (inode.parent !== undefined) {
      const parent = this.#resolve(inode.parent);
      node = parent?.kind === "directory" ? parent.children.get(inode.name) : undefined;
      if ((node?.kind === "directory") !== inode.directory) node = undefined;
    }
    this.#resolved.set(inode, node ?? null);
    return node;
  }

  #child(parent: Inode, name: string, node: StatusNode): Inode {
    const key = `${parent.ino}/${name}`;
    let inode = this.#byName.get(key);
    const directory = node.kind === "directory";
    if (inode !== undefined && inode.directory !== directory) {
      this.#drop(inode);
      inode = undefined;
    }
    if (inode === undefined) {
      inode = {
        ino: this.#nextIno++,
        parent,
        name,
        directory,
        born: this.#now,
        changed: this.#now,
        shape: undefined,
        shapeGeneration: -1,
      };
      this.#byName.set(key, inode);
      this.#byIno.set(inode.ino, inode);
    }
    return inode;
  }

  #drop(inode: Inode): void {
    this.#byIno.delete(inode.ino);
    this.#byName.delete(`${inode.parent?.ino}/${inode.name}`);
    this.#resolved.delete(inode);
  }
}

function sameShape(a: string | Uint8Array, b: string | Uint8Array): boolean {
  if (typeof a === "string" || typeof b === "string") return a === b;
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
