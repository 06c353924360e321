/**
 * The original's use cases for numeric, set, hierarchical, sequence and timestamp resources and for
 * long-term resources (its usecase-num, -set, -hier, -seq, -tms and -lt scenarios; the semantics in
 * docs/compatibility.md, "Resources"), run through the real CLI. Waiting is observed through the
 * client trace (FLOM_TRACE_MASK=0x8: "step=16 rc=1" = enqueued, "step=16 rc=2" = parked until the
 * resource is created), never guessed from time. One test per kind of lock path runs over every
 * transport (tests/transports.ts: UNIX socket, TCP, TLS): a quantity, a set element in the answer,
 * a rollback in the unlock, a holder's connection lost, a request parked until its resource is
 * created; the others, decided by the lock table alone, on a UNIX socket. How long an idle
 * resource lives is proven on the injected clock (src/resources/lock_table_test.ts and
 * src/daemon/server_test.ts), not by waiting here.
 */
import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
} from "node:assert/strict";
import { enqueue, type FlomProcess, hold, release, TestDir, TRACE } from "./harness.ts";
import { transportTest } from "./transports.ts";

/** Prints "held <last argument> <FLOM_RESOURCE_ELEMENT> <FLOM_RESOURCE_NAME>", then holds. */
const HOLD_ELEMENT = [
  "sh",
  "-c",
  'echo "held $0 $FLOM_RESOURCE_ELEMENT $FLOM_RESOURCE_NAME"; read _',
];
/** Prints the element flom appends as the last argument ($0 inside `sh -c`). */
const ECHO_ELEMENT = ["sh", "-c", "echo $0"];
const TIMEOUT_300 = "The lock was not obtained because timeout (300 milliseconds) expired\n";
const CANT_WAIT = "The resource could be available in the future, but the requester can't wait\n";
const IMPOSSIBLE = "Resource will never satisfy the request, the lock cannot be obtained\n";

/** Runs flom on the test's daemon to completion. */
function flom(dir: TestDir, args: string[]) {
  return dir.run([...dir.endpoint, ...args]);
}

/** Exit status of `flom -o 0 ARGS -- true`: 0 when granted at once, 98 when busy. */
async function tryLock(dir: TestDir, args: string[]): Promise<number> {
  return (await flom(dir, [...args, "-o", "0", "--", "true"])).code;
}

/** Holds with HOLD_ELEMENT; resolves to the holder and the element it got. */
async function holdElement(
  dir: TestDir,
  args: string[],
): Promise<{ holder: FlomProcess; element: string; envElement: string; envName: string }> {
  const holder = await hold(dir, args, HOLD_ELEMENT);
  await holder.waitFor(/held .*\n/);
  const [, element, envElement, envName] = holder.stdout.match(/held (\S*) (\S*) (\S*)\n/) ?? [];
  return { holder, element: element!, envElement: envElement!, envName: envName! };
}

/** The rc of the daemon's first answer (step 16) in a traced flom's stderr. */
async function firstAnswer(proc: FlomProcess): Promise<number> {
  await proc.waitFor(/step=16 rc=-?\d+ /, "stderr");
  return Number(proc.stderr.match(/step=16 rc=(-?\d+) /)![1]);
}

/** Runs `flom ARGS -- sh -c 'echo $0; exit RC'` once per rc, in order; returns the values. */
async function sequenceRun(dir: TestDir, args: string[], commands: string[]): Promise<string[]> {
  const echoed: string[] = [];
  for (const command of commands) {
    const result = await flom(dir, [...args, "--", command]);
    const failed = command === "false";
    assertEquals(result.code, failed ? 1 : 0, `${command}: ${result.stderr}`);
    if (command === "echo") echoed.push(result.stdout.trim());
  }
  return echoed;
}

// ---------------------------------------------------------------- numeric (usecase-num)

