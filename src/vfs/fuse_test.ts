/**
 * The status file system mounted for real: read with the file system calls any program uses.
 * Only asynchronous calls touch the mount: this process serves it on its JavaScript thread.
 */
import { deepStrictEqual, ok, rejects, strictEqual } from "node:assert/strict";
import { fuseAvailable, runsWith, TestDir, waitUntil } from "../../tests/harness.ts";
import type { ResourceStatus, StatusSnapshot } from "../status/snapshot.ts";
import { FuseUnavailableError, mountStatusFs } from "./fuse.ts";

const FUSE = fuseAvailable();
const SINCE = "2024-05-01T10:00:00.000Z";

function snapshot(resources: ResourceStatus[], incubator: StatusSnapshot["incubator"] = []) {
  return {
    version: 1,
    takenAt: SINCE,
    daemon: { pid: 42, startedAt: SINCE },
    resources,
    incubator,
  } as const satisfies StatusSnapshot;
}

const held = { since: SINCE, heldMs: 5 };
const waiting = { since: SINCE, waitingMs: 2 };

const BUSY: ResourceStatus[] = [
  {
    id: 3,
    name: "backup",
    kind: "simple",
    holders: [{ connection: 2, peer: "local", mode: "EX", ...held }],
    waiters: [{ connection: 4, peer: "127.0.0.1/44854", mode: "PR", ...waiting }],
  },
  {
    id: 6,
    name: "_s_seq[3]",
    kind: "sequence",
    holders: [{ connection: 5, peer: "local", element: "1", ...held }],
    waiters: [],
  },
];

/** Every path below `root` (directories with a trailing slash), in the order readdir gives. */
async function tree(root: string, path = ""): Promise<string[]> {
  const paths: string[] = [];
  for await (const entry of Deno.readDir(`${root}${path}`)) {
    const child = `${path}/${entry.name}`;
    if (entry.isDirectory) paths.push(`${child}/`, ...await tree(root, child));
    else paths.push(child);
  }
  return paths;
}

async function mounted(): Promise<string[]> {
  const mounts = await Deno.readTextFile("/proc/mounts");
  return mounts.split("\n").filter((line) => line.startsWith("flom ")).map((line) =>
    line.split(" ")[1]!
  );
}

function mountedSync(): string[] {
  // Synchronous on purpose (for waitUntil): /proc is not the mount this process serves.
  return Deno.readTextFileSync("/proc/mounts").split("\n").filter((line) =>
    line.startsWith("flom ")
  )
    .map((line) => line.split(" ")[1]!);
}

async function mountPointIn(dir: TestDir): Promise<string> {
  const path = `${dir.path}/m`;
  await Deno.mkdir(path);
  return path;
}

Deno.test({
  name: "mountStatusFs() shows the snapshot with the original's layout, modes and contents",
  ignore: !runsWith(FUSE),
  async fn() {
    await using dir = new TestDir();
    const path = await mountPointIn(dir);
    await using fs = await mountStatusFs(path, () => snapshot(BUSY));
    ok((await mounted()).includes(fs.mountPoint));
    deepStrictEqual(await tree(path), [
      "/status/",
      "/status/incubator/",
      "/status/lockers/",
      "/status/lockers/3/",
      "/status/lockers/3/resource_name",
      "/status/lockers/3/resource_type",
      "/status/lockers/3/holders/",
      "/status/lockers/3/holders/2/",
      "/status/lockers/3/holders/2/peer_name",
      "/status/lockers/3/holders/2/lock_mode",
      "/status/lockers/3/waitings/",
      "/status/lockers/3/waitings/4/",
      "/status/lockers/3/waitings/4/peer_name",
      "/status/lockers/3/waitings/4/lock_mode",
      "/status/lockers/6/",
      "/status/lockers/6/resource_name",
      "/status/lockers/6/resource_type",
      "/status/lockers/6/holders/",
      "/status/lockers/6/holders/5/",
      "/status/lockers/6/holders/5/peer_name",
      "/status/lockers/6/holders/5/sequence_value",
      "/status/lockers/6/waitings/",
    ]);
    const read = (name: string) => Deno.readTextFile(`${path}/status/lockers/${name}`);
    deepStrictEqual(
      await Promise.all([
        read("3/resource_name"),
        read("3/resource_type"),
        read("3/holders/2/peer_name"),
        read("3/holders/2/lock_mode"),
        read("3/waitings/4/peer_name"),
        read("3/waitings/4/lock_mode"),
        read("6/resource_type"),
        read("6/holders/5/sequence_value"),
      ]),
      [
        "backup\n",
        "simple\n",
        "localhost/\n",
        "Exclusive",
        "127.0.0.1/44854\n",
        "ProtectedRead",
        "sequence\n",
        "1\n",
      ],
    );
    const directory = await Deno.stat(`${path}/status/lockers/3`);
    const file = await Deno.stat(`${path}/status/lockers/3/holders/2/peer_name`);
    deepStrictEqual(
      [directory.isDirectory, directory.mode! & 0o7777, directory.nlink, directory.size],
      [true, 0o550, 2, 0],
    );
    deepStrictEqual(
      [file.isFile, file.mode! & 0o7777, file.nlink, file.size],
      [true, 0o440, 1, "localhost/\n".length],
    );
    deepStrictEqual([file.uid, file.gid], [Deno.uid(), Deno.gid()]);
    strictEqual((await Deno.stat(path)).ino, 1);
  },
});

