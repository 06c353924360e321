/**
 * The original's use case 8 (seed document: a daemon on "mojan", clients on "presanella", by
 * address and by UDP multicast auto-discovery) end to end between two network namespaces
 * (tests/netns.ts), plus discovery of daemons that advertise no address (IPv4 and IPv6 groups),
 * auto-start over the network, name-lookup failures, and TCP on the loopback addresses.
 *
 * Multicast and non-loopback traffic happens only inside the namespaces the tests create; in
 * this host's namespace flom talks to 127.0.0.1 and ::1 only, by literal address. Waiting is
 * observed through the client trace (FLOM_TRACE_MASK=0x8: "rc=1" = enqueued) and the `-V`
 * discovery lines, never guessed from time.
 */
import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  notDeepStrictEqual as assertNotEquals,
  ok as assert,
} from "node:assert/strict";
import {
  ENQUEUED,
  type FlomResult,
  freePort,
  HOLD,
  processesMentioning,
  release,
  runsWith,
  TRACE,
  waitUntil,
} from "./harness.ts";
import { canCreateNamespaces, IFACE, namespaceExists, NetDir, TwoHosts } from "./netns.ts";

const NETNS = canCreateNamespaces();
const IPV6_LOOPBACK = canListenOn("::1");
const PYTHON = findPython();

const GROUP = "239.255.0.1";
const PORT = 28015;
const CONNECT_ERROR =
  "flom_client_connect: ret_cod=-105 (ERROR: 'connect' function returned an error condition)";
/** The -105 line and our line that says where no daemon was found (`where`). */
const noDaemon = (where: string) =>
  `${CONNECT_ERROR}\nflom: no flom daemon ${where}, and -d 0 does not start one\n`;
const NOBODY_ANSWERS_DISCOVERY = noDaemon(`answered discovery on ${GROUP}/${PORT}`);
const LOOKUP_ERROR =
  "flom_client_connect: ret_cod=-110 (ERROR: 'getaddrinfo' function returned an error condition)";
const NOT_STARTED =
  "flom_client_connect: ret_cod=-2 (ERROR: flom command was not able to start a new daemon and/or connect to it)";
// The discovery datagrams, byte for byte as the original's (fixtures/wire/ns_discovery_udp.txt).
const QUERY = '<?xml version="1.0" encoding="UTF-8" ?><msg level="3" verb="4" step="8"></msg>';
const reply = (address: string, port: number | string) =>
  `<?xml version="1.0" encoding="UTF-8" ?><msg level="3" verb="4" step="16"><network address="${address}" port="${port}"/></msg>`;
// `YYYY-MM-DD HH:MM:SS.uuuuuu [pid/thread] message` (docs/compatibility.md, "Tracing").
const TRACE_LINE = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6} \[\d+\/[^\]\s]+\] \S/;

// What `ls` prints in the use case's /usr, here a directory of the test's own.
const USR = ["bin", "include", "lib", "share"];
const LS = USR.map((name) => `${name}\n`).join("");

function makeUsr(dir: NetDir): string {
  const usr = `${dir.path}/usr`;
  for (const name of USR) Deno.mkdirSync(`${usr}/${name}`, { recursive: true });
  return usr;
}

function canListenOn(hostname: string): boolean {
  try {
    Deno.listen({ hostname, port: 0 }).close();
    return true;
  } catch {
    return false;
  }
}

/** A python3 for the hop-limit listener (node:dgram cannot read a datagram's TTL), if any. */
function findPython(): string | undefined {
  for (const candidate of ["/usr/bin/python3", "/usr/local/bin/python3", "python3"]) {
    try {
      if (new Deno.Command(candidate, { args: ["-c", ""] }).outputSync().success) return candidate;
    } catch {
      // Not there.
    }
  }
  return undefined;
}

/**
 * Joins GROUP on PORT (argv 1 and 2) and prints `ttl=<hop limit> <payload>` for every datagram:
 * what the queries of a flom on the other host look like on the wire.
 */