Deno.test("numeric foo[2]: two 1-unit holders at once, a third waits until one releases", async () => {
  await using dir = new TestDir();
  const first = await hold(dir, ["-r", "foo[2]"]);
  const second = await hold(dir, ["-r", "foo[2]"]);
  assertEquals(await tryLock(dir, ["-r", "foo[2]"]), 98);
  const third = await enqueue(dir, ["-r", "foo[2]", "--", "echo", "third"]);
  assertEquals(third.stdout, "");
  await release(first);
  const result = await third.result();
  assertEquals([result.code, result.stdout], [0, "third\n"]);
  await release(second);
});

transportTest(
  "numeric foo[2] (UC10 3/3): -q 2 waits until both 1-unit holders released",
  async (dir) => {
    const first = await hold(dir, ["-r", "foo[2]"]);
    const second = await hold(dir, ["-r", "foo[2]"]);
    assertEquals(await tryLock(dir, ["-r", "foo[2]"]), 98);
    // The 2-unit waiter holds once granted, so a wrong early grant would still hold its units.
    const both = dir.spawn([
      ...dir.endpoint,
      "-r",
      "foo[2]",
      "-q",
      "2",
      "--",
      "sh",
      "-c",
      "echo held; read _",
    ], {
      env: TRACE,
      stdin: true,
    });
    assertEquals(await firstAnswer(both), 1);
    await release(first);
    // One unit is free again: the 2-unit request must still be waiting, not holding.
    const probe = await hold(dir, ["-r", "foo[2]", "-o", "0"]);
    assertEquals(both.stdout, "");
    await release(probe);
    await release(second);
    await both.waitFor(/held/);
    assertEquals(await tryLock(dir, ["-r", "foo[2]"]), 98);
    await release(both);
    assertEquals(await tryLock(dir, ["-r", "foo[2]", "-q", "2"]), 0);
  },
);

Deno.test("numeric foo[2]: -q 3 can never be satisfied and fails at once with 99", async () => {
  await using dir = new TestDir();
  const never = ["-r", "foo[2]", "-q", "3"];
  const refused = await flom(dir, [...never, "-o", "0", "--", "echo", "never"]);
  assertEquals(refused, { code: 99, stdout: "", stderr: IMPOSSIBLE });
  // Without -o (wait forever), with a long -o, and while the resource is fully held: refused
  // by the daemon's first answer (rc=6), never enqueued (the trace would say rc=1 and hang).
  for (const [extra, held] of [[[], false], [["-o", "5000"], false], [[], true]] as const) {
    const holder = held ? await hold(dir, ["-r", "foo[2]", "-q", "2"]) : undefined;
    const impossible = dir.spawn([...dir.endpoint, ...never, ...extra, "--", "echo", "never"], {
      env: TRACE,
    });
    assertEquals(await firstAnswer(impossible), 6, `${extra.join(" ")} held=${held}`);
    const result = await impossible.result();
    assertEquals([result.code, result.stdout], [99, ""]);
    assert(result.stderr.endsWith(IMPOSSIBLE), result.stderr);
    if (holder !== undefined) await release(holder);
  }
});

Deno.test("numeric: foo[2] and foo[02] are different resources", async () => {
  await using dir = new TestDir();
  const holder = await hold(dir, ["-r", "foo[2]", "-q", "2"]);
  assertEquals(await tryLock(dir, ["-r", "foo[2]"]), 98);
  const other = await flom(dir, ["-r", "foo[02]", "-q", "2", "-o", "0", "--", "echo", "foo02"]);
  assertEquals([other.code, other.stdout], [0, "foo02\n"]);
  await release(holder);
});

// ---------------------------------------------------------------- sets (usecase-set)

Deno.test("set: the element is appended as the command's last argument", async () => {
  await using dir = new TestDir();
  const result = await flom(dir, ["-r", "red.green.blue", "--", "echo", "X"]);
  assertEquals(result, { code: 0, stdout: "X red\n", stderr: "" });
});

