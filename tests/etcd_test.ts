/**
 * Etcd-backed daemons: two or three daemons on different sockets, pointing at one 3-member etcd
 * cluster on loopback ports, lock against each other; a C-protocol client is served unchanged; a
 * daemon killed with SIGKILL loses its locks to the others after its lease's TTL, one stopped
 * cleanly at once; a daemon cut off from etcd stops its clients' commands; etcd's leader dies;
 * etcd's TLS; a short kill storm while daemons and members die.
 */
import { deepStrictEqual, equal, match } from "node:assert/strict";
import { RC } from "../src/protocol/return_codes.ts";
import { lock, LockError } from "../mod.ts";
import { EtcdCluster, etcdInstalled } from "./etcd_cluster.ts";
import { makeEtcdCertificates, OPENSSL } from "./certificates.ts";
import { etcdStorm } from "../scripts/stress/etcd_storm.ts";
import { describeViolations } from "../scripts/stress/kill_storm.ts";
import {
  type FlomProcess,
  freePort,
  fuseAvailable,
  HOLD,
  release,
  runsWith,
  TestDir,
  TRACE,
} from "./harness.ts";
import { WireClient } from "./wire_client.ts";
import { EtcdClient, type KeyValue } from "../src/etcd/client.ts";
import { prefixEnd } from "../src/etcd/json_gateway.ts";

const READY = /FLM003N FLoM daemon is ready to serve incoming requests\n/;
const ENQUEUED = /step=16 rc=1 /;
const ignore = !runsWith(etcdInstalled());
const DELETION_LIMIT_MS = 20000;
/** A command that prints the element its flom was granted. */
const ECHO_ELEMENT = ["sh", "-c", 'echo "$FLOM_RESOURCE_ELEMENT"'];

/** The test's cluster, a directory, and daemons on sockets of their own in it. */
class Fixture implements AsyncDisposable {
  readonly daemons: FlomProcess[] = [];

  private constructor(readonly cluster: EtcdCluster, readonly dir: TestDir) {}

  static async start(): Promise<Fixture> {
    return new Fixture(await EtcdCluster.start(), new TestDir());
  }

  /** The socket of daemon `name`. */
  socket(name: string): string {
    return `${this.dir.path}/${name}`;
  }

  /** Starts a foreground etcd-backed daemon on socket `name`; resolves once it serves. */
  async daemon(name: string, extra: string[] = []): Promise<FlomProcess> {
    const daemon = this.dir.spawn([
      "--foreground",
      "-s",
      this.socket(name),
      "-d",
      "-1",
      "--etcd-endpoints",
      this.cluster.endpoints,
      ...extra,
    ]);
    this.daemons.push(daemon);
    await daemon.waitFor(READY, "stderr");
    return daemon;
  }

  /** Starts daemons `names`, one after the other. */
  async startDaemons(...names: string[]): Promise<void> {
    for (const name of names) await this.daemon(name);
  }

  /** The arguments of a flom through daemon `name` (never one of its own) running `command`. */
  through(name: string, args: string[], command: string[]): string[] {
    return ["-s", this.socket(name), "-d", "0", ...args, "--", ...command];
  }

  /** A flom through daemon `name` whose command keeps the lock until release(). */
  async hold(name: string, args: string[]): Promise<FlomProcess> {
    const holder = this.dir.spawn(this.through(name, args, HOLD), { stdin: true });
    await holder.waitFor(/held/);
    return holder;
  }

  /** A flom through daemon `name` running `command`; resolves once the daemon has queued it. */
  async enqueue(name: string, args: string[], command: string[]): Promise<FlomProcess> {
    const waiter = this.dir.spawn(this.through(name, args, command), { env: TRACE });
    await waiter.waitFor(ENQUEUED, "stderr");
    return waiter;
  }

