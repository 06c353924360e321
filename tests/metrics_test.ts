/**
 * End-to-end tests of `--metrics ADDRESS:PORT`: a daemon's counters and gauges scraped over HTTP
 * and parsed while locks are held, waited for, refused and abandoned; `GET /status` against
 * `flom --status --json` (a TLS daemon's status only over TLS); where a daemon listens (only there,
 * and nowhere without the option); the HTTP server gone on every exit path; a port that cannot be
 * bound at start.
 */
import assert from "node:assert/strict";
import type { StatusSnapshot } from "../src/status/snapshot.ts";
import { enqueue, freePort, hold, release, runsWith, TestDir, waitUntil } from "./harness.ts";
import { transportTest } from "./transports.ts";

/** The samples of a Prometheus text: `name{labels}` → value. */
function parseSamples(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("# HELP ") || line.startsWith("# TYPE ")) continue;
    const match = /^(flom_[a-z_]+(?:\{[a-z]+="[^"]*"\})?) (-?[0-9.e+]+)$/.exec(line);
    assert.ok(match, `not a sample line: '${line}'`);
    samples.set(match[1]!, Number(match[2]));
  }
  return samples;
}

/** One scrape of `GET http://ADDRESS/metrics`. */
async function scrape(address: string): Promise<Map<string, number>> {
  const response = await fetch(`http://${address}/metrics`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
  return parseSamples(await response.text());
}

/**
 * Scrapes until `condition` holds: for what the daemon learns after a client has exited (its
 * connection's end), which gives the test no event of its own.
 */
async function scrapeUntil(
  address: string,
  condition: (samples: Map<string, number>) => boolean,
  what: string,
): Promise<Map<string, number>> {
  let samples = await scrape(address);
  for (const deadline = Date.now() + 15000; !condition(samples);) {
    if (Date.now() > deadline) throw new Error(`no scrape showed ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
    samples = await scrape(address);
  }
  return samples;
}

/** The TCP addresses (hex as in /proc/net/tcp*, and port) process `pid` listens on. */
function listeningSockets(pid: number): string[] {
  const inodes = new Set<string>();
  for (const entry of Deno.readDirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(Deno.readLinkSync(`/proc/${pid}/fd/${entry.name}`));
      if (match) inodes.add(match[1]!);
    } catch {
      // Closed while we looked.
    }
  }
  const found: string[] = [];
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    for (const line of Deno.readTextFileSync(table).split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address is fields[1], the state fields[3] (0A: LISTEN), the inode fields[9].
      if (fields[3] === "0A" && inodes.has(fields[9]!)) {
        const [address, port] = fields[1]!.split(":");
        found.push(`${address}:${Number.parseInt(port!, 16)}`);
      }
    }
  }
  return found;
}

// 127.0.0.1 and ::1 as /proc/net/tcp and tcp6 write them.
const LOOPBACK_V4_HEX = "0100007F";
const LOOPBACK_V6_HEX = "00000000000000000000000001000000";

function ipv6Loopback(): boolean {
  try {
    Deno.listen({ hostname: "::1", port: 0 }).close();
    return true;
  } catch {
    return false;
  }
}

/** Whether a TCP port can be bound on 127.0.0.1, i.e. nobody listens there any more. */
function portFree(port: number): boolean {
  try {
    Deno.listen({ hostname: "127.0.0.1", port }).close();
    return true;
  } catch {
    return false;
  }
}

Deno.test("flom --metrics: grants, refusals, waits, holders and connections scraped over HTTP", async () => {
  await using dir = new TestDir();
  const address = `127.0.0.1:${freePort("127.0.0.1")}`;
  const holder = await hold(dir, ["-d", "-1", "--metrics", address, "-r", "backup"]);
  const waiter = await enqueue(dir, ["-r", "backup", "--", "true"]);
  let samples = await scrape(address);
  assert.equal(samples.get('flom_resources{kind="simple"}'), 1);
  assert.equal(samples.get('flom_holders{kind="simple"}'), 1);
  assert.equal(samples.get('flom_waiters{kind="simple"}'), 1);
  assert.equal(samples.get('flom_holders{kind="numeric"}'), 0);
  assert.equal(samples.get("flom_lock_grants_total"), 1);
  assert.equal(samples.get("flom_lock_wait_seconds_count"), 0);
  assert.equal(samples.get("flom_connections_open"), 2);
  assert.ok(samples.get("flom_uptime_seconds")! > 0);

  // Refused at once when busy (-o 0); a wait abandoned at its -o timeout.
  const busy = await dir.run([...dir.endpoint, "-r", "backup", "-o", "0", "--", "true"]);
  assert.equal(busy.code, 98, busy.stderr);
  const abandoned = await dir.run([...dir.endpoint, "-r", "backup", "-o", "200", "--", "true"]);
  assert.equal(abandoned.code, 98, abandoned.stderr);

  await release(holder);
  assert.equal((await waiter.result()).code, 0);
  samples = await scrapeUntil(
    address,
    (samples) =>
      samples.get("flom_lock_waits_abandoned_total") === 1 &&
      samples.get("flom_connections_open") === 0,
    "the abandoned wait and every connection closed",
  );
  assert.equal(samples.get("flom_lock_grants_total"), 2);
  assert.equal(samples.get('flom_lock_refusals_total{reason="busy"}'), 1);
  assert.equal(samples.get('flom_lock_refusals_total{reason="impossible"}'), 0);
  // Four lock requests, and the two flom whose command ran each told the daemon which process it
  // is on a short connection of its own (README, "Safe locks").
  assert.equal(samples.get("flom_connections_accepted_total"), 6);
  assert.equal(samples.get("flom_bad_messages_total"), 0);
  // The waiter's wait, from its queueing to its grant: in the histogram, and in its sum.
  assert.equal(samples.get("flom_lock_wait_seconds_count"), 1);
  assert.equal(samples.get('flom_lock_wait_seconds_bucket{le="+Inf"}'), 1);
  assert.ok(samples.get("flom_lock_wait_seconds_sum")! > 0);
  assert.equal(samples.get('flom_holders{kind="simple"}'), 0);
  assert.equal(samples.get('flom_waiters{kind="simple"}'), 0);

  for (
    const [method, path] of [["GET", "/"], ["GET", "/metrics/x"], ["POST", "/metrics"]] as const
  ) {
    const response = await fetch(`http://${address}${path}`, { method });
    await response.body?.cancel();
    assert.equal(response.status, 404, `${method} ${path}`);
  }
});

Deno.test("flom --metrics: GET /status answers the JSON of flom --status --json", async () => {
  await using dir = new TestDir();
  const address = `127.0.0.1:${freePort("127.0.0.1")}`;
  const holder = await hold(dir, ["-d", "-1", "--metrics", address, "-r", "pool[3]", "-q", "2"]);
  const waiter = await enqueue(dir, ["-r", "pool[3]", "-q", "2", "--", "true"]);
  const response = await fetch(`http://${address}/status`);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), "application/json");
  const overHttp = await response.text();
  const cli = await dir.run([...dir.endpoint, "--status", "--json"]);
  assert.equal(cli.code, 0, cli.stderr);
  // The same text but for the instants and durations, which differ between two snapshots.
  const instantless = (text: string) =>
    text.replace(/"(takenAt|since|heldMs|waitingMs)": ("[^"]*"|\d+)/g, '"$1": 0');
  assert.equal(instantless(overHttp), instantless(cli.stdout));
  const snapshot: StatusSnapshot = JSON.parse(overHttp);
  assert.deepEqual(
    snapshot.resources.map(({ name, holders, waiters }) => [name, holders.length, waiters.length]),
    [["pool[3]", 1, 1]],
  );
  await release(holder);
  assert.equal((await waiter.result()).code, 0);
});