transportTest(
  "set (UC12, UC13): three holders get three elements, a fourth waits for a freed one",
  async (dir) => {
    const holders = [];
    for (let i = 0; i < 3; i++) holders.push(await holdElement(dir, ["-r", "red.green.blue"]));
    assertEquals(holders.map((h) => h.element), ["red", "green", "blue"]);
    for (const h of holders) {
      assertEquals([h.envElement, h.envName], [h.element, "red.green.blue"]);
    }
    const busy = await flom(dir, ["-r", "red.green.blue", "-o", "0", "--", "echo", "never"]);
    assertEquals(busy, {
      code: 98,
      stdout: "",
      stderr: "Resource already locked, the lock cannot be obtained\n",
    });
    const fourth = await enqueue(dir, ["-r", "red.green.blue", "--", ...ECHO_ELEMENT]);
    assertEquals(fourth.stdout, "");
    await release(holders[1]!.holder);
    const result = await fourth.result();
    assertEquals([result.code, result.stdout], [0, "green\n"]);
    await release(holders[0]!.holder);
    await release(holders[2]!.holder);
  },
);

Deno.test("set: -V prints the locked element; FLOM_RESOURCE_NAME/ELEMENT reach the command", async () => {
  await using dir = new TestDir();
  const verbose = await flom(dir, ["-V", "-r", "red.green.blue", "--", "true"]);
  assertEquals(verbose.code, 0);
  assertMatch(verbose.stdout, /^Locked element is 'red'$/m);
  const env = await flom(dir, [
    "-r",
    "red.green.blue",
    "--",
    "sh",
    "-c",
    'echo "$FLOM_RESOURCE_NAME $FLOM_RESOURCE_ELEMENT $0"',
  ]);
  assertEquals([env.code, env.stdout], [0, "red.green.blue green green\n"]);
});

// ---------------------------------------------------------------- hierarchical (usecase-hier)

Deno.test("hierarchical (UC14 1-2): /apple held blocks /apple/pear, not /pear or /banana", async () => {
  await using dir = new TestDir();
  const apple = await hold(dir, ["-r", "/apple"]);
  const pear = await enqueue(dir, ["-r", "/apple/pear", "--", "echo", "apple/pear"]);
  assertEquals(await tryLock(dir, ["-r", "/pear"]), 0);
  assertEquals(await tryLock(dir, ["-r", "/banana"]), 0);
  assertEquals(await tryLock(dir, ["-r", "/apple/pear/banana"]), 98);
  assertEquals(pear.stdout, "");
  await release(apple);
  const result = await pear.result();
  assertEquals([result.code, result.stdout], [0, "apple/pear\n"]);
});

Deno.test("hierarchical (UC14 3/6): a held child /apple/pear/banana blocks its ancestors", async () => {
  await using dir = new TestDir();
  const banana = await hold(dir, ["-r", "/apple/pear/banana"]);
  const apple = await enqueue(dir, ["-r", "/apple", "--", "echo", "apple"]);
  assertEquals(await tryLock(dir, ["-r", "/apple/pear"]), 98);
  assertEquals(await tryLock(dir, ["-r", "/apple/watermelon"]), 0);
  assertEquals(apple.stdout, "");
  await release(banana);
  const result = await apple.result();
  assertEquals([result.code, result.stdout], [0, "apple\n"]);
});

Deno.test("hierarchical (UC14 4/6): CR /apple, PW /apple/pear/banana, CR /apple/pear coexist", async () => {
  await using dir = new TestDir();
  const apple = await hold(dir, ["-r", "/apple", "-l", "CR"]);
  const banana = await hold(dir, ["-r", "/apple/pear/banana", "-l", "PW"]);
  assertEquals(await tryLock(dir, ["-r", "/apple/pear", "-l", "CR"]), 0);
  // The same path in a mode that conflicts with PW is refused: the tree is really checked.
  assertEquals(await tryLock(dir, ["-r", "/apple/pear", "-l", "PR"]), 98);
  await release(banana);
  await release(apple);
});

