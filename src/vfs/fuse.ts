/**
 * The `-m DIR` status file system: a read-only FUSE mount that shows a daemon's status tree
 * (src/vfs/status_tree.ts), served through libfuse3's low-level API over Deno FFI.
 *
 * Every FUSE callback runs on the JavaScript thread: a `nonblocking` FFI call to `poll(2)` waits on
 * Deno's blocking thread pool until the FUSE device (or our stop event) is readable, then the loop
 * reads and dispatches the requests synchronously (`fuse_session_receive_buf` on a non-blocking
 * device, `fuse_session_process_buf`), and the op callbacks (plain `Deno.UnsafeCallback`s) reply
 * before they return. Nothing runs while the mount is idle but one parked `poll`.
 *
 * Consequence for the caller: the process that serves the mount must never touch it with a
 * synchronous call (`Deno.statSync(dir)`, a blocking FFI call), or the JavaScript thread waits for
 * itself. Asynchronous file APIs and other processes are fine.
 *
 * Permissions: `--allow-ffi` (stable since Deno 2; no `--unstable-ffi`) and `--allow-read` for the
 * mount point.
 *
 * Longer than most modules: one FUSE session's loop and its op callbacks share the session's
 * state and buffers; the C interface they speak is src/vfs/_fuse_abi.ts.
 */
import {
  ARGS_SIZE,
  BATCH,
  BUF_MEM,
  BUF_SIZE,
  bytes,
  cString,
  DIRECT_IO,
  DIRECTORY_MODE,
  DIRENT_NAME,
  DT_DIR,
  DT_REG,
  EACCES,
  EAGAIN,
  EFD_CLOEXEC,
  EFD_NONBLOCK,
  EINTR,
  EIO,
  EISDIR,
  ENCODER,
  ENOENT,
  ENOTDIR,
  ENOTSUP,
  ENTRY_ATTR,
  F_GETFL,
  F_OK,
  F_SETFL,
  FILE_INFO_BITS,
  FILE_INFO_FH,
  FILE_INFO_FLAGS,
  FILE_INFO_SIZE,
  FILE_MODE,
  type Fuse,
  FUSE_SYMBOLS,
  type FuseRequest,
  handleOf,
  type Layout,
  LAYOUTS,
  type Libc,
  LIBC_SYMBOLS,
  O_ACCMODE,
  O_NONBLOCK,
  O_RDONLY,
  OP,
  OPS_SIZE,
  POLLIN,
  setTime,
  setUnsigned,
} from "./_fuse_abi.ts";
import { buildStatusTree } from "./status_tree.ts";
import { type DirectoryEntry, type NodeAttributes, ServedTree } from "./served_tree.ts";
import type { StatusSnapshot } from "../status/snapshot.ts";

/** Options of {@link mountStatusFs}. */
export interface StatusFsOptions {
  /**
   * How old the served tree may be, in milliseconds, before the requests that come next take a
   * fresh snapshot. 0 takes one for every batch of requests read together; the default bounds the snapshots a `find` over a large tree
   * takes while keeping the view as fresh as the kernel's own caches.
   * @default 100
   */
  maxAgeMs?: number;
  /**
   * How long the kernel may cache names and attributes, in seconds (the original's 1 s).
   * @default 1
   */
  cacheSeconds?: number;
  /**
   * Mount through `fusermount3` with its `auto_unmount` option, so that the mount goes even when
   * this process dies without closing it (SIGKILL, a crash). Without it, such a death leaves
   * "Transport endpoint is not connected" on the directory until `fusermount3 -u DIR`, as with
   * the original. The price: a `fusermount3` process stays beside this one until this one
   * exits, even after `close()`; libfuse keeps its socket open without close-on-exec (children
   * inherit it); and when this process exits it unmounts whatever FUSE file system is mounted
   * on DIR by then.
   * @default false
   */
  autoUnmount?: boolean;
  /**
   * The libfuse3 shared object to load.
   * @default "libfuse3.so.3"
   */
  library?: string;
  /**
   * Called with an error of the snapshot callback or of a request (the request is answered EIO,
   * the previous tree is kept).
   * @default ignores it
   */
  onError?: (error: unknown) => void;
}

