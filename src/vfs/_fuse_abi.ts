/**
 * The binary interface of libfuse3 and libc that the status file system uses: struct layouts,
 * constants, the FFI symbol tables, and the helpers that write C structs. Data only; the mount
 * loop is fuse.ts.
 */

// libfuse3 3.14 (Debian 12 fuse3 3.14.0-4), /usr/include/fuse3/fuse_lowlevel.h with
// FUSE_USE_VERSION 34; offsets checked with offsetof() and sizeof() on x86_64. The ops we use
// have been at these offsets since libfuse 3.0 (the struct only grows at its end).
export const OPS_SIZE = 352; // sizeof(struct fuse_lowlevel_ops): 44 function pointers
// No `forget`: libfuse answers it, and inode numbers need no reference counts (served_tree.ts).
// Ops left out answer ENOSYS (mkdir, unlink, setattr, …), as the original's do.
export const OP = {
  lookup: 16,
  getattr: 32,
  open: 112,
  read: 120,
  release: 144,
  opendir: 160,
  readdir: 168,
  releasedir: 176,
  getxattr: 208,
} as const;
// struct fuse_args { int argc; char **argv; int allocated; }
export const ARGS_SIZE = 24;
// struct fuse_buf { size_t size; enum fuse_buf_flags flags; void *mem; int fd; off_t pos; }
export const BUF_SIZE = 40;
export const BUF_MEM = 16;
// struct fuse_file_info { int32_t flags; unsigned bit fields (writepage 0x1, direct_io 0x2, …);
// uint64_t fh at 16; … }, 40 bytes.
export const FILE_INFO_SIZE = 40;
export const FILE_INFO_FLAGS = 0;
export const FILE_INFO_BITS = 4;
export const FILE_INFO_FH = 16;
export const DIRECT_IO = 0x2;

/**
 * `struct stat` (glibc) and `struct fuse_entry_param { fuse_ino_t ino; uint64_t generation;
 * struct stat attr; double attr_timeout; double entry_timeout; }` per architecture. x86_64 is
 * measured; aarch64 follows the generic kernel layout (asm-generic/stat.h) and is untested.
 */
export interface Layout {
  statSize: number;
  ino: number;
  nlink: [offset: number, bytes: 4 | 8];
  mode: number;
  uid: number;
  gid: number;
  size: number;
  blksize: [offset: number, bytes: 4 | 8];
  blocks: number;
  atime: number;
  mtime: number;
  ctime: number;
}
export const LAYOUTS: Record<"x86_64" | "aarch64", Layout> = {
  x86_64: {
    statSize: 144,
    ino: 8,
    nlink: [16, 8],
    mode: 24,
    uid: 28,
    gid: 32,
    size: 48,
    blksize: [56, 8],
    blocks: 64,
    atime: 72,
    mtime: 88,
    ctime: 104,
  },
  aarch64: {
    statSize: 128,
    ino: 8,
    nlink: [20, 4],
    mode: 16,
    uid: 24,
    gid: 28,
    size: 48,
    blksize: [56, 4],
    blocks: 64,
    atime: 72,
    mtime: 88,
    ctime: 104,
  },
};
export const ENTRY_ATTR = 16;

// Linux values, the same on x86_64 and aarch64.
export const ENOENT = 2;
export const EINTR = 4;
export const EIO = 5;
export const EAGAIN = 11;
export const EACCES = 13;
export const ENOTDIR = 20;
export const EISDIR = 21;
export const ENOTSUP = 95;
export const O_ACCMODE = 3;
export const O_RDONLY = 0;
export const O_NONBLOCK = 0o4000;
export const F_GETFL = 3;
export const F_SETFL = 4;
export const F_OK = 0;
export const EFD_NONBLOCK = 0o4000;
export const EFD_CLOEXEC = 0o2000000;
export const POLLIN = 1;
export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;
export const DIRECTORY_MODE = S_IFDIR | 0o550;
export const DT_DIR = 4;
export const DT_REG = 8;
export const DIRENT_NAME = 24;
export const FILE_MODE = S_IFREG | 0o440;