Deno.test("hierarchical (UC15): /foo/bar PR held: /foo/blue/apple EX runs, /foo/bar/apple EX waits", async () => {
  await using dir = new TestDir();
  const bar = await hold(dir, ["-r", "/foo/bar", "-l", "PR"]);
  assertEquals(await tryLock(dir, ["-r", "/foo/blue/apple", "-l", "EX"]), 0);
  assertEquals(await tryLock(dir, ["-r", "/foo", "-l", "PR"]), 0);
  const apple = await enqueue(dir, ["-r", "/foo/bar/apple", "-l", "EX", "--", "echo", "bar/apple"]);
  assertEquals(apple.stdout, "");
  await release(bar);
  const result = await apple.result();
  assertEquals([result.code, result.stdout], [0, "bar/apple\n"]);
});

// ---------------------------------------------------------------- sequences (usecase-seq)

transportTest(
  "sequence: _S_ rolls back the value of a failed command, _s_ never does",
  async (dir) => {
    const transactional: string[] = [];
    const plain: string[] = [];
    for (let i = 0; i < 3; i++) {
      const failed = await flom(dir, [
        "-i",
        "2000",
        "-r",
        "_S_seq[1]",
        "--",
        "sh",
        "-c",
        "echo $0; exit 1",
      ]);
      assertEquals(failed.code, 1);
      transactional.push(failed.stdout);
      const done = await flom(dir, [
        "-i",
        "2000",
        "-r",
        "_s_seq[1]",
        "--",
        "sh",
        "-c",
        "echo $0; exit 0",
      ]);
      assertEquals(done.code, 0);
      plain.push(done.stdout);
    }
    assertEquals(transactional, ["1\n", "1\n", "1\n"]);
    assertEquals(plain, ["1\n", "2\n", "3\n"]);
  },
);

const UC18 = [
  "true",
  "true",
  "true",
  "echo",
  "true",
  "true",
  "echo",
  "false",
  "echo",
  "false",
  "echo",
  "true",
  "echo",
];

Deno.test("sequence (UC18 3/6): transactional _S_a[1] reuses values of failed commands", async () => {
  await using dir = new TestDir();
  const echoed = await sequenceRun(dir, ["-i", "1000", "-r", "_S_a[1]"], UC18);
  assertEquals(echoed, ["4", "7", "8", "9", "11"]);
});

Deno.test("sequence (UC18 4/6): non-transactional _s_a[1] consumes every value", async () => {
  await using dir = new TestDir();
  const echoed = await sequenceRun(dir, ["-i", "1000", "-r", "_s_a[1]"], UC18);
  assertEquals(echoed, ["4", "7", "9", "11", "13"]);
});

transportTest(
  "sequence: the value of an _S_ holder killed with SIGKILL is handed out again",
  async (dir) => {
    const first = await flom(dir, ["-r", "_S_x[1]", "--", ...ECHO_ELEMENT]);
    assertEquals([first.code, first.stdout], [0, "1\n"]);
    const { holder, element } = await holdElement(dir, ["-r", "_S_x[1]"]);
    assertEquals(element, "2");
    // The waiter's connection keeps the resource alive: a fresh one would restart at 1.
    const waiter = await enqueue(dir, ["-r", "_S_x[1]", "--", ...ECHO_ELEMENT]);
    holder.child.kill("SIGKILL");
    assertEquals((await holder.child.status).code, 137);
    // On this host the lock stays with the orphaned command until it ends (over TCP it goes
    // with the connection); ending it, with no commit from its flom, rolls the value back.
    await holder.writeLine("");
    await holder.result();
    const result = await waiter.result();
    assertEquals([result.code, result.stdout], [0, "2\n"]);
    const next = await flom(dir, ["-r", "_S_x[1]", "--", ...ECHO_ELEMENT]);
    assertEquals([next.code, next.stdout], [0, "3\n"]);
  },
);

// ---------------------------------------------------------------- timestamps (usecase-tms)