const TTL_LISTENER = `
import socket, struct, sys
group, port = sys.argv[1], int(sys.argv[2])
if ":" in group:
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("::", port))
    s.setsockopt(socket.IPPROTO_IPV6, 20, socket.inet_pton(socket.AF_INET6, group) + struct.pack("@I", 0))
    s.setsockopt(socket.IPPROTO_IPV6, 51, 1)  # IPV6_RECVHOPLIMIT
    level, kind = socket.IPPROTO_IPV6, 52  # IPV6_HOPLIMIT
else:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, socket.inet_aton(group) + socket.inet_aton("0.0.0.0"))
    s.setsockopt(socket.IPPROTO_IP, 12, 1)  # IP_RECVTTL
    level, kind = socket.IPPROTO_IP, 2  # IP_TTL
print("ready", flush=True)
while True:
    data, ancillary, _, _ = s.recvmsg(65536, 64)
    ttl = [struct.unpack("@i", d[:4])[0] for l, t, d in ancillary if l == level and t == kind]
    print("ttl=%s %s" % (ttl[0] if ttl else "?", data.decode(errors="replace")), flush=True)
`;

/** Sends one UDP datagram from a namespace (argv: address, port, payload as JSON). */
const SEND_DATAGRAM = `
import dgram from "node:dgram";
const [address, port, payload] = Deno.args;
const socket = dgram.createSocket(address.includes(":") ? "udp6" : "udp4");
socket.send(JSON.parse(payload), Number(port), address, (error) => {
  socket.close();
  if (error) throw error;
});
`;

/** The verbose (`-V`) lines of stdout that are not the configuration dump nor the command's. */
function lines(text: string, prefix: string): string[] {
  return text.split("\n").filter((line) => line.startsWith(prefix));
}

/**
 * The port a `-V` client was told by the discovery reply from `group`, after checking that the
 * reply is the original's datagram with the expected address.
 */
function discoveredPort(stdout: string, group: string, address: string, via = PORT): number {
  const prefix = `reply from ${group}/${via} is '`;
  const replies = lines(stdout, prefix);
  assertEquals(replies.length, 1, stdout);
  const xml = replies[0]!.slice(prefix.length, -1);
  const port = /port="(\d+)"/.exec(xml)?.[1];
  assertEquals(xml, reply(address, port ?? "?"));
  return Number(port);
}

/** Trace lines of stderr before the final error line; checks their format. */
function traceLines(stderr: string, lastLines: string): string[] {
  assert(stderr.endsWith(lastLines), stderr);
  const all = stderr.slice(0, stderr.length - lastLines.length).split("\n");
  assertEquals(all.pop(), "", "the trace lines end with a newline");
  for (const line of all) assertMatch(line, TRACE_LINE);
  return all;
}

/** Starts `flom START -d -1 -- true` on mojan and uses it from presanella with USE. */
async function advertisedWithoutAddress(
  net: TwoHosts,
  dir: NetDir,
  start: string[],
  use: string[],
  group: string,
) {
  const started = await net.run("mojan", [...start, "-d", "-1", "--", "true"], { dir });
  assertEquals(started, { code: 0, stdout: "", stderr: "" });
  assertEquals(net.flomPids("mojan", dir).length, 1);
  const used = await net.run("presanella", ["-V", ...use, "-d", "0", "--", "echo", "ok"], {
    dir,
  });
  assertEquals([used.code, used.stderr], [0, ""]);
  assert(used.stdout.endsWith("ok\n"), used.stdout);
  // Started without -a: it listens on an ephemeral port and its reply names no address.
  assertNotEquals(discoveredPort(used.stdout, group, ""), PORT);
  assertEquals(net.flomPids("presanella", dir), []);
}