transportTest(
  "flom --metrics: a TLS daemon serves its metrics, but its status only over TLS",
  async (dir) => {
    const address = `127.0.0.1:${freePort("127.0.0.1")}`;
    const start = await dir.run([...dir.endpoint, "-d", "-1", "--metrics", address, "--", "true"]);
    assert.equal(start.code, 0, start.stderr);
    assert.equal((await scrape(address)).get("flom_lock_grants_total"), 1);
    const response = await fetch(`http://${address}/status`);
    assert.equal(response.status, 404);
    assert.match(await response.text(), /only over TLS/);
    const overTls = await dir.run([...dir.endpoint, "--status", "--json"]);
    assert.equal(overTls.code, 0, overTls.stderr);
  },
  ["tls"],
);

Deno.test("flom --metrics: a daemon listens for HTTP only where told, and nowhere without it", async () => {
  await using plain = new TestDir();
  const started = await plain.run([...plain.endpoint, "-d", "-1", "--", "true"]);
  assert.equal(started.code, 0, started.stderr);
  const [plainDaemon] = plain.daemonPids();
  assert.deepEqual(listeningSockets(plainDaemon!), []);

  await using served = new TestDir();
  const v6 = runsWith(ipv6Loopback());
  const port = freePort(v6 ? "::1" : "127.0.0.1");
  const address = v6 ? `[::1]:${port}` : `127.0.0.1:${port}`;
  const start = await served.run([
    ...served.endpoint,
    "-d",
    "-1",
    "--metrics",
    address,
    "--",
    "true",
  ]);
  assert.equal(start.code, 0, start.stderr);
  const [daemon] = served.daemonPids();
  assert.deepEqual(listeningSockets(daemon!), [
    `${v6 ? LOOPBACK_V6_HEX : LOOPBACK_V4_HEX}:${port}`,
  ]);
  assert.equal((await scrape(address)).get("flom_lock_grants_total"), 1);
});