  /**
   * Holds `resource` (a kind with elements) through daemons a, b and a in turn, then queues a
   * request through b and releases the holder through b: the elements the three were handed
   * and the one the waiter got once granted.
   */
  async handOver(resource: string): Promise<{ held: string[]; freed: string }> {
    const holders = [];
    for (const name of ["a", "b", "a"]) holders.push(await this.hold(name, ["-V", "-r", resource]));
    const waiter = await this.enqueue("b", ["-r", resource], ECHO_ELEMENT);
    await release(holders[1]!);
    const result = await waiter.result();
    equal(result.code, 0, result.stderr);
    for (const holder of [holders[0]!, holders[2]!]) await release(holder);
    const held = holders.map((holder) => /Locked element is '(.*)'/.exec(holder.stdout)?.[1]!);
    return { held, freed: result.stdout.trim() };
  }

  /**
   * Starts daemons `a` and `b`; `backup` held through `a` (until release()) and waited for
   * through `b` by a flom that runs `command` once granted.
   */
  async contended(command: string[]) {
    await this.startDaemons("a", "b");
    const holder = await this.hold("a", ["-r", "backup"]);
    const waiter = await this.enqueue("b", ["-r", "backup"], command);
    return { holder, waiter };
  }

  /** Runs a flom through daemon `name` to its end. */
  run(name: string, args: string[], command: string[] = ["true"]) {
    return this.dir.run(this.through(name, args, command));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    for (const daemon of this.daemons) {
      try {
        daemon.child.kill("SIGKILL");
      } catch {
        // Gone already.
      }
      await daemon.result();
    }
    await this.dir[Symbol.asyncDispose]();
    await this.cluster[Symbol.asyncDispose]();
  }
}

/** The version key of `resource` under the default prefix (the layout of etcd_lock_table.ts). */
function versionKey(resource: string): string {
  return `/flom/${encodeURIComponent(resource)}/v`;
}

/** The key `key` as etcd has it now, if it does. */
async function readKey(cluster: EtcdCluster, key: string): Promise<KeyValue | undefined> {
  return (await new EtcdClient(cluster.endpoints.split(",")).range(key)).kvs[0];
}

/**
 * Resolves once etcd has deleted a key of `[key, rangeEnd)` (a lease ended), at once if there is
 * none.
 */
async function deleted(
  cluster: EtcdCluster,
  key: string,
  rangeEnd = prefixEnd(key),
): Promise<void> {
  const client = new EtcdClient(cluster.endpoints.split(","));
  const { revision, kvs } = await client.range(key, rangeEnd);
  if (kvs.length === 0) return;
  const watching = new AbortController();
  // A guard, not a timing: the key's lease is of a few seconds.
  const signal = AbortSignal.any([watching.signal, AbortSignal.timeout(DELETION_LIMIT_MS)]);
  try {
    for await (const message of client.watch(key, rangeEnd, revision + 1, signal)) {
      if (message.events.some((event) => event.type === "DELETE")) return;
    }
  } catch (error) {
    if (!signal.aborted) throw error;
  } finally {
    watching.abort();
  }
  throw new Error(`etcd still has '${key}' after ${DELETION_LIMIT_MS} ms`);
}