/** A mounted status file system; disposing of it unmounts it. */
export interface StatusFs extends AsyncDisposable {
  /** The absolute path of the mount point. */
  readonly mountPoint: string;
  /** Settles when the file system stops being served: closed by us or unmounted by someone. */
  readonly closed: Promise<void>;
  /** Stops serving and unmounts (lazily, if something still uses the mount). Idempotent. */
  close(): Promise<void>;
}

/**
 * The status file system cannot be mounted on this host at all: libfuse3 or `/dev/fuse` is
 * missing, or the platform has no known struct layout. Callers report it and exit 99.
 */
export class FuseUnavailableError extends Error {
  constructor(dir: string, reason: string) {
    super(
      `Cannot mount the status file system on '${dir}': ${reason}; ` +
        `'flom --status' shows the same information`,
    );
    this.name = "FuseUnavailableError";
  }
}

/**
 * Mounts the status file system on `dir` (an existing directory), serving the tree of the
 * snapshots `snapshot` returns, until the returned handle is closed.
 *
 * @throws {FuseUnavailableError} when libfuse3 or `/dev/fuse` is missing.
 * @throws {Error} when `dir` is no directory or the mount fails (the message has libfuse's reason).
 */
export async function mountStatusFs(
  dir: string,
  snapshot: () => StatusSnapshot | Promise<StatusSnapshot>,
  options: StatusFsOptions = {},
): Promise<StatusFs> {
  const layout = LAYOUTS[Deno.build.arch as keyof typeof LAYOUTS];
  if (Deno.build.os !== "linux" || layout === undefined) {
    throw new FuseUnavailableError(dir, `FUSE is not supported on ${Deno.build.target}`);
  }
  const libraryName = options.library ?? "libfuse3.so.3";
  let fuse: Deno.DynamicLibrary<typeof FUSE_SYMBOLS>;
  try {
    fuse = Deno.dlopen(libraryName, FUSE_SYMBOLS);
  } catch (error) {
    // Missing --allow-ffi is the launch's fault, not the host's.
    if (error instanceof Deno.errors.NotCapable) throw error;
    throw new FuseUnavailableError(
      dir,
      `libfuse3 is not installed (${firstLine(error)}; Debian: apt-get install fuse3)`,
    );
  }
  const libc = Deno.dlopen("libc.so.6", LIBC_SYMBOLS);
  let mounted: Mount | undefined;
  try {
    if (libc.symbols.access(cString("/dev/fuse"), F_OK) !== 0) {
      throw new FuseUnavailableError(
        dir,
        "/dev/fuse is missing (no FUSE in this kernel or container)",
      );
    }
    const mountPoint = await directoryPath(dir);
    mounted = new Mount(fuse, libc, layout, mountPoint, snapshot, options);
    mounted.start(dir);
    return mounted;
  } catch (error) {
    if (mounted === undefined) {
      fuse.close();
      libc.close();
    } else await mounted.close();
    throw error;
  }
}

class Mount implements StatusFs {
  readonly mountPoint: string;
  readonly closed: Promise<void>;
  #resolveClosed!: () => void;
  #fuseLibrary: Deno.DynamicLibrary<typeof FUSE_SYMBOLS>;
  #libcLibrary: Deno.DynamicLibrary<typeof LIBC_SYMBOLS>;
  #fuse: Fuse;
  #libc: Libc;
  #layout: Layout;
  #snapshot: () => StatusSnapshot | Promise<StatusSnapshot>;
  #maxAgeMs: number;
  #cacheSeconds: number;
  #autoUnmount: boolean;
  #onError: (error: unknown) => void;
  #uid: number;
  #gid: number;

  #tree = new ServedTree();
  #builtAt = -Infinity;
  #files = new Map<bigint, Uint8Array>();
  #listings = new Map<bigint, DirectoryEntry[]>();
  #nextHandle = 1n;
  // Scratch structs, reused by every request (callbacks never overlap).
  #stat: Uint8Array<ArrayBuffer>;
  #entry: Uint8Array<ArrayBuffer>;
  #info = bytes(FILE_INFO_SIZE);
  #listing = bytes(4096);