Deno.test({
  name: "use case 8: a daemon on mojan serves presanella by address and by multicast discovery",
  ignore: !NETNS,
}, async (t) => {
  let names: string[] = [];
  let marker = "";
  {
    await using net = await TwoHosts.create();
    await using dir = new NetDir();
    names = Object.values(net.names);
    marker = dir.path;
    const usr = makeUsr(dir);
    const mojan = net.ipv4.mojan;
    let daemon = 0;

    await t.step(
      "a. flom -a <mojan> -A 239.255.0.1 -d -1 -- true leaves one daemon on mojan",
      async () => {
        assertEquals(net.flomPids("mojan", dir), []);
        const start = await net.run("mojan", ["-a", mojan, "-A", GROUP, "-d", "-1", "--", "true"], {
          dir,
        });
        assertEquals(start, { code: 0, stdout: "", stderr: "" });
        const daemons = net.flomPids("mojan", dir);
        assertEquals(daemons.length, 1);
        assertEquals(net.flomPids("presanella", dir), []);
        daemon = daemons[0]!;
        // `ps` shows the daemon with the arguments of the flom that started it.
        const cmdline = Deno.readTextFileSync(`/proc/${daemon}/cmdline`);
        assert(
          cmdline.endsWith(["-a", mojan, "-A", GROUP, "-d", "-1", "--", "true", ""].join("\0")),
          cmdline,
        );
      },
    );

    await t.step("b. flom -a <mojan> -d 0 -- ls works on mojan and on presanella", async () => {
      for (const host of ["mojan", "presanella"] as const) {
        const ls = await net.run(host, ["-a", mojan, "-d", "0", "--", "ls"], { dir, cwd: usr });
        assertEquals(ls, { code: 0, stdout: LS, stderr: "" }, host);
      }
      // By host name too (each namespace's /etc/hosts names the other host).
      const byName = await net.run("presanella", ["-a", "mojan", "-d", "0", "--", "ls"], {
        dir,
        cwd: usr,
      });
      assertEquals(byName, { code: 0, stdout: LS, stderr: "" });
      assertEquals(net.flomPids("mojan", dir), [daemon]);
      assertEquals(net.flomPids("presanella", dir), []);
    });

    await t.step("c. flom -A 239.255.0.1 -d 0 -- ls on presanella finds the daemon", async () => {
      const ls = await net.run("presanella", ["-A", GROUP, "-d", "0", "--", "ls"], {
        dir,
        cwd: usr,
      });
      assertEquals(ls, { code: 0, stdout: LS, stderr: "" });
      // -V shows the query and the daemon's answer: its address and port.
      const verbose = await net.run("presanella", ["-V", "-A", GROUP, "-d", "0", "--", "ls"], {
        dir,
        cwd: usr,
      });
      assertEquals(verbose.code, 0, verbose.stderr);
      assertEquals(lines(verbose.stdout, "sending UDP multicast datagram to "), [
        `sending UDP multicast datagram to ${GROUP}/${PORT} ('${QUERY}')`,
      ]);
      assertEquals(discoveredPort(verbose.stdout, GROUP, mojan), PORT);
      assert(verbose.stdout.endsWith(LS), verbose.stdout);
      assertEquals(net.flomPids("presanella", dir), []);
    });

    await t.step("d. a command on mojan waits for the one presanella runs", async () => {
      const holder = net.spawn("presanella", ["-A", GROUP, "-d", "0", "--", ...HOLD], {
        dir,
        stdin: true,
      });
      await holder.waitFor(/held/);
      const waiter = net.spawn("mojan", ["-A", GROUP, "-d", "0", "--", "echo", "ls-ran"], {
        dir,
        env: TRACE,
      });
      await waiter.waitFor(ENQUEUED, "stderr");
      assertEquals(waiter.stdout, "");
      await release(holder);
      const result = await waiter.result();
      assertEquals([result.code, result.stdout], [0, "ls-ran\n"]);
    });

    await t.step("e. once the daemon is killed, -d 0 clients fail with -105", async () => {
      Deno.kill(daemon, "SIGTERM");
      await waitUntil(() => net.flomPids("mojan", dir).length === 0, "the daemon to exit");

      const plain = await net.run("presanella", ["-A", GROUP, "-d", "0", "--", "sleep", "10"], {
        dir,
      });
      assertEquals(plain, { code: 99, stdout: "", stderr: NOBODY_ANSWERS_DISCOVERY });

      const traced = await net.run("presanella", ["-A", GROUP, "-d", "0", "--", "sleep", "10"], {
        dir,
        env: TRACE,
      });
      assertEquals([traced.code, traced.stdout], [99, ""]);
      const traces = traceLines(traced.stderr, NOBODY_ANSWERS_DISCOVERY);
      assert(
        traces.some((line) => line.includes(GROUP) && line.includes(`${PORT}`)),
        traced.stderr,
      );
      assert(traces.some((line) => /attempt 1\b/.test(line)), traced.stderr);
      assert(traces.some((line) => /attempt 2\b/.test(line)), traced.stderr);
      assert(!traces.some((line) => /attempt 3\b/.test(line)), traced.stderr);
      assert(traces.some((line) => /no (answer|reply)/i.test(line)), traced.stderr);
      assert(traces.some((line) => /lifespan is 0/.test(line)), traced.stderr);

      // -V: each query and each silence; -D and -I set how many and how long.
      const started = Date.now();
      const verbose = await net.run(
        "presanella",
        ["-V", "-A", GROUP, "-D", "3", "-I", "200", "-d", "0", "--", "sleep", "10"],
        { dir },
      );
      const elapsed = Date.now() - started;
      assertEquals([verbose.code, verbose.stderr], [99, NOBODY_ANSWERS_DISCOVERY]);
      assertEquals(
        lines(verbose.stdout, "sending UDP multicast datagram to "),
        Array(3).fill(`sending UDP multicast datagram to ${GROUP}/${PORT} ('${QUERY}')`),
      );
      assertEquals(
        lines(verbose.stdout, "no reply from "),
        Array(3).fill(`no reply from ${GROUP}/${PORT}`),
      );
      assert(elapsed >= 3 * 200, `gave up after ${elapsed} ms`);

      // The same trace into a -T file: stderr keeps only the error.
      const file = `${dir.path}/client.trc`;
      const toFile = await net.run(
        "presanella",
        ["-A", GROUP, "-T", file, "-d", "0", "--", "sleep", "10"],
        { dir, env: TRACE },
      );
      assertEquals(toFile, { code: 99, stdout: "", stderr: NOBODY_ANSWERS_DISCOVERY });
      const fileLines = traceLines(
        `${Deno.readTextFileSync(file)}${NOBODY_ANSWERS_DISCOVERY}`,
        NOBODY_ANSWERS_DISCOVERY,
      );
      assert(fileLines.some((line) => /lifespan is 0/.test(line)), fileLines.join("\n"));

      // By address: the connection is refused; with -A too, the address alone is tried.
      const tcp = await net.run("presanella", ["-a", mojan, "-d", "0", "--", "true"], { dir });
      const nobodyAtMojan = noDaemon(`is running at ${mojan}/${PORT}`);
      assertEquals(tcp, { code: 99, stdout: "", stderr: nobodyAtMojan });
      const both = await net.run("presanella", [
        "-V",
        "-a",
        mojan,
        "-A",
        GROUP,
        "-d",
        "0",
        "--",
        "true",
      ], {
        dir,
      });
      assertEquals([both.code, both.stderr], [99, nobodyAtMojan]);
      assertEquals(lines(both.stdout, "sending UDP multicast datagram to "), []);
      assertEquals(net.flomPids("mojan", dir), []);
      assertEquals(net.flomPids("presanella", dir), []);
    });
  }
  // The fixture deleted both namespaces and nothing of the test still runs.
  for (const name of names) assert(!namespaceExists(name), name);
  assertEquals(processesMentioning(marker), []);
});