Deno.test({
  name: "mountStatusFs() follows the snapshot: a waiter granted, a client incubated, a locker gone",
  ignore: !runsWith(FUSE),
  async fn() {
    await using dir = new TestDir();
    const path = await mountPointIn(dir);
    let current = snapshot(BUSY);
    // No caching anywhere, so that each read below sees the snapshot of that moment.
    await using _fs = await mountStatusFs(path, () => current, { maxAgeMs: 0, cacheSeconds: 0 });
    deepStrictEqual(await tree(`${path}/status/lockers/3`), [
      "/resource_name",
      "/resource_type",
      "/holders/",
      "/holders/2/",
      "/holders/2/peer_name",
      "/holders/2/lock_mode",
      "/waitings/",
      "/waitings/4/",
      "/waitings/4/peer_name",
      "/waitings/4/lock_mode",
    ]);
    current = snapshot(
      [{
        ...BUSY[0]!,
        holders: [{ connection: 4, peer: "127.0.0.1/44854", mode: "PR", ...held }],
        waiters: [],
      }],
      [{ connection: 7, peer: "local", resource: "later", kind: "simple", ...waiting }],
    );
    deepStrictEqual(await tree(`${path}/status`), [
      "/incubator/",
      "/incubator/7/",
      "/incubator/7/peer_name",
      "/incubator/7/resource_name",
      "/incubator/7/resource_type",
      "/lockers/",
      "/lockers/3/",
      "/lockers/3/resource_name",
      "/lockers/3/resource_type",
      "/lockers/3/holders/",
      "/lockers/3/holders/4/",
      "/lockers/3/holders/4/peer_name",
      "/lockers/3/holders/4/lock_mode",
      "/lockers/3/waitings/",
    ]);
    strictEqual(
      await Deno.readTextFile(`${path}/status/lockers/3/holders/4/lock_mode`),
      "ProtectedRead",
    );
    strictEqual(await Deno.readTextFile(`${path}/status/incubator/7/resource_name`), "later\n");
    await rejects(Deno.stat(`${path}/status/lockers/6`), Deno.errors.NotFound);
    await rejects(Deno.stat(`${path}/status/lockers/3/waitings/4`), Deno.errors.NotFound);
  },
});

Deno.test({
  name: "mountStatusFs() refuses writes, reading a directory, extended attributes, unknown names",
  ignore: !runsWith(FUSE),
  async fn() {
    await using dir = new TestDir();
    const path = await mountPointIn(dir);
    await using _fs = await mountStatusFs(path, () => snapshot(BUSY));
    const file = `${path}/status/lockers/3/resource_name`;
    await rejects(Deno.open(file, { write: true }), /os error 13/); // EACCES
    await rejects(Deno.writeTextFile(file, "x"), /os error 13/);
    await rejects(Deno.readFile(`${path}/status`), /os error 21/); // EISDIR
    await rejects(Deno.stat(`${path}/status/nothing`), Deno.errors.NotFound);
    await rejects(Deno.stat(`${path}/status/lockers/3/resource_name/x`), /os error 20/); // ENOTDIR
    // getxattr(2) from another process: no Deno API has it, and this thread serves the mount.
    const probe = await new Deno.Command(Deno.execPath(), {
      args: [
        "eval",
        `const c = Deno.dlopen("libc.so.6", {
          getxattr: { parameters: ["buffer", "buffer", "buffer", "usize"], result: "isize" },
          __errno_location: { parameters: [], result: "pointer" } }).symbols;
        const z = (s) => new TextEncoder().encode(s + "\\0");
        const r = c.getxattr(z(Deno.args[0]), z("user.x"), new Uint8Array(64), 64n);
        console.log(Number(r), new Deno.UnsafePointerView(c.__errno_location()).getInt32());`,
        file,
      ],
    }).output();
    strictEqual(new TextDecoder().decode(probe.stdout), "-1 95\n"); // ENOTSUP
  },
});