// Requests handled per wake-up before the loop lets other work (lock traffic) run.
export const BATCH = 64;

// `callback: true` on every call that may run one of our callbacks (op or log) before it returns
// (the log callback is set only around session creation and mount):
// such calls must not take V8's fast path.
export const FUSE_SYMBOLS = {
  fuse_session_new: {
    parameters: ["buffer", "buffer", "usize", "pointer"],
    result: "pointer",
    callback: true,
  },
  fuse_session_mount: { parameters: ["pointer", "buffer"], result: "i32", callback: true },
  fuse_session_fd: { parameters: ["pointer"], result: "i32" },
  fuse_session_receive_buf: { parameters: ["pointer", "buffer"], result: "i32" },
  fuse_session_process_buf: { parameters: ["pointer", "buffer"], result: "void", callback: true },
  fuse_session_unmount: { parameters: ["pointer"], result: "void" },
  fuse_session_destroy: { parameters: ["pointer"], result: "void" },
  fuse_opt_free_args: { parameters: ["buffer"], result: "void" },
  fuse_set_log_func: { parameters: ["function"], result: "void" },
  fuse_reply_err: { parameters: ["pointer", "i32"], result: "i32" },
  fuse_reply_entry: { parameters: ["pointer", "buffer"], result: "i32" },
  fuse_reply_attr: { parameters: ["pointer", "buffer", "f64"], result: "i32" },
  fuse_reply_open: { parameters: ["pointer", "buffer"], result: "i32" },
  fuse_reply_buf: { parameters: ["pointer", "buffer", "usize"], result: "i32" },
} as const;

export const LIBC_SYMBOLS = {
  // Parks on Deno's blocking pool, off the JavaScript thread.
  poll: { parameters: ["buffer", "u64", "i32"], result: "i32", nonblocking: true },
  eventfd: { parameters: ["u32", "i32"], result: "i32" },
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  close: { parameters: ["i32"], result: "i32" },
  // Variadic in C; called with its one int argument.
  fcntl: { parameters: ["i32", "i32", "i32"], result: "i32" },
  free: { parameters: ["pointer"], result: "void" },
  access: { parameters: ["buffer", "i32"], result: "i32" },
  getuid: { parameters: [], result: "u32" },
  getgid: { parameters: [], result: "u32" },
  vsnprintf: { parameters: ["buffer", "usize", "pointer", "pointer"], result: "i32" },
} as const;

export type Fuse = Deno.DynamicLibrary<typeof FUSE_SYMBOLS>["symbols"];
export type Libc = Deno.DynamicLibrary<typeof LIBC_SYMBOLS>["symbols"];
export type FuseRequest = Deno.PointerValue;

// An ArrayBuffer of its own: its memory never moves, so a pointer to it stays valid.
export function bytes(length: number): Uint8Array<ArrayBuffer> {
  return new Uint8Array(new ArrayBuffer(length));
}

export const ENCODER = new TextEncoder();

export function cString(text: string): Uint8Array<ArrayBuffer> {
  const encoded = ENCODER.encode(text);
  const out = bytes(encoded.length + 1);
  out.set(encoded);
  return out;
}

export function handleOf(info: Deno.PointerValue): bigint {
  return info === null ? 0n : new Deno.UnsafePointerView(info).getBigUint64(FILE_INFO_FH);
}

export function setUnsigned(view: DataView, at: number, width: 4 | 8, value: number): void {
  if (width === 8) view.setBigUint64(at, BigInt(value), true);
  else view.setUint32(at, value, true);
}

export function setTime(view: DataView, at: number, ms: number): void {
  const seconds = Math.floor(ms / 1000);
  view.setBigInt64(at, BigInt(seconds), true);
  view.setBigInt64(at + 8, BigInt(Math.round((ms - seconds * 1000) * 1e6)), true);
}
