/**
 * The original's use cases 1 to 6 (its usecase.at scenarios): commands serialised on the
 * default and on named resources, busy and timeout outcomes, every pair of lock modes. Waiting
 * is observed through the client trace (FLOM_TRACE_MASK=0x8: "rc=1" = enqueued), never guessed
 * from time. Use cases 1 to 4 run over every transport (tests/transports.ts: UNIX socket, TCP,
 * TLS); the mode matrix, decided by the lock table alone, and use case 6, about sockets, run on
 * a UNIX socket.
 */
import { deepStrictEqual as assertEquals, match as assertMatch } from "node:assert/strict";
import { enqueue, hold, release, TestDir, TRACE } from "./harness.ts";
import { transportTest } from "./transports.ts";

const MODES = ["NL", "CR", "CW", "PR", "PW", "EX"] as const;
// compatible[held][requested], from the original's matrix (docs/compatibility.md, "Resources").
const COMPATIBLE = [
  [1, 1, 1, 1, 1, 1],
  [1, 1, 1, 1, 1, 0],
  [1, 1, 1, 0, 0, 0],
  [1, 1, 0, 1, 0, 0],
  [1, 1, 0, 0, 0, 0],
  [1, 0, 0, 0, 0, 0],
];

transportTest(
  "use case 1: a second command on the default resource waits for the first",
  async (dir) => {
    const first = dir.spawn([...dir.endpoint, "--", "sleep", "1"], { env: TRACE });
    await first.waitFor(/step=16 rc=0 /, "stderr");
    const second = await enqueue(dir, ["--", "echo", "second"]);
    assertEquals(second.stdout, "");
    assertEquals((await first.result()).code, 0);
    const result = await second.result();
    assertEquals(result.code, 0);
    assertEquals(result.stdout, "second\n");
  },
);

transportTest(
  "use case 2: commands on different resources do not wait for each other",
  async (dir) => {
    const r1 = await hold(dir, ["-r", "R1"]);
    const r2 = await hold(dir, ["-r", "R2"]);
    const waiter = await enqueue(dir, ["-r", "R1", "--", "echo", "after R1"]);
    assertEquals((await dir.run([...dir.endpoint, "-r", "R2", "-o", "0", "--", "true"])).code, 98);
    await release(r1);
    assertEquals((await waiter.result()).stdout, "after R1\n");
    await release(r2);
  },
);

transportTest(
  "use case 3: flom -o 0 exits 98 while the resource is busy, 0 once it is free",
  async (dir) => {
    const holder = await hold(dir, []);
    const busy = await dir.run([...dir.endpoint, "-o", "0", "--", "echo", "never"]);
    assertEquals(busy.code, 98);
    assertEquals(busy.stdout, "");
    assertEquals(busy.stderr, "Resource already locked, the lock cannot be obtained\n");
    await release(holder);
    const free = await dir.run([...dir.endpoint, "-o", "0", "--", "echo", "free"]);
    assertEquals([free.code, free.stdout], [0, "free\n"]);
  },
);

transportTest(
  "use case 4: flom -o N gives up after N ms, or runs when released in time",
  async (dir) => {
    const holder = await hold(dir, []);
    const late = await dir.run([...dir.endpoint, "-o", "300", "--", "echo", "never"]);
    assertEquals(late.code, 98);
    assertEquals(
      late.stderr,
      "The lock was not obtained because timeout (300 milliseconds) expired\n",
    );
    const inTime = await enqueue(dir, ["-o", "30000", "--", "echo", "in time"]);
    await release(holder);
    const result = await inTime.result();
    assertEquals([result.code, result.stdout], [0, "in time\n"]);
  },
);

Deno.test("use case 5: every pair of lock modes follows the compatibility matrix", async () => {
  await using dir = new TestDir();
  const start = await dir.run(["-s", dir.socket, "-d", "-1", "--", "true"]);
  assertEquals(start.code, 0);
  for (const [held, heldMode] of MODES.entries()) {
    const holder = await hold(dir, ["-l", heldMode]);
    for (const [requested, requestedMode] of MODES.entries()) {
      const { code } = await dir.run([
        "-s",
        dir.socket,
        "-l",
        requestedMode,
        "-o",
        "0",
        "--",
        "true",
      ]);
      assertEquals(
        code,
        COMPATIBLE[held]![requested] ? 0 : 98,
        `${heldMode} held, ${requestedMode} requested`,
      );
    }
    await release(holder);
  }
});

Deno.test("use case 5: a compatible request overtakes an incompatible one already queued", async () => {
  await using dir = new TestDir();
  const reader = await hold(dir, ["-l", "PR"]);
  const writer = await enqueue(dir, ["-l", "PW", "--", "echo", "writer"]);
  const secondReader = await dir.run([
    "-s",
    dir.socket,
    "-l",
    "PR",
    "-o",
    "0",
    "--",
    "echo",
    "reader",
  ]);
  assertEquals([secondReader.code, secondReader.stdout], [0, "reader\n"]);
  assertEquals(writer.stdout, "");
  await release(reader);
  assertEquals((await writer.result()).stdout, "writer\n");
});

Deno.test("use case 6: daemons on different sockets do not interfere", async () => {
  await using dir = new TestDir();
  const holder = await hold(dir, []);
  const other = await dir.run(["-s", `${dir.path}/other`, "-o", "0", "--", "echo", "other"]);
  assertEquals([other.code, other.stdout], [0, "other\n"]);
  const same = await dir.run(["-s", dir.socket, "-o", "0", "--", "true"]);
  assertEquals(same.code, 98);
  await release(holder);
  assertMatch((await dir.run(["-s", `${dir.path}/other`, "-X"])).stdout, /immediate shutdown/);
});