Deno.test({
  name: "f, g. discovery finds daemons that advertise no address, on IPv4 and IPv6 groups",
  ignore: !NETNS,
}, async (t) => {
  await using net = await TwoHosts.create();

  await t.step("f. flom -A 239.255.0.1 -d -1 on mojan is used from presanella", async () => {
    await using dir = new NetDir();
    await advertisedWithoutAddress(net, dir, ["-A", GROUP], ["-A", GROUP], GROUP);
  });

  await t.step("g. IPv6 link-local group ff02::7a:1 with -n on both hosts", async () => {
    await using dir = new NetDir();
    const group = "ff02::7a:1";
    await advertisedWithoutAddress(
      net,
      dir,
      ["-A", group, "-n", IFACE],
      ["-A", group, "-n", IFACE],
      group,
    );
  });

  await t.step("g. IPv6 site-local group ff05::7a:1", async () => {
    await using dir = new NetDir();
    const group = "ff05::7a:1";
    await advertisedWithoutAddress(net, dir, ["-A", group], ["-A", group], group);
  });
});

Deno.test({
  name:
    "IPv6 discovery without -n: link-local replies and addresses get the link's zone, and a daemon with -n answers on the default interface",
  ignore: !NETNS,
}, async (t) => {
  await using net = await TwoHosts.create();
  const ok = (result: FlomResult) => assertEquals(result, { code: 0, stdout: "ok\n", stderr: "" });

  await t.step("link-local group ff02::7a:1 with no -n on either host", async () => {
    await using dir = new NetDir();
    const group = ["-A", "ff02::7a:1"];
    await advertisedWithoutAddress(net, dir, group, group, "ff02::7a:1");
  });

  await t.step("flom -d 3000 -A ff01::1 starts a daemon and finds it on this host", async () => {
    await using dir = new NetDir();
    ok(await net.run("mojan", ["-d", "3000", "-A", "ff01::1", "--", "echo", "ok"], { dir }));
  });

  await t.step(
    "a daemon started with -a ::1 -n lo answers a client that names no interface",
    async () => {
      await using dir = new NetDir();
      const daemon = ["-d", "3000", "-a", "::1", "-n", "lo", "-A", "ff01::1", "--", "true"];
      assertEquals((await net.run("mojan", daemon, { dir })).code, 0);
      ok(await net.run("mojan", ["-d", "0", "-A", "ff01::1", "--", "echo", "ok"], { dir }));
    },
  );

  await t.step(
    "a daemon that advertises -a fe80::… is reached by a client without -n",
    async () => {
      await using dir = new NetDir();
      const group = ["-A", "ff02::7a:1"];
      const daemon = ["-a", net.linkLocal.mojan, "-n", IFACE, ...group, "-d", "-1", "--", "true"];
      assertEquals((await net.run("mojan", daemon, { dir })).code, 0);
      ok(await net.run("presanella", [...group, "-d", "0", "--", "echo", "ok"], { dir }));
    },
  );
});

