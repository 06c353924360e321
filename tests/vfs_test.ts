/**
 * End-to-end tests of `-m DIR`: a daemon started with it shows its status as the original's
 * read-only file system, kept in step with the lock table, and unmounts it when it exits.
 */
import assert from "node:assert/strict";
import { enqueue, fuseAvailable, hold, release, runsWith, TestDir, waitUntil } from "./harness.ts";

const FUSE = runsWith(fuseAvailable());

function mounted(dir: string): boolean {
  return Deno.readTextFileSync("/proc/self/mounts").split("\n").some((line) =>
    line.split(" ")[1] === dir
  );
}

/** Every path below `root`, as `find` lists them (directories first, then their entries). */
async function find(root: string, path = ""): Promise<string[]> {
  const paths: string[] = [];
  for await (const entry of Deno.readDir(`${root}${path}`)) {
    const child = `${path}/${entry.name}`;
    paths.push(child, ...(entry.isDirectory ? await find(root, child) : []));
  }
  return paths;
}

Deno.test({
  name:
    "flom -m DIR shows holders, waiters and waiting-for-creation requests as files, and unmounts at -X",
  ignore: !FUSE,
  async fn() {
    await using dir = new TestDir();
    const mount = `${dir.path}/vfs`;
    await Deno.mkdir(mount);
    const holder = await hold(dir, ["-m", mount, "-d", "-1", "-r", "backup", "-l", "PR"]);
    assert.ok(mounted(mount));
    const waiter = await enqueue(dir, ["-r", "backup", "--", "true"]);
    const pool = await hold(dir, ["-r", "pool[5]", "-q", "2"]);
    const parked = dir.spawn([...dir.endpoint, "-r", "later", "-e", "no", "--", "true"], {
      env: { FLOM_TRACE_MASK: "0x8" },
    });
    await parked.waitFor(/step=16 rc=2 /, "stderr");

    const paths = await find(mount);
    for (
      const name of [
        "incubator",
        "lockers",
        "holders",
        "waitings",
        "resource_name",
        "resource_type",
      ]
    ) {
      assert.ok(paths.some((path) => path.endsWith(`/${name}`)), `${name} in ${paths.join(" ")}`);
    }
    const read = (path: string) => Deno.readTextFile(`${mount}${path}`);
    const lockers = paths.filter((path) => /^\/status\/lockers\/\d+$/.test(path));
    const byName = new Map<string, string>();
    for (const locker of lockers) byName.set(await read(`${locker}/resource_name`), locker);
    const backup = byName.get("backup\n")!;
    assert.equal(await read(`${backup}/resource_type`), "simple\n");
    const [held] = paths.filter((path) =>
      path.startsWith(`${backup}/holders/`) && path.endsWith("/lock_mode")
    );
    assert.equal(await read(held!), "ProtectedRead");
    const [queued] = paths.filter((path) =>
      path.startsWith(`${backup}/waitings/`) && path.endsWith("/peer_name")
    );
    assert.equal(await read(queued!), "localhost/\n");
    const numeric = byName.get("pool[5]\n")!;
    const [quantity] = paths.filter((path) =>
      path.startsWith(`${numeric}/holders/`) && path.endsWith("/quantity")
    );
    assert.equal(await read(quantity!), "2\n");
    const [incubated] = paths.filter((path) =>
      /^\/status\/incubator\/\d+\/resource_name$/.test(path)
    );
    assert.equal(await read(incubated!), "later\n");
    await assert.rejects(Deno.writeTextFile(`${mount}${backup}/resource_name`, "x"));

    await release(holder);
    assert.equal((await waiter.result()).code, 0);
    await release(pool);
    parked.child.kill("SIGTERM");
    await parked.result();

    const stop = await dir.run([...dir.endpoint, "-X"]);
    assert.equal(stop.code, 0, stop.stderr);
    await waitUntil(() => dir.daemonPids().length === 0, "the daemon to exit");
    assert.ok(!mounted(mount), "the daemon unmounts at -X");
    assert.deepEqual([...Deno.readDirSync(mount)], []);
  },
});

Deno.test({
  name: "a daemon with MountPointVFS in ~/.flom unmounts when it stops at the end of its lifespan",
  ignore: !FUSE,
  async fn() {
    await using dir = new TestDir();
    const mount = `${dir.path}/vfs`;
    await Deno.mkdir(mount);
    await Deno.writeTextFile(`${dir.path}/.flom`, `[Daemon]\nMountPointVFS=${mount}\n`);
    const result = await dir.run([...dir.endpoint, "-d", "300", "--", "true"]);
    assert.equal(result.code, 0, result.stderr);
    await waitUntil(() => dir.daemonPids().length === 0, "the daemon's idle exit");
    assert.ok(!mounted(mount));
  },
});

Deno.test({
  name: "a daemon with -m unmounts when it is stopped by SIGTERM",
  ignore: !FUSE,
  async fn() {
    await using dir = new TestDir();
    const mount = `${dir.path}/vfs`;
    await Deno.mkdir(mount);
    const result = await dir.run([...dir.endpoint, "-m", mount, "-d", "-1", "--", "true"]);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(mounted(mount));
    const [daemon] = dir.daemonPids();
    Deno.kill(daemon!, "SIGTERM");
    await waitUntil(() => dir.daemonPids().length === 0, "the daemon to exit");
    assert.ok(!mounted(mount));
  },
});