Deno.test({
  name: "etcd-backed daemons: an EX lock taken through one excludes the other's clients",
  ignore,
  async fn() {
    await using fixture = await Fixture.start();
    await fixture.startDaemons("a", "b");
    const holder = await fixture.hold("a", ["-r", "db"]);
    const busy = await fixture.run("b", ["-r", "db", "-o", "0"]);
    equal(busy.code, 98, busy.stderr);
    // Another resource is free, through either daemon.
    equal((await fixture.run("b", ["-r", "other", "-o", "0"])).code, 0);
    const waiter = await fixture.enqueue("b", ["-r", "db"], ["echo", "got it"]);
    await release(holder);
    const result = await waiter.result();
    equal(result.code, 0, result.stderr);
    match(result.stdout, /got it/);
    // No request key is left behind once the daemons have processed the releases (an unlock
    // and a hang-up are recorded in etcd asynchronously, after the client has exited).
    const requestKeys = async () =>
      (await fixture.cluster.keys("/flom/")).filter((key) => !key.endsWith("/v"));
    for (let tries = 0; (await requestKeys()).length > 0 && tries < 100; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    deepStrictEqual(await requestKeys(), []);
  },
});

Deno.test({
  name:
    "etcd-backed daemons: every pair of the six lock modes is compatible across daemons as in the original's table, and a hierarchy excludes ancestors and descendants",
  ignore,
  async fn() {
    await using fixture = await Fixture.start();
    await fixture.startDaemons("a", "b");
    // Held (rows) against asked (columns): NL CR CW PR PW EX.
    const compatible = [
      "111111",
      "111110",
      "111000",
      "110100",
      "110000",
      "100000",
    ];
    for (let held = 0; held < 6; held++) {
      using holder = await WireClient.connect(fixture.socket("a"));
      equal(await holder.lock(`modes${held}`, { mode: held }), RC.OK);
      for (let asked = 0; asked < 6; asked++) {
        using other = await WireClient.connect(fixture.socket("b"));
        const rc = await other.lock(`modes${held}`, { mode: asked, wait: false });
        equal(rc, compatible[held]![asked] === "1" ? RC.OK : RC.LOCK_BUSY, `${held} then ${asked}`);
      }
    }
    using branch = await WireClient.connect(fixture.socket("a"));
    equal(await branch.lock("/a/b"), RC.OK);
    const relatives: [string, number][] = [
      ["/a", RC.LOCK_BUSY], // an ancestor
      ["/a/b/c", RC.LOCK_BUSY], // a descendant
      ["/a/c", RC.OK], // a sibling
    ];
    for (const [name, rc] of relatives) {
      using other = await WireClient.connect(fixture.socket("b"));
      equal(await other.lock(name, { wait: false }), rc, name);
    }
  },
});

Deno.test({
  name: "etcd-backed daemons: PR holders share a resource across daemons, EX waits for both",
  ignore,
  async fn() {
    await using fixture = await Fixture.start();
    await fixture.startDaemons("a", "b");
    const first = await fixture.hold("a", ["-r", "files", "-l", "PR"]);
    const second = await fixture.hold("b", ["-r", "files", "-l", "PR"]);
    const writer = await fixture.enqueue("a", ["-r", "files", "-l", "EX"], ["echo", "written"]);
    await release(first);
    // Still one reader: the writer keeps waiting; a new reader is refused no less than it.
    equal((await fixture.run("b", ["-r", "files", "-l", "EX", "-o", "0"])).code, 98);
    await release(second);
    equal((await writer.result()).code, 0);
  },
});

Deno.test({
  name: "etcd-backed daemons: a numeric resource's units are never exceeded across daemons",
  ignore,
  async fn() {
    await using fixture = await Fixture.start();
    await fixture.startDaemons("a", "b");
    const one = await fixture.hold("a", ["-r", "pool[3]", "-q", "2"]);
    const two = await fixture.hold("b", ["-r", "pool[3]", "-q", "1"]);
    equal((await fixture.run("a", ["-r", "pool[3]", "-q", "1", "-o", "0"])).code, 98);
    equal((await fixture.run("b", ["-r", "pool[3]", "-q", "4", "-o", "0"])).code, 99);
    const waiter = await fixture.enqueue("b", ["-r", "pool[3]", "-q", "2"], ["true"]);
    await release(two);
    // One unit free: two are wanted.
    equal((await fixture.run("a", ["-r", "pool[3]", "-q", "2", "-o", "0"])).code, 98);
    await release(one);
    equal((await waiter.result()).code, 0);
  },
});

Deno.test({
  name: "etcd-backed daemons: waiters of both daemons are served in the order they came",
  ignore,
  async fn() {
    await using fixture = await Fixture.start();
    await fixture.startDaemons("a", "b");
    const order = `${fixture.dir.path}/order`;
    const holder = await fixture.hold("a", ["-r", "line"]);
    const waiters: FlomProcess[] = [];
    for (const [i, name] of ["b", "a", "b", "a"].entries()) {
      waiters.push(
        await fixture.enqueue(name, ["-r", "line"], ["sh", "-c", `echo ${i} >> ${order}`]),
      );
    }
    await release(holder);
    for (const waiter of waiters) equal((await waiter.result()).code, 0);
    equal(await Deno.readTextFile(order), "0\n1\n2\n3\n");
  },
});

Deno.test({
  name: "etcd-backed daemons: a C-protocol client is served unchanged",
  ignore,
  async fn() {
    await using fixture = await Fixture.start();
    await fixture.startDaemons("a", "b");
    using first = await WireClient.connect(fixture.socket("a"));
    equal(await first.lock("wired"), RC.OK);
    using second = await WireClient.connect(fixture.socket("b"));
    equal(await second.lock("wired", { wait: false }), RC.LOCK_BUSY);
    using third = await WireClient.connect(fixture.socket("b"));
    equal(await third.lock("wired"), RC.LOCK_ENQUEUED);
    first[Symbol.dispose]();
    equal(await third.nextRc(), RC.OK);
  },
});

Deno.test({
  name:
    "etcd-backed daemons: a timestamp's values are distinct across daemons, and a waiter gets a slot freed by the other daemon",
  ignore,
  async fn() {
    await using fixture = await Fixture.start();
    await fixture.startDaemons("a", "b");
    const { held, freed } = await fixture.handOver("_t_tm%S#f[3]");
    const values = [...held, freed];
    for (const value of values) match(value, /^tm\d\d\.\d$/);
    // One grant per tenth of a second, whichever daemon decides it.
    equal(new Set(values).size, 4, values.join(" "));
    // Within the second of a grant, the other daemon's request waits for the next second: no
    // release wakes it, the clock does. (Two requests a few ms apart fall in one second, unless
    // a second began between them: then both are granted, and the pair is tried again, but not
    // for ever: always granting would be the grain rule not applied.)
    for (let pairs = 1;; pairs++) {
      using first = await WireClient.connect(fixture.socket("a"));
      using second = await WireClient.connect(fixture.socket("b"));
      equal(await first.lock("_t_sec%S[5]"), RC.OK);
      const rc = await second.lock("_t_sec%S[5]");
      if (rc === RC.OK && pairs < 5) continue;
      equal(rc, RC.LOCK_ENQUEUED);
      equal(await second.nextRc(), RC.OK);
      break;
    }
    // A format that shows no time cannot be created, as with one daemon.
    const invalid = await fixture.run("a", ["-r", "_t_x%a[1]"], ["echo", "never"]);
    equal(invalid.code, 99);
    match(invalid.stderr, /format not valid for a timestamp resource/);
  },
});

Deno.test({
  name:
    "etcd-backed daemons: a sequence's values are unique across daemons, and a transactional one's rolled-back value is handed out again",
  ignore,
  async fn() {
    await using fixture = await Fixture.start();
    await fixture.startDaemons("a", "b");
    const value = async (name: string, resource: string, status = 0) => {
      const result = await fixture.run(name, ["-r", resource], [
        "sh",
        "-c",
        `echo "$FLOM_RESOURCE_ELEMENT"; exit ${status}`,
      ]);
      equal(result.code, status, result.stderr);
      return result.stdout.trim();
    };
    const values = [];
    for (const name of ["a", "b", "a", "b"]) values.push(await value(name, "_s_seq[2]"));
    // One after another: each run ends before the next, and the counter goes on across daemons.
    deepStrictEqual(values, ["1", "2", "3", "4"]);
    // A failed command rolls back: its value goes to the next request, whichever daemon serves it.
    equal(await value("a", "_S_tx[2]", 3), "1");
    equal(await value("b", "_S_tx[2]"), "1");
    equal(await value("a", "_S_tx[2]"), "2");
  },
});

Deno.test({
  name:
    "etcd-backed daemons: a set's members are never held twice across daemons, and a freed one goes to the waiter",
  ignore,
  async fn() {
    await using fixture = await Fixture.start();
    await fixture.startDaemons("a", "b");
    const { held, freed } = await fixture.handOver("red.green.blue");
    deepStrictEqual([...held].sort(), ["blue", "green", "red"]);
    equal(freed, held[1]);
  },
});

Deno.test({
  name:
    "etcd-backed daemons: the locks of a daemon killed with SIGKILL go to the others after its lease",
  ignore,
  async fn() {
    await using fixture = await Fixture.start();
    const doomed = await fixture.daemon("a", ["--etcd-lease-ttl", "2"]);
    await fixture.daemon("b");
    using holder = await WireClient.connect(fixture.socket("a"));
    equal(await holder.lock("backup"), RC.OK);
    using waiter = await WireClient.connect(fixture.socket("b"));
    equal(await waiter.lock("backup"), RC.LOCK_ENQUEUED);
    doomed.child.kill("SIGKILL");
    await holder.closed();
    // Nobody released it: etcd deletes the dead daemon's request when its lease expires.
    equal(await waiter.nextRc(), RC.OK);
  },
});

Deno.test({
  name: "etcd-backed daemons: a grant's fencing token is etcd's revision, growing across daemons",
  ignore,
  async fn() {
    await using fixture = await Fixture.start();
    await fixture.startDaemons("a", "b");
    const token = async (name: string) => {
      const result = await fixture.run(name, ["-r", "ledger"], [
        "sh",
        "-c",
        'echo "$FLOM_FENCING_TOKEN"',
      ]);
      equal(result.code, 0, result.stderr);
      return BigInt(result.stdout.trim());
    };
    const first = await token("a");
    const second = await token("b");
    const third = await token("a");
    // Revisions of a fresh cluster: small numbers, not the in-memory daemon's clock-based ones.
    equal(first < 1000n && first < second && second < third, true, `${first} ${second} ${third}`);
  },
});

Deno.test({
  name:
    "etcd-backed daemons: a daemon stopped with SIGTERM releases its locks at once, not after its lease",
  ignore,
  async fn() {
    await using fixture = await Fixture.start();
    // A lease of an hour: only its revocation can free the lock within the test.
    const stopped = await fixture.daemon("a", ["--etcd-lease-ttl", "3600"]);
    await fixture.daemon("b");
    using holder = await WireClient.connect(fixture.socket("a"));
    equal(await holder.lock("backup"), RC.OK);
    using waiter = await WireClient.connect(fixture.socket("b"));
    equal(await waiter.lock("backup"), RC.LOCK_ENQUEUED);
    stopped.child.kill("SIGTERM");
    equal((await stopped.result()).code, 0);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const limit = new Promise<string>((resolve) => timer = setTimeout(resolve, 20_000, "limit"));
    try {
      equal(await Promise.race([waiter.nextRc(), limit]), RC.OK);
    } finally {
      clearTimeout(timer);
    }
  },
});

Deno.test({
  name:
    "etcd-backed daemons: cut off from etcd past its lease, a daemon tells its flom clients, whose commands get SIGTERM and who exit 99, and aborts the signal of lock()'s locks; the lock goes to another daemon's waiter only once etcd is back",
  ignore,
  async fn() {
    await using fixture = await Fixture.start();
    await fixture.daemon("a", ["--etcd-lease-ttl", "2"]);
    await fixture.daemon("b");
    const holder = await fixture.hold("a", ["-r", "backup", "--lost-lock-grace", "300"]);
    const held = await lock({ resource: "ledger", socketName: fixture.socket("a") });
    using waiter = await WireClient.connect(fixture.socket("b"));
    equal(await waiter.lock("backup"), RC.LOCK_ENQUEUED);
    fixture.cluster.pause();
    try {
      const result = await holder.result();
      equal(result.code, 99, result.stderr);
      match(
        result.stderr,
        /^flom: lock on 'backup' lost: lease \d+ not renewed for 2 s: etcd unreachable\n$/,
      );
      const reason = held.signal.aborted
        ? held.signal.reason
        : await new Promise((resolve) =>
          held.signal.addEventListener("abort", () => resolve(held.signal.reason))
        );
      equal(reason instanceof LockError && reason.rc, RC.CONNECTION_CLOSED_BY_SERVER);
      match(
        (reason as LockError).message,
        /^lock on 'ledger' lost: lease \d+ not renewed for 2 s: etcd unreachable$/,
      );
      await held.unlock();
    } finally {
      fixture.cluster.resume();
    }
    // The lease expired in etcd too: nobody released the request, etcd deleted it.
    equal(await waiter.nextRc(), RC.OK);
  },
});

Deno.test({
  name:
    "etcd-backed daemons over etcd's TLS: with the CA and a client certificate of etcd's CA a daemon serves; with a certificate of another CA it cannot start, and says why",
  ignore: ignore || !OPENSSL,
  async fn() {
    await using dir = new TestDir();
    const certificates = await makeEtcdCertificates(dir);
    const { caCertificate } = certificates;
    await using cluster = await EtcdCluster.start({
      tls: { caCertificate, ...certificates.member },
    });
    const daemonOf = (socket: string, client: { certificate: string; privateKey: string }) => [
      ...["--foreground", "-s", socket, "-d", "-1", "--etcd-endpoints", cluster.endpoints],
      ...["--etcd-ca-certificate", caCertificate, "--etcd-certificate", client.certificate],
      ...["--etcd-private-key", client.privateKey],
    ];
    const refused = await dir.run(daemonOf(`${dir.path}/stranger`, certificates.stranger));
    equal(refused.code, 99, refused.stderr);
    // Why, in TLS 1.3, depends on when etcd's alert comes: "BadCertificate" or "connection closed".
    match(refused.stderr, /cannot use etcd at https:\/\/127\.0\.0\.1:\d+.*: Cannot reach etcd/);

    const socket = `${dir.path}/flom`;
    const daemon = dir.spawn(daemonOf(socket, certificates.flom));
    try {
      await daemon.waitFor(READY, "stderr");
      const result = await dir.run(["-s", socket, "-r", "ledger", "--", "sh", "-c", "echo locked"]);
      equal(result.code, 0, result.stderr);
      equal(result.stdout, "locked\n");
      match((await cluster.keys("/flom/")).join(" "), /^\/flom\/ledger\//);
    } finally {
      daemon.child.kill("SIGKILL");
      await daemon.result();
    }
  },
});

Deno.test({
  name:
    "etcd-backed daemons: the etcd leader killed while a lock is held and waited for: the lock stays held, and the waiter gets it once the holder is done",
  ignore,
  async fn() {
    await using fixture = await Fixture.start();
    const { holder, waiter } = await fixture.contended(["sh", "-c", "echo granted"]);
    await fixture.cluster.killLeader();
    // Neither lost nor given twice: a third client still finds it busy.
    const busy = await fixture.run("b", ["-r", "backup", "-o", "0"]);
    equal(busy.code, 98, busy.stderr);
    await release(holder);
    const result = await waiter.result();
    equal(result.code, 0, result.stderr);
    match(result.stdout, /^granted\n$/m);
  },
});

Deno.test({
  name:
    "etcd-backed daemons: a kill storm through 3 daemons while daemons and etcd members are killed: never two sections at once",
  ignore,
  async fn() {
    await using dir = new TestDir();
    const report = await etcdStorm(dir.path, {
      resource: "MX",
      limit: 1,
      operations: 150,
      workers: 8,
      seed: 13,
    });
    equal(report.storm.operations, 150);
    deepStrictEqual(describeViolations(report.storm), []);
    deepStrictEqual(report.storm.overlaps.incomplete, []);
    // The chaos happened: at least one daemon or member died under the runs.
    equal(report.daemonKills + report.memberKills > 0, true);
  },
});

Deno.test({
  name:
    "etcd-backed daemons: flom --status through any daemon shows every daemon's holders and waiters",
  ignore,
  async fn() {
    await using fixture = await Fixture.start();
    const { holder, waiter } = await fixture.contended(["true"]);
    const status = await fixture.dir.run(["-s", fixture.socket("b"), "--status", "--json"]);
    equal(status.code, 0, status.stderr);
    const [backup] = JSON.parse(status.stdout).resources;
    equal(backup.name, "backup");
    // The holder is the other daemon's client, named by that daemon's lease and what it recorded.
    equal(backup.holders.length, 1, status.stdout);
    match(backup.holders[0].peer, /^daemon [0-9a-f]+: local$/);
    equal(backup.holders[0].pid, holder.child.pid);
    equal(backup.holders[0].program, "sh");
    equal(backup.holders[0].connection < 0, true);
    // The waiter is this daemon's own.
    equal(backup.waiters.length, 1, status.stdout);
    equal(backup.waiters[0].peer, "local");
    equal(backup.waiters[0].pid, waiter.child.pid);
    await release(holder);
    equal((await waiter.result()).code, 0);
  },
});

Deno.test({
  name:
    "etcd-backed daemons: a waiting flom -V says who holds the lock, through whichever daemon it holds",
  ignore,
  async fn() {
    await using fixture = await Fixture.start();
    await fixture.startDaemons("a", "b");
    const holder = await fixture.hold("a", ["-r", "backup"]);
    const waiter = fixture.dir.spawn(fixture.through("b", ["-V", "-r", "backup"], ["true"]));
    await waiter.waitFor(/Waiting for 'backup'/);
    match(
      waiter.stdout,
      new RegExp(
        `Waiting for 'backup': held by pid ${holder.child.pid} \\(sh\\) for [\\d.]+m?s, next in queue`,
      ),
    );
    await release(holder);
    equal((await waiter.result()).code, 0);
  },
});

Deno.test({
  name:
    "etcd-backed daemons: a request that may not create its resource (-e no) waits for another daemon's client to create it",
  ignore,
  async fn() {
    await using fixture = await Fixture.start();
    await fixture.startDaemons("a", "b");
    // No one uses it: -o 0 cannot wait (96), a waiting one is parked.
    const cannot = await fixture.run("a", ["-e", "no", "-o", "0", "-r", "later"]);
    equal(cannot.code, 96, cannot.stderr);
    const parked = fixture.dir.spawn(
      fixture.through("a", ["-e", "no", "-r", "later"], ["echo", "ran"]),
      { env: TRACE },
    );
    await parked.waitFor(/step=16 rc=2 /, "stderr");
    const status = await fixture.dir.run(["-s", fixture.socket("a"), "--status"]);
    match(status.stdout, /later +simple +awaiting creation/);
    // Created through the other daemon: held first by its creator, then by the parked one.
    const creator = await fixture.hold("b", ["-r", "later"]);
    await parked.waitFor(/step=24 rc=1 /, "stderr");
    await release(creator);
    const result = await parked.result();
    equal(result.code, 0, result.stderr);
    equal(result.stdout, "ran\n");
  },
});

Deno.test({
  name:
    "etcd-backed daemons: a resource outlives its last request for its idle time (-i), whichever daemon asks next, and is then retired with what it remembered",
  ignore,
  async fn() {
    await using fixture = await Fixture.start();
    await fixture.startDaemons("a", "b");
    const value = async (name: string, args: string[]) => {
      const result = await fixture.run(name, [...args, "-r", "_s_idle[1]"], ECHO_ELEMENT);
      return { code: result.code, value: result.stdout.trim(), stderr: result.stderr };
    };
    // Created with an idle lifespan of 1 s: it lives on for 2 s after its last request, as in
    // memory; a request that may not create it finds it through the other daemon meanwhile.
    deepStrictEqual(await value("a", ["-i", "1000"]), { code: 0, value: "1", stderr: "" });
    deepStrictEqual(await value("b", ["-e", "no", "-o", "0"]), { code: 0, value: "2", stderr: "" });
    await deleted(fixture.cluster, versionKey("_s_idle[1]"));
    // Retired: it no longer exists, and its next creation counts from 1 again.
    equal((await value("b", ["-e", "no", "-o", "0"])).code, 96);
    deepStrictEqual(await value("a", []), { code: 0, value: "1", stderr: "" });
  },
});

Deno.test({
  name:
    "etcd-backed daemons: a resource whose last holder's daemon died unwatched is retired by the next daemon that starts",
  ignore,
  async fn() {
    await using fixture = await Fixture.start();
    const doomed = await fixture.daemon("a", ["--etcd-lease-ttl", "2"]);
    using holder = await WireClient.connect(fixture.socket("a"));
    equal(await holder.lock("_s_strand[1]"), RC.OK);
    doomed.child.kill("SIGKILL");
    await holder.closed();
    // The holder's request goes with the dead daemon's lease; the version key, which keeps the
    // sequence's counter for the other daemons, has no lease while the resource is used.
    const key = versionKey("_s_strand[1]");
    equal((await readKey(fixture.cluster, key))?.lease, "0");
    await deleted(fixture.cluster, key.slice(0, -1), key);
    // Nobody watched it go: a daemon that starts finds the resource unused and lets it retire.
    await fixture.daemon("b");
    await deleted(fixture.cluster, key);
  },
});

Deno.test({
  name:
    "etcd-backed daemons: a daemon stopped cleanly while its client holds a lock leaves no key behind once the resource's idle time is over",
  ignore,
  async fn() {
    await using fixture = await Fixture.start();
    const stopped = await fixture.daemon("a");
    using holder = await WireClient.connect(fixture.socket("a"));
    equal(await holder.lock("solo"), RC.OK);
    stopped.child.kill("SIGTERM");
    equal((await stopped.result()).code, 0);
    await deleted(fixture.cluster, versionKey("solo"));
    deepStrictEqual(await fixture.cluster.keys("/flom/"), []);
  },
});

Deno.test({
  name:
    "etcd-backed daemons: a sequence's counter survives the death of the daemon that last wrote it while another daemon's client holds a value",
  ignore,
  async fn() {
    await using fixture = await Fixture.start();
    const doomed = await fixture.daemon("a", ["--etcd-lease-ttl", "2"]);
    await fixture.daemon("b");
    const holder = await fixture.hold("b", ["-V", "-r", "_s_kept[3]"]);
    match(holder.stdout, /Locked element is '1'/);
    using other = await WireClient.connect(fixture.socket("a"));
    equal(await other.lock("_s_kept[3]"), RC.OK);
    doomed.child.kill("SIGKILL");
    await other.closed();
    // Once the dead daemon's request is gone (the first request key deleted: the holder's stays),
    // value 1 is still held, and the counter goes on.
    const key = versionKey("_s_kept[3]");
    await deleted(fixture.cluster, key.slice(0, -1), key);
    const next = await fixture.run("b", ["-r", "_s_kept[3]"], ECHO_ELEMENT);
    equal(next.code, 0, next.stderr);
    equal(next.stdout, "3\n");
    await release(holder);
  },
});

Deno.test({
  name:
    "etcd-backed daemons: GET /status (--metrics) and the -m file system show every daemon's holders; /metrics counts the daemon's own",
  ignore,
  async fn() {
    await using fixture = await Fixture.start();
    const address = `127.0.0.1:${freePort("127.0.0.1")}`;
    const mount = `${fixture.dir.path}/vfs`;
    await Deno.mkdir(mount);
    const fuse = fuseAvailable();
    await fixture.daemon("a");
    const daemon = await fixture.daemon("b", [
      "--metrics",
      address,
      ...(fuse ? ["-m", mount] : []),
    ]);
    try {
      const holder = await fixture.hold("a", ["-r", "backup"]);
      const status = await (await fetch(`http://${address}/status`)).json();
      const [backup] = status.resources;
      equal(backup.name, "backup");
      match(backup.holders[0].peer, /^daemon [0-9a-f]+: local$/);
      equal(backup.holders[0].pid, holder.child.pid);
      // Metrics are per daemon, for Prometheus to sum: daemon b's clients hold nothing.
      const metrics = await (await fetch(`http://${address}/metrics`)).text();
      match(metrics, /^flom_holders\{kind="simple"\} 0$/m);
      if (fuse) {
        const lockers = `${mount}/status/lockers`;
        const [locker] = await Array.fromAsync(Deno.readDir(lockers));
        equal(await Deno.readTextFile(`${lockers}/${locker!.name}/resource_name`), "backup\n");
        const holders = `${lockers}/${locker!.name}/holders`;
        const [held] = await Array.fromAsync(Deno.readDir(holders));
        match(
          await Deno.readTextFile(`${holders}/${held!.name}/peer_name`),
          /^daemon [0-9a-f]+: local/,
        );
      }
      await release(holder);
    } finally {
      // Stopped cleanly, it unmounts its file system (a SIGKILL would leave the mount behind).
      daemon.child.kill("SIGTERM");
      await daemon.result();
    }
  },
});