Deno.test({
  name: "StatusFs.close() unmounts, also while a file in the mount is open",
  ignore: !runsWith(FUSE),
  async fn() {
    await using dir = new TestDir();
    const path = await mountPointIn(dir);
    await using fs = await mountStatusFs(path, () => snapshot(BUSY));
    using open = await Deno.open(`${path}/status/lockers/3/resource_name`);
    await fs.close();
    await fs.closed;
    ok(!(await mounted()).includes(fs.mountPoint));
    deepStrictEqual(await tree(path), []);
    // What the open file gives now is the kernel's business; it must not hang.
    await open.read(new Uint8Array(16)).catch(() => null);
  },
});

Deno.test({
  name: "StatusFs.closed settles when someone else unmounts the file system",
  ignore: !runsWith(FUSE),
  async fn() {
    await using dir = new TestDir();
    const path = await mountPointIn(dir);
    await using fs = await mountStatusFs(path, () => snapshot([]));
    const unmount = await new Deno.Command("fusermount3", { args: ["-u", path] }).output();
    strictEqual(unmount.code, 0, new TextDecoder().decode(unmount.stderr));
    await fs.closed;
    ok(!(await mounted()).includes(fs.mountPoint));
  },
});

/** Mounts on `path` in another process, then kills that process with SIGKILL. */
async function killServer(path: string, autoUnmount: boolean): Promise<void> {
  const server = new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `const { mountStatusFs } = await import(${JSON.stringify(import.meta.resolve("./fuse.ts"))});
      await mountStatusFs(Deno.args[0], () => { throw new Error("unused"); },
        { autoUnmount: ${autoUnmount} });
      console.log("mounted");`,
      path,
    ],
    stdout: "piped",
  }).spawn();
  const reader = server.stdout.getReader();
  strictEqual(new TextDecoder().decode((await reader.read()).value), "mounted\n");
  server.kill("SIGKILL");
  await server.status;
  reader.releaseLock();
  await server.stdout.cancel();
}

Deno.test({
  name: "mountStatusFs() on a mount left by a killed server says how to remove it",
  ignore: !runsWith(FUSE),
  async fn() {
    await using dir = new TestDir();
    const path = await mountPointIn(dir);
    await killServer(path, false);
    try {
      await rejects(
        mountStatusFs(path, () => snapshot([])),
        (error: Error) => error.message.includes(`'fusermount3 -u ${path}' removes it`),
      );
    } finally {
      await new Deno.Command("fusermount3", { args: ["-u", path] }).output();
    }
  },
});

Deno.test({
  name: "mountStatusFs() with autoUnmount leaves no mount when its server is killed",
  ignore: !runsWith(FUSE),
  async fn() {
    await using dir = new TestDir();
    const path = await mountPointIn(dir);
    await killServer(path, true);
    // fusermount3 unmounts when it sees the server's end of their socket close.
    const mounts: string[] = [];
    await waitUntil(() => {
      mounts.splice(0, mounts.length, ...mountedSync());
      return !mounts.includes(path);
    }, "the mount to go");
    deepStrictEqual(await tree(path), []);
  },
});

Deno.test("mountStatusFs() without libfuse3 says so and points to flom --status", async () => {
  await rejects(
    mountStatusFs("/nonexistent", () => snapshot([]), { library: "libfuse3-absent.so.3" }),
    (error: Error) =>
      error instanceof FuseUnavailableError &&
      error.message.startsWith("Cannot mount the status file system on '/nonexistent': ") &&
      error.message.includes("libfuse3 is not installed") &&
      error.message.endsWith("'flom --status' shows the same information"),
  );
});

Deno.test({
  name: "mountStatusFs() on a path that is no directory rejects and mounts nothing",
  ignore: !runsWith(FUSE),
  async fn() {
    await using dir = new TestDir();
    await Deno.writeTextFile(`${dir.path}/file`, "");
    await rejects(
      mountStatusFs(`${dir.path}/file`, () => snapshot([])),
      /Cannot mount the status file system on '.*\/file': not a directory/,
    );
    await rejects(mountStatusFs(`${dir.path}/none`, () => snapshot([])), /No such file/);
  },
});