Deno.test({
  name: "IPv6 unicast between the hosts: a global address, and a link-local one with -n",
  ignore: !NETNS,
}, async (t) => {
  await using net = await TwoHosts.create();

  const cases = [
    ["global address", net.ipv6.mojan, []],
    ["link-local address with -n", net.linkLocal.mojan, ["-n", IFACE]],
  ] as const;
  for (const [what, address, extra] of cases) {
    await t.step(`${what}: daemon on mojan, client on presanella`, async () => {
      await using dir = new NetDir();
      const started = await net.run("mojan", ["-a", address, ...extra, "-d", "-1", "--", "true"], {
        dir,
      });
      assertEquals(started, { code: 0, stdout: "", stderr: "" });
      assertEquals(net.flomPids("mojan", dir).length, 1);
      const used = await net.run(
        "presanella",
        ["-a", address, ...extra, "-d", "0", "--", "echo", "ok"],
        { dir },
      );
      assertEquals(used, { code: 0, stdout: "ok\n", stderr: "" });
    });
  }
});

Deno.test({
  name:
    "j. auto-start over the network: a client with -A and a lifespan starts a daemon that the other host uses",
  ignore: !NETNS,
}, async (t) => {
  await using net = await TwoHosts.create();

  await t.step(
    "j. flom -A 239.255.0.1 -d 3000 starts a daemon that presanella then uses",
    async () => {
      await using dir = new NetDir();
      assertEquals(net.flomPids("mojan", dir), []);
      const first = await net.run("mojan", ["-A", GROUP, "-d", "3000", "--", "true"], { dir });
      assertEquals(first, { code: 0, stdout: "", stderr: "" });
      assertEquals(net.flomPids("mojan", dir).length, 1);
      const used = await net.run("presanella", ["-V", "-A", GROUP, "-d", "0", "--", "echo", "ok"], {
        dir,
      });
      assertEquals([used.code, used.stderr], [0, ""]);
      assert(used.stdout.endsWith("ok\n"), used.stdout);
      assertNotEquals(discoveredPort(used.stdout, GROUP, ""), PORT);
      assertEquals(net.flomPids("presanella", dir), []);
      // Its lifespan is 3000 ms, so it ends by itself once idle.
      await waitUntil(
        () => net.flomPids("mojan", dir).length === 0,
        "the idle daemon to exit",
        15000,
      );
    },
  );
});