const TIMESTAMP_FORMATS: [string, RegExp][] = [
  ["%S", /^a\d\d$/],
  ["%M", /^a\d\d$/],
  ["%H", /^a\d\d$/],
  ["%S#f", /^a\d\d\.\d$/],
  ["%M#ff", /^a\d\d\.\d\d$/],
  ["%H#fff", /^a\d\d\.\d{3}$/],
  ["%c", /^a[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}$/],
  ["%r", /^a(0\d|1[0-2]):\d\d:\d\d [AP]M$/],
  ["%s", /^a\d{10,}$/],
  ["%T", /^a\d\d:\d\d:\d\d$/],
  ["%X", /^a\d\d:\d\d:\d\d$/],
  ["%R", /^a\d\d:\d\d$/],
  ["%I", /^a(0\d|1[0-2])$/],
];

Deno.test("timestamp: every valid format of usecase-tms locks and hands out a matching value", async () => {
  await using dir = new TestDir();
  assertEquals((await flom(dir, ["-d", "-1", "--", "true"])).code, 0);
  const results = await Promise.all(
    TIMESTAMP_FORMATS.map(([format]) =>
      flom(dir, ["-r", `_t_a${format}[1]`, "--", "sh", "-c", 'echo "$0|$FLOM_RESOURCE_ELEMENT"'])
    ),
  );
  const values = TIMESTAMP_FORMATS.map(([format, pattern], i) => {
    const result = results[i]!;
    assertEquals(result.code, 0, `${format}: ${result.stderr}`);
    const [arg, env] = result.stdout.trimEnd().split("|");
    assertMatch(arg!, pattern, format);
    assertEquals(env, arg, format);
    return arg!;
  });
  const epoch = Number(values[TIMESTAMP_FORMATS.findIndex(([f]) => f === "%s")]!.slice(1));
  assert(Math.abs(epoch - Date.now() / 1000) < 60, `%s gave ${epoch}`);
  assertMatch((await flom(dir, ["-X"])).stdout, /immediate shutdown/);
});

Deno.test("timestamp: a format without a time unit fails with 99 and one clear line", async () => {
  await using dir = new TestDir();
  const invalid = await flom(dir, ["-r", "_t_invalid%a%A%b%Z[1]", "--", "echo", "never"]);
  assertEquals(invalid.code, 99);
  assertEquals(invalid.stdout, "");
  assertMatch(invalid.stderr, /^[^\n]*format not valid for a timestamp resource[^\n]*\n$/);
  // Adding a fraction gives it a grain: the same format becomes valid.
  const valid = await flom(dir, ["-r", "_t_invalid%a%A%b%Z#f[1]", "--", ...ECHO_ELEMENT]);
  assertEquals(valid.code, 0, valid.stderr);
  assertMatch(valid.stdout, /^invalid[A-Z][a-z]{2}[A-Z][a-z]+[A-Z][a-z]{2}\S*\.\d\n$/);
});

Deno.test("timestamp: five sequential locks of _t_x%S#fff[3] get five distinct values", async () => {
  await using dir = new TestDir();
  const values: string[] = [];
  for (let i = 0; i < 5; i++) {
    const result = await flom(dir, ["-i", "1000", "-r", "_t_x%S#fff[3]", "--", ...ECHO_ELEMENT]);
    assertEquals(result.code, 0, result.stderr);
    assertMatch(result.stdout, /^x\d\d\.\d{3}\n$/);
    values.push(result.stdout.trim());
  }
  assertEquals(new Set(values).size, 5, values.join(" "));
});