  #callbacks: Deno.UnsafeCallback[] = [];
  #session: Deno.PointerValue = null;
  #buf = bytes(BUF_SIZE);
  #stopFd = -1;
  #pollFds = bytes(16);
  #stopping = false;
  #serving: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  // Kept alive while libfuse may read them (argv is read by fuse_session_new only).
  #keep: Uint8Array[] = [];

  constructor(
    fuse: Deno.DynamicLibrary<typeof FUSE_SYMBOLS>,
    libc: Deno.DynamicLibrary<typeof LIBC_SYMBOLS>,
    layout: Layout,
    mountPoint: string,
    snapshot: () => StatusSnapshot | Promise<StatusSnapshot>,
    options: StatusFsOptions,
  ) {
    this.#fuseLibrary = fuse;
    this.#libcLibrary = libc;
    this.#fuse = fuse.symbols;
    this.#libc = libc.symbols;
    this.#layout = layout;
    this.#stat = bytes(layout.statSize);
    this.#entry = bytes(ENTRY_ATTR + layout.statSize + 16);
    this.mountPoint = mountPoint;
    this.#snapshot = snapshot;
    this.#maxAgeMs = options.maxAgeMs ?? 100;
    this.#cacheSeconds = options.cacheSeconds ?? 1;
    this.#autoUnmount = options.autoUnmount ?? false;
    this.#onError = options.onError ?? (() => {});
    this.#uid = libc.symbols.getuid();
    this.#gid = libc.symbols.getgid();
    this.closed = new Promise((resolve) => this.#resolveClosed = resolve);
  }

  /** Creates the session and mounts it, then starts serving. */
  start(dir: string): void {
    const messages: string[] = [];
    const log = new Deno.UnsafeCallback(
      { parameters: ["i32", "pointer", "pointer"], result: "void" },
      (_level, format, args) => {
        const text = bytes(1024);
        const length = this.#libc.vsnprintf(text, BigInt(text.length), format, args);
        messages.push(new TextDecoder().decode(text.subarray(0, Math.min(length, 1023))).trim());
      },
    );
    this.#fuse.fuse_set_log_func(log.pointer);
    try {
      this.#session = this.#newSession();
      if (this.#session === null) {
        throw new Error(`Cannot mount the status file system on '${dir}': ${reason(messages)}`);
      }
      if (this.#fuse.fuse_session_mount(this.#session, cString(this.mountPoint)) !== 0) {
        throw new Error(`Cannot mount the status file system on '${dir}': ${reason(messages)}`);
      }
    } finally {
      // Back to libfuse's own stderr logger before our callback goes.
      this.#fuse.fuse_set_log_func(null);
      log.close();
    }
    const fd = this.#fuse.fuse_session_fd(this.#session);
    // Non-blocking reads: a request can vanish between poll and read (its caller was killed).
    this.#libc.fcntl(fd, F_SETFL, this.#libc.fcntl(fd, F_GETFL, 0) | O_NONBLOCK);
    this.#stopFd = this.#libc.eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    const polls = new DataView(this.#pollFds.buffer);
    polls.setInt32(0, fd, true);
    polls.setInt16(4, POLLIN, true);
    polls.setInt32(8, this.#stopFd, true);
    polls.setInt16(12, POLLIN, true);
    this.#serving = this.#serve();
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #close(): Promise<void> {
    this.#stopping = true;
    if (this.#serving !== undefined) {
      const one = bytes(8);
      one[0] = 1;
      this.#libc.write(this.#stopFd, one, 8n);
      await this.#serving;
    }
    if (this.#session !== null) {
      // Closes the device first (pending requests fail), then unmounts lazily; skips the
      // unmount when someone already did it.
      this.#fuse.fuse_session_unmount(this.#session);
      this.#fuse.fuse_session_destroy(this.#session);
      this.#session = null;
    }
    const mem = new Deno.UnsafePointerView(Deno.UnsafePointer.of(this.#buf)!).getPointer(BUF_MEM);
    if (mem !== null) this.#libc.free(mem);
    if (this.#stopFd !== -1) this.#libc.close(this.#stopFd);
    for (const callback of this.#callbacks) callback.close();
    this.#callbacks = [];
    this.#fuseLibrary.close();
    this.#libcLibrary.close();
    this.#resolveClosed();
  }

  async #serve(): Promise<void> {
    const polls = new DataView(this.#pollFds.buffer);
    try {
      while (!this.#stopping) {
        const ready = await this.#libc.poll(this.#pollFds, 2n, -1);
        if (this.#stopping || (ready > 0 && (polls.getInt16(14, true) & POLLIN) !== 0)) return;
        if (ready <= 0) continue;
        await this.#refresh();
        if (this.#stopping) return;
        if (!this.#drain()) break;
      }
    } catch (error) {
      this.#onError(error);
    }
    // Unmounted from outside, or the device failed: release everything.
    if (!this.#stopping) queueMicrotask(() => void this.close());
  }

  /** Answers the pending requests, at most {@link BATCH}; false when the session has ended. */
  #drain(): boolean {
    for (let handled = 0; handled < BATCH;) {
      const received = this.#fuse.fuse_session_receive_buf(this.#session, this.#buf);
      if (received === -EINTR) continue;
      if (received === -EAGAIN) return true;
      if (received <= 0) return false;
      this.#fuse.fuse_session_process_buf(this.#session, this.#buf);
      handled++;
    }
    return true;
  }

  #newSession(): Deno.PointerValue {
    const ops = bytes(OPS_SIZE);
    const table = new DataView(ops.buffer);
    const install = <const D extends Deno.UnsafeCallbackDefinition>(
      offset: number,
      definition: D,
      handler: Deno.UnsafeCallbackFunction<D["parameters"], D["result"]>,
    ) => {
      const callback = new Deno.UnsafeCallback(definition, handler);
      this.#callbacks.push(callback as unknown as Deno.UnsafeCallback);
      table.setBigUint64(offset, BigInt(Deno.UnsafePointer.value(callback.pointer)), true);
    };
    const reqIno = { parameters: ["pointer", "u64", "pointer"], result: "void" } as const;
    install(
      OP.lookup,
      reqIno,
      (req, parent, name) => this.#answer(req, () => this.#lookup(req, Number(parent), name)),
    );
    install(
      OP.getattr,
      reqIno,
      (req, ino) => this.#answer(req, () => this.#getattr(req, Number(ino))),
    );
    install(
      OP.open,
      reqIno,
      (req, ino, info) => this.#answer(req, () => this.#open(req, Number(ino), info)),
    );
    install(
      OP.read,
      { parameters: ["pointer", "u64", "usize", "i64", "pointer"], result: "void" },
      (req, ino, size, offset, info) =>
        this.#answer(req, () => this.#read(req, Number(ino), Number(size), Number(offset), info)),
    );
    install(OP.release, reqIno, (req, _ino, info) =>
      this.#answer(req, () => {
        this.#files.delete(handleOf(info));
        return this.#fuse.fuse_reply_err(req, 0);
      }));
    install(
      OP.opendir,
      reqIno,
      (req, ino) => this.#answer(req, () => this.#opendir(req, Number(ino))),
    );
    install(
      OP.readdir,
      { parameters: ["pointer", "u64", "usize", "i64", "pointer"], result: "void" },
      (req, _ino, size, offset, info) =>
        this.#answer(req, () => this.#readdir(req, Number(size), Number(offset), info)),
    );
    install(OP.releasedir, reqIno, (req, _ino, info) =>
      this.#answer(req, () => {
        this.#listings.delete(handleOf(info));
        return this.#fuse.fuse_reply_err(req, 0);
      }));
    install(
      OP.getxattr,
      { parameters: ["pointer", "u64", "pointer", "usize"], result: "void" },
      (req) => this.#fuse.fuse_reply_err(req, ENOTSUP),
    );

    const options = `fsname=flom,subtype=flom${this.#autoUnmount ? ",auto_unmount" : ""}`;
    const argv = ["flom", "-o", options].map(cString);
    this.#keep.push(...argv);
    const argvArray = bytes(8 * argv.length);
    const argvView = new DataView(argvArray.buffer);
    argv.forEach((arg, i) =>
      argvView.setBigUint64(
        i * 8,
        BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(arg))),
        true,
      )
    );
    this.#keep.push(argvArray);
    const args = bytes(ARGS_SIZE);
    const argsView = new DataView(args.buffer);
    argsView.setInt32(0, argv.length, true);
    argsView.setBigUint64(
      8,
      BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(argvArray))),
      true,
    );
    const session = this.#fuse.fuse_session_new(args, ops, BigInt(OPS_SIZE), null);
    // Frees whatever copy of argv option parsing made; our own arrays stay ours.
    this.#fuse.fuse_opt_free_args(args);
    return session;
  }