Deno.test({
  name: "discovery options (-P, -D, -I, --discovery-ttl), the daemon trace file, foreign datagrams",
  ignore: !NETNS,
}, async (t) => {
  await using net = await TwoHosts.create();

  await t.step("-P: daemon and clients on another discovery port", async () => {
    await using dir = new NetDir();
    const started = await net.run("mojan", ["-A", GROUP, "-P", "28016", "-d", "-1", "--", "true"], {
      dir,
    });
    assertEquals(started, { code: 0, stdout: "", stderr: "" });
    const elsewhere = await net.run(
      "presanella",
      ["-A", GROUP, "-D", "1", "-I", "200", "-d", "0", "--", "true"],
      { dir },
    );
    assertEquals(elsewhere, { code: 99, stdout: "", stderr: NOBODY_ANSWERS_DISCOVERY });
    const used = await net.run(
      "presanella",
      ["-V", "-A", GROUP, "-P", "28016", "-d", "0", "--", "echo", "ok"],
      { dir },
    );
    assertEquals([used.code, used.stderr], [0, ""]);
    assertEquals(lines(used.stdout, "sending UDP multicast datagram to "), [
      `sending UDP multicast datagram to ${GROUP}/28016 ('${QUERY}')`,
    ]);
    assertNotEquals(discoveredPort(used.stdout, GROUP, "", 28016), 28016);
  });

  await t.step("-t: the daemon traces into its file", async () => {
    await using dir = new NetDir();
    const file = `${dir.path}/daemon.trc`;
    const started = await net.run("mojan", ["-A", GROUP, "-t", file, "-d", "-1", "--", "true"], {
      dir,
      env: { FLOM_TRACE_MASK: "0x10" },
    });
    assertEquals(started.code, 0, started.stderr);
    const [daemon] = net.flomPids("mojan", dir);
    const used = await net.run("presanella", ["-A", GROUP, "-d", "0", "--", "echo", "ok"], { dir });
    assertEquals(used, { code: 0, stdout: "ok\n", stderr: "" });
    const traced = () => Deno.readTextFileSync(file).split("\n").filter(Boolean);
    await waitUntil(() => traced().length > 0, "daemon trace lines");
    for (const line of traced()) {
      assertMatch(line, TRACE_LINE);
      assert(line.includes(` [${daemon}/`), `${line} is not from daemon ${daemon}`);
    }
  });

  await t.step("the daemon ignores datagrams that are not discovery queries", async () => {
    await using dir = new NetDir();
    const started = await net.run("mojan", ["-A", GROUP, "-d", "-1", "--", "true"], { dir });
    assertEquals(started, { code: 0, stdout: "", stderr: "" });
    const [daemon] = net.flomPids("mojan", dir);
    const junk = [
      "garbage",
      '<?xml version="1.0" encoding="UTF-8" ?><msg level="3" verb="4" step="16"></msg>',
      '<?xml version="1.0" encoding="UTF-8" ?><msg level="3" verb="1" step="8"><resource name="X1JFU09VUkNF" mode="5" wait="1" create="1" lifespan="0"/></msg>',
      "<msg".repeat(12000),
    ];
    for (const payload of junk) {
      for (const address of [GROUP, net.ipv4.mojan]) {
        const sender = net.exec(
          "presanella",
          [Deno.execPath(), "eval", SEND_DATAGRAM, address, String(PORT), JSON.stringify(payload)],
          { dir },
        );
        assertEquals((await sender.result()).code, 0);
      }
    }
    const used = await net.run("presanella", ["-A", GROUP, "-d", "0", "--", "echo", "ok"], { dir });
    assertEquals(used, { code: 0, stdout: "ok\n", stderr: "" });
    assertEquals(net.flomPids("mojan", dir), [daemon]);
  });

  await t.step({
    // Deno cannot set the hop limit of IPv6 multicast (node:dgram's setMulticastTTL is a no-op
    // for udp6, and no socket option is reachable): IPv6 queries keep hop limit 1, a documented
    // difference.
    name: "--discovery-ttl is the IPv4 queries' hop limit, 1 by default; IPv6 queries keep 1",
    ignore: !runsWith(PYTHON !== undefined),
    fn: async () => {
      await using dir = new NetDir();
      for (const [group, raised] of [[GROUP, 3], ["ff05::7a:1", 1]] as const) {
        const listener = net.exec(
          "presanella",
          [PYTHON!, "-c", TTL_LISTENER, group, String(PORT)],
          {
            dir,
          },
        );
        await listener.waitFor(/^ready$/m);
        const seen: string[] = [];
        for (const ttl of [1, 3]) {
          const ttlArgs = ttl === 1 ? [] : ["--discovery-ttl", String(ttl)];
          const query = await net.run(
            "mojan",
            ["-A", group, ...ttlArgs, "-D", "1", "-I", "100", "-d", "0", "--", "true"],
            { dir },
          );
          assertEquals(query.code, 99, query.stderr);
          seen.push(`ttl=${ttl === 1 ? 1 : raised} ${QUERY}`);
          await listener.waitFor(new RegExp(`(^ttl=.*\n){${seen.length}}`, "m"));
        }
        listener.child.kill("SIGKILL");
        const heard = (await listener.result()).stdout.split("\n").filter((l) =>
          l.startsWith("ttl=")
        );
        assertEquals(heard, seen, group);
      }
    },
  });
});