Deno.test("flom --metrics: the HTTP server ends with the daemon: idle exit, -X, SIGTERM", async () => {
  for (const ending of ["idle", "-X", "SIGTERM"] as const) {
    await using dir = new TestDir();
    const port = freePort("127.0.0.1");
    const address = `127.0.0.1:${port}`;
    const lifespan = ending === "idle" ? "3000" : "-1";
    const start = await dir.run([
      ...dir.endpoint,
      "-d",
      lifespan,
      "--metrics",
      address,
      "--",
      "true",
    ]);
    assert.equal(start.code, 0, start.stderr);
    const [daemon] = dir.daemonPids();
    // Served, and the scrape's connection may stay open (fetch keeps it alive).
    assert.equal((await scrape(address)).get("flom_lock_grants_total"), 1, ending);
    if (ending === "-X") {
      assert.equal((await dir.run([...dir.endpoint, "-X"])).code, 0);
    } else if (ending === "SIGTERM") {
      Deno.kill(daemon!, "SIGTERM");
    }
    await waitUntil(() => dir.daemonPids().length === 0, `the daemon to exit (${ending})`);
    assert.ok(portFree(port), `the port is free after ${ending}`);
  }
});

Deno.test("flom --metrics: a port the daemon cannot bind fails its start like other start failures", async () => {
  await using dir = new TestDir();
  using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const address = `127.0.0.1:${(taken.addr as Deno.NetAddr).port}`;
  const result = await dir.run([...dir.endpoint, "--metrics", address, "--", "true"]);
  assert.equal(result.code, 99);
  assert.equal(result.stdout, "");
  assert.equal(
    result.stderr,
    "flom_client_connect: ret_cod=-2 (ERROR: flom command was not able to start a new daemon and/or connect to it)\n" +
      `flom: the daemon cannot start: cannot serve metrics on ${address}: Address already in use (os error 98)\n`,
  );
  await waitUntil(() => dir.daemonPids().length === 0, "the daemon to exit");
});

Deno.test("flom --metrics: an address that is not ADDRESS:PORT is refused in one line, exit 99", async () => {
  await using dir = new TestDir();
  const option = await dir.run(["--metrics", "localhost", "--", "true"]);
  assert.equal(option.code, 99);
  assert.equal(
    option.stderr,
    "metrics: 'localhost' is an invalid value: give ADDRESS:PORT, as 127.0.0.1:9100 or [::1]:9100\n",
  );
  await Deno.writeTextFile(`${dir.path}/flom.toml`, '[Daemon]\nMetricsAddress = "::1:9100"\n');
  const config = await dir.run(["-c", "flom.toml", "--", "true"]);
  assert.equal(config.code, 99);
  assert.equal(
    config.stderr,
    "flom: invalid configuration in 'flom.toml' line 2: key 'MetricsAddress' in group [Daemon] has a value that cannot be interpreted: '::1:9100'\n",
  );
  assert.deepEqual(dir.daemonPids(), []);
});