  /** Runs `reply`, which must answer `req`; an exception answers EIO instead. */
  #answer(req: FuseRequest, reply: () => number | void): void {
    try {
      reply();
    } catch (error) {
      this.#onError(error);
      this.#fuse.fuse_reply_err(req, EIO);
    }
  }

  /**
   * Takes a fresh snapshot before a batch of requests when the tree is older than maxAgeMs: the
   * requests of one batch see one tree, and a snapshot that is read elsewhere (an etcd-backed
   * daemon's) is awaited before any of them is answered.
   */
  async #refresh(): Promise<void> {
    const now = performance.now();
    if (now - this.#builtAt < this.#maxAgeMs) return;
    this.#builtAt = now;
    try {
      this.#tree.update(buildStatusTree(await this.#snapshot()), Date.now());
    } catch (error) {
      this.#onError(error);
    }
  }

  #lookup(req: FuseRequest, parent: number, name: Deno.PointerValue): number {
    const attributes = this.#tree.lookup(parent, Deno.UnsafePointerView.getCString(name!));
    if (attributes === undefined) return this.#fuse.fuse_reply_err(req, ENOENT);
    const entry = this.#entry;
    const view = new DataView(entry.buffer);
    view.setBigUint64(0, BigInt(attributes.ino), true);
    this.#fillStat(view, ENTRY_ATTR, attributes);
    view.setFloat64(ENTRY_ATTR + this.#layout.statSize, this.#cacheSeconds, true);
    view.setFloat64(ENTRY_ATTR + this.#layout.statSize + 8, this.#cacheSeconds, true);
    return this.#fuse.fuse_reply_entry(req, entry);
  }

  #getattr(req: FuseRequest, ino: number): number {
    const attributes = this.#tree.attributes(ino);
    if (attributes === undefined) return this.#fuse.fuse_reply_err(req, ENOENT);
    const stat = this.#stat;
    this.#fillStat(new DataView(stat.buffer), 0, attributes);
    return this.#fuse.fuse_reply_attr(req, stat, this.#cacheSeconds);
  }

  #open(req: FuseRequest, ino: number, info: Deno.PointerValue): number {
    const node = this.#tree.node(ino);
    if (node === undefined) return this.#fuse.fuse_reply_err(req, ENOENT);
    if (node.kind === "directory") return this.#fuse.fuse_reply_err(req, EISDIR);
    const flags = new Deno.UnsafePointerView(info!).getInt32(FILE_INFO_FLAGS);
    if ((flags & O_ACCMODE) !== O_RDONLY) return this.#fuse.fuse_reply_err(req, EACCES);
    // The content as of the open, read past the page cache: a reader never sees two versions.
    const handle = this.#nextHandle++;
    this.#files.set(handle, node.content);
    const failed = this.#fuse.fuse_reply_open(req, this.#fileInfo(handle, DIRECT_IO));
    if (failed !== 0) this.#files.delete(handle);
    return failed;
  }

  #read(
    req: FuseRequest,
    ino: number,
    size: number,
    offset: number,
    info: Deno.PointerValue,
  ): number {
    let content = this.#files.get(handleOf(info));
    if (content === undefined) {
      const node = this.#tree.node(ino);
      if (node?.kind !== "file") return this.#fuse.fuse_reply_err(req, ENOENT);
      content = node.content;
    }
    const part = content.subarray(Math.min(offset, content.length), offset + size);
    return this.#fuse.fuse_reply_buf(req, part, BigInt(part.length));
  }

  #opendir(req: FuseRequest, ino: number): number {
    const entries = this.#tree.entries(ino);
    if (entries === undefined) {
      return this.#fuse.fuse_reply_err(req, this.#tree.node(ino) ? ENOTDIR : ENOENT);
    }
    // The listing as of the open: a reader going through it in parts sees one version.
    const handle = this.#nextHandle++;
    this.#listings.set(handle, entries);
    const failed = this.#fuse.fuse_reply_open(req, this.#fileInfo(handle, 0));
    if (failed !== 0) this.#listings.delete(handle);
    return failed;
  }

  #readdir(req: FuseRequest, size: number, offset: number, info: Deno.PointerValue): number {
    const entries = this.#listings.get(handleOf(info));
    if (entries === undefined) return this.#fuse.fuse_reply_err(req, EIO);
    if (this.#listing.length < size) this.#listing = bytes(size);
    const out = this.#listing;
    const view = new DataView(out.buffer);
    let used = 0;
    for (let index = offset; index < entries.length; index++) {
      // struct fuse_dirent (linux/fuse.h, the kernel ABI that fuse_add_direntry() writes):
      // u64 ino, u64 off, u32 namelen, u32 type (DT_*), name, padded to 8 bytes.
      const entry = entries[index]!;
      const name = ENCODER.encode(entry.name);
      const length = (DIRENT_NAME + name.length + 7) & ~7;
      if (used + length > size) break;
      out.fill(0, used, used + length);
      view.setBigUint64(used, BigInt(entry.ino), true);
      view.setBigUint64(used + 8, BigInt(index + 1), true);
      view.setUint32(used + 16, name.length, true);
      view.setUint32(used + 20, entry.directory ? DT_DIR : DT_REG, true);
      out.set(name, used + DIRENT_NAME);
      used += length;
    }
    return this.#fuse.fuse_reply_buf(req, out, BigInt(used));
  }

  #fileInfo(handle: bigint, bits: number): Uint8Array<ArrayBuffer> {
    const view = new DataView(this.#info.buffer);
    view.setUint32(FILE_INFO_BITS, bits, true);
    view.setBigUint64(FILE_INFO_FH, handle, true);
    return this.#info;
  }

  #fillStat(view: DataView, at: number, attributes: NodeAttributes): void {
    const layout = this.#layout;
    view.setBigUint64(at + layout.ino, BigInt(attributes.ino), true);
    setUnsigned(view, at + layout.nlink[0], layout.nlink[1], attributes.nlink);
    view.setUint32(at + layout.mode, attributes.directory ? DIRECTORY_MODE : FILE_MODE, true);
    view.setUint32(at + layout.uid, this.#uid, true);
    view.setUint32(at + layout.gid, this.#gid, true);
    view.setBigInt64(at + layout.size, BigInt(attributes.size), true);
    setUnsigned(view, at + layout.blksize[0], layout.blksize[1], 4096);
    view.setBigInt64(at + layout.blocks, BigInt(Math.ceil(attributes.size / 512)), true);
    setTime(view, at + layout.atime, attributes.mtimeMs);
    setTime(view, at + layout.mtime, attributes.mtimeMs);
    setTime(view, at + layout.ctime, attributes.ctimeMs);
  }
}

async function directoryPath(dir: string): Promise<string> {
  let path: string;
  try {
    path = await Deno.realPath(dir);
    if ((await Deno.stat(path)).isDirectory) return path;
  } catch (error) {
    // What a FUSE mount whose server died leaves behind (ENOTCONN), the original's included.
    const hint = error instanceof Deno.errors.NotConnected
      ? ` (a mount whose server died: 'fusermount3 -u ${dir}' removes it)`
      : "";
    throw new Error(
      `Cannot mount the status file system on '${dir}': ${firstLine(error)}${hint}`,
      { cause: error },
    );
  }
  throw new Error(`Cannot mount the status file system on '${dir}': not a directory`);
}

function reason(messages: string[]): string {
  const text = messages.join("; ").replace(/^fuse: /, "");
  return text === "" ? "libfuse refused it" : text;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0]!;
}