Deno.test({
  name: "connection errors: an address of another host (-2), unresolvable names (-110)",
  ignore: !NETNS,
}, async (t) => {
  await using net = await TwoHosts.create();

  await t.step("an address of another host with a lifespan: no daemon can start (-2)", async () => {
    await using dir = new NetDir();
    const result = await net.run("presanella", ["-a", net.ipv4.mojan, "--", "true"], { dir });
    assertEquals(result.code, 99);
    assertEquals(result.stderr.split("\n")[0], NOT_STARTED);
    assertEquals(net.flomPids("presanella", dir), []);
  });

  await t.step("i. an address that does not resolve exits 99 with -110", async () => {
    await using dir = new NetDir();
    for (const option of ["-a", "-A"]) {
      const result = await net.run(
        "presanella",
        [option, "no-such-host.invalid", "-d", "0", "--", "true"],
        { dir },
      );
      assertEquals(result, { code: 99, stdout: "", stderr: `${LOOKUP_ERROR}\n` }, option);
    }
  });
});

for (const address of ["127.0.0.1", "::1"]) {
  Deno.test({
    name: `h. TCP on ${address}: a second client waits for the first`,
    ignore: address === "::1" && !runsWith(IPV6_LOOPBACK),
  }, async () => {
    await using dir = new NetDir();
    const port = String(freePort(address));
    const where = ["-a", address, "-p", port];
    const holder = dir.spawn([...where, "--", ...HOLD], { stdin: true });
    await holder.waitFor(/held/);
    // The holder started the daemon; both mention the test's directory.
    const daemons = dir.daemonPids().filter((pid) => pid !== holder.child.pid);
    assertEquals(daemons.length, 1);
    const waiter = dir.spawn([...where, "-d", "0", "--", "echo", "second"], { env: TRACE });
    await waiter.waitFor(ENQUEUED, "stderr");
    assertEquals(waiter.stdout, "");
    const busy = await dir.run([...where, "-d", "0", "-o", "0", "--", "true"]);
    assertEquals(busy.code, 98);
    await release(holder);
    const result = await waiter.result();
    assertEquals([result.code, result.stdout], [0, "second\n"]);
    assertEquals(dir.daemonPids(), daemons);
  });
}

Deno.test({
  name: "-x and -X stop a TCP daemon and a discovered daemon: exit 0, no daemon left",
  ignore: !NETNS,
}, async (t) => {
  await using net = await TwoHosts.create();
  for (const [flag, word] of [["-x", "quiesce"], ["-X", "immediate"]] as const) {
    await t.step(`${flag} by address from presanella`, async () => {
      await using dir = new NetDir();
      const address = ["-a", net.ipv4.mojan];
      assertEquals(
        (await net.run("mojan", [...address, "-d", "-1", "--", "true"], { dir })).code,
        0,
      );
      assertEquals(net.flomPids("mojan", dir).length, 1);
      const stop = await net.run("presanella", [...address, flag], { dir });
      assertEquals(stop, {
        code: 0,
        stdout: `Starting FLoM daemon ${word} shutdown...\n`,
        stderr: "",
      });
      await waitUntil(() => net.flomPids("mojan", dir).length === 0, "the daemon to exit");
    });
    await t.step(`${flag} by discovery from presanella`, async () => {
      await using dir = new NetDir();
      assertEquals(
        (await net.run("mojan", ["-A", GROUP, "-d", "-1", "--", "true"], { dir })).code,
        0,
      );
      assertEquals(net.flomPids("mojan", dir).length, 1);
      const stop = await net.run("presanella", ["-A", GROUP, flag], { dir });
      assertEquals(stop, {
        code: 0,
        stdout: `Starting FLoM daemon ${word} shutdown...\n`,
        stderr: "",
      });
      await waitUntil(() => net.flomPids("mojan", dir).length === 0, "the daemon to exit");
    });
  }
});