Deno.test("timestamp (UC19): five concurrent clients of _t_y%S#f[5] get five distinct tenths", async () => {
  await using dir = new TestDir();
  assertEquals((await flom(dir, ["-d", "-1", "--", "true"])).code, 0);
  const results = await Promise.all(
    Array.from(
      { length: 5 },
      () => flom(dir, ["-i", "1000", "-r", "_t_y%S#f[5]", "--", ...ECHO_ELEMENT]),
    ),
  );
  const values = results.map((r) => {
    assertEquals(r.code, 0, r.stderr);
    assertMatch(r.stdout, /^y\d\d\.\d\n$/);
    return r.stdout.trim();
  });
  assertEquals(new Set(values).size, 5, values.join(" "));
  assertMatch((await flom(dir, ["-X"])).stdout, /immediate shutdown/);
});

// ---------------------------------------------------------------- long-term (usecase-lt)

transportTest(
  "-e no (UC16 2/8): a missing resource is waited for until a client creates it",
  async (dir) => {
    const waiter = dir.spawn(
      [...dir.endpoint, "-e", "no", "-r", "ABC[1]", "--", "echo", "waited"],
      {
        env: TRACE,
      },
    );
    assertEquals(await firstAnswer(waiter), 2);
    assertEquals(waiter.stdout, "");
    const creator = await flom(dir, ["-e", "yes", "-r", "ABC[1]", "--", "echo", "created"]);
    assertEquals([creator.code, creator.stdout], [0, "created\n"]);
    const result = await waiter.result();
    assertEquals([result.code, result.stdout], [0, "waited\n"]);
  },
);

Deno.test("-e no: a parked request handed to a busy new resource is enqueued there", async () => {
  await using dir = new TestDir();
  const waiter = dir.spawn([...dir.endpoint, "-e", "n", "-r", "/res", "--", "echo", "waited"], {
    env: TRACE,
  });
  assertEquals(await firstAnswer(waiter), 2);
  const creator = await hold(dir, ["-e", "y", "-r", "/res/sub"]);
  await waiter.waitFor(/step=24 rc=1 /, "stderr");
  assertEquals(waiter.stdout, "");
  await release(creator);
  const result = await waiter.result();
  assertEquals([result.code, result.stdout], [0, "waited\n"]);
  assertMatch(result.stderr, /step=24 rc=0 /);
});

Deno.test("-e no -o 0 on a missing resource exits 96 at once; -o 300 times out with 98", async () => {
  await using dir = new TestDir();
  const cantWait = await flom(dir, ["-e", "no", "-o", "0", "-r", "B.C.D", "--", "echo", "never"]);
  assertEquals(cantWait, { code: 96, stdout: "", stderr: CANT_WAIT });
  const late = await flom(dir, ["-e", "no", "-o", "300", "-r", "/CDE", "--", "echo", "never"]);
  assertEquals(late, { code: 98, stdout: "", stderr: TIMEOUT_300 });
});

Deno.test("UC17 1/2: a resource created with -i outlives its creator for -e n clients", async () => {
  await using dir = new TestDir();
  assertEquals((await flom(dir, ["-e", "y", "-r", "/foo", "-i", "2000", "--", "true"])).code, 0);
  assertEquals((await flom(dir, ["-e", "n", "-r", "/bar", "-o", "100", "--", "true"])).code, 98);
  const foo = await flom(dir, ["-e", "n", "-r", "/foo", "-o", "500", "--", "echo", "foo"]);
  assertEquals([foo.code, foo.stdout], [0, "foo\n"]);
});

Deno.test("UC17 2/2: hierarchical creation applies to the root level", async () => {
  await using dir = new TestDir();
  assertEquals((await flom(dir, ["-e", "y", "-r", "/bar", "-i", "2000", "--", "true"])).code, 0);
  assertEquals((await flom(dir, ["-e", "n", "-r", "/bar/foo", "-o", "500", "--", "true"])).code, 0);
  const goofy = ["-e", "n", "-r", "/bar/foo/goofy", "-o", "500", "--", "true"];
  assertEquals((await flom(dir, goofy)).code, 0);
  // Another root was never created.
  const other = await flom(dir, ["-e", "n", "-r", "/baz/foo", "-o", "0", "--", "true"]);
  assertEquals([other.code, other.stderr], [96, CANT_WAIT]);
});