Deno.test({
  name: "--debug-feature ipv6.multicast.server and .client exchange HELLO and WELCOME",
  ignore: !NETNS,
}, async () => {
  await using net = await TwoHosts.create();
  await using dir = new NetDir();
  const group = ["-A", "ff02::7a:1", "-n", IFACE];
  const server = net.spawn("mojan", ["--debug-feature=IPv6.Multicast.Server", ...group], {
    dir,
    env: { FLOM_TRACE_MASK: "0x100000" },
  });
  await server.waitFor(/ipv6.multicast.server listening/, "stderr");
  const client = await net.run("presanella", ["--debug-feature=ipv6.multicast.client", ...group], {
    dir,
  });
  assertEquals(client, {
    code: 0,
    stdout: "Sent datagram is 'HELLO'\nArrived datagram is 'WELCOME'\n",
    stderr: "",
  });
  const served = await server.result();
  assertEquals(served.code, 0);
  assertEquals(served.stdout, "Arrived datagram is 'HELLO'\nSent datagram is 'WELCOME'\n");
});

Deno.test({
  name:
    "--debug-feature ipv6.multicast.client sends HELLO again until a server started later answers",
  ignore: !NETNS,
}, async () => {
  await using net = await TwoHosts.create();
  await using dir = new NetDir();
  const group = ["-A", "ff02::7a:1", "-n", IFACE];
  const client = net.spawn("presanella", [
    "--debug-feature=ipv6.multicast.client",
    ...group,
    "-D",
    "40",
    "-I",
    "250",
  ], { dir });
  // The first HELLO has gone out with nobody listening; only a later one can be answered.
  await client.waitFor(/Sent datagram is 'HELLO'/);
  const server = net.spawn("mojan", ["--debug-feature=ipv6.multicast.server", ...group], { dir });
  assertEquals(await client.result(), {
    code: 0,
    stdout: "Sent datagram is 'HELLO'\nArrived datagram is 'WELCOME'\n",
    stderr: "",
  });
  assertEquals((await server.result()).code, 0);
});

function hasSs(): boolean {
  try {
    return new Deno.Command("ss", { args: ["-V"], stdout: "null", stderr: "null" }).outputSync()
      .success;
  } catch {
    return false;
  }
}

Deno.test({
  name: "--tcp-keepalive-time sets the keepalive idle time of a TCP daemon's connections",
  ignore: !runsWith(hasSs()),
}, async () => {
  await using dir = new NetDir();
  const port = freePort("127.0.0.1");
  const address = ["-a", "127.0.0.1", "-p", String(port)];
  const started = await dir.run([
    ...address,
    "--tcp-keepalive-time",
    "42",
    "-d",
    "-1",
    "--",
    "true",
  ]);
  assertEquals(started.code, 0, started.stderr);
  const holder = dir.spawn([...address, "--", ...HOLD], { stdin: true });
  await holder.waitFor(/held/);
  const sockets = new TextDecoder().decode(
    (await new Deno.Command("ss", {
      args: ["-tno", "state", "established", `( sport = :${port} )`],
    }).output()).stdout,
  );
  // The daemon's side of the holder's connection: keepalive armed, at most 42 s away.
  const seconds = Number(/timer:\(keepalive,(\d+)sec/.exec(sockets)?.[1]);
  assert(seconds > 0 && seconds <= 42, sockets);
  await release(holder);
  assertEquals((await dir.run([...address, "-X"])).code, 0);
});

Deno.test({
  name: "clients with -A that start together on one host start exactly one daemon",
  ignore: !NETNS,
}, async () => {
  await using net = await TwoHosts.create();
  await using dir = new NetDir();
  const clients = Array.from(
    { length: 4 },
    () => net.spawn("mojan", ["-A", GROUP, "-d", "-1", "--", "true"], { dir }),
  );
  for (const client of clients) assertEquals((await client.result()).code, 0);
  assertEquals(net.flomPids("mojan", dir).length, 1);
  const used = await net.run("presanella", ["-A", GROUP, "-d", "0", "--", "echo", "ok"], { dir });
  assertEquals(used, { code: 0, stdout: "ok\n", stderr: "" });
});
