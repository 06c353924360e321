/**
 * Two hosts for network tests, as two Linux network namespaces on this machine: "mojan" (the
 * daemon's host in the original's use case 8) and "presanella" (a client host), joined by a veth
 * pair. Nothing a test sends leaves them: the pair is their only link, addresses are private
 * (10.77.Y.1/.2, fd77:Y::1/::2 and the link-local fe80 ones), multicast is routed onto the pair
 * only, and each namespace has its own /etc/hosts ("mojan", "presanella") and a resolv.conf that
 * points at the namespace's own loopback, where nothing listens: even a failing name lookup stays
 * inside.
 *
 * flom runs in a namespace as `ip netns exec NS deno run ... main.ts -c <marker> ARGS` (or with
 * FLOM_BIN's executable instead of `deno run ... main.ts`: tests/harness.ts), where the marker is
 * an empty configuration file in the test's NetDir: the daemons a flom starts show the
 * same arguments, so a test finds (and stops by PID) exactly its own daemons. Disposing of the
 * TwoHosts kills whatever still runs in either namespace and deletes both.
 *
 * Needs root (CAP_SYS_ADMIN, CAP_NET_ADMIN) and iproute2. Without them the tests are ignored
 * (`ignore: !canCreateNamespaces()`), except with CI=true, where they fail with the reason.
 */

import {
  flomCommandLine,
  type FlomOptions,
  FlomProcess,
  type FlomResult,
  processesMentioning,
  TestDir,
  waitUntil,
} from "./harness.ts";

/** The two hosts of the use case. */
export type Host = "mojan" | "presanella";
export const HOSTS: readonly Host[] = ["mojan", "presanella"];

/** The name of the veth end in both namespaces (names are per namespace, so they can match). */
export const IFACE = "flomnet0";

/** Options of a flom run inside a namespace. */
export interface HostOptions extends FlomOptions {
  /** The test's directory: HOME, default cwd and the marker of the processes it starts. */
  dir?: NetDir;
}

/**
 * A TestDir whose flom runs carry `-c <dir>/flom.conf` (an empty file), so that daemons started
 * over TCP or multicast, which have no socket path, still mention the directory in their command
 * line; disposing of it kills them by PID (TestDir's cleanup) wherever they run.
 */
export class NetDir extends TestDir {
  readonly config: string;

  constructor() {
    super();
    this.config = `${this.path}/flom.conf`;
    Deno.writeTextFileSync(this.config, "");
  }

  /** The arguments with this directory's marker in front. */
  marked(args: string[]): string[] {
    return ["-c", this.config, ...args];
  }

  /** Runs flom in this (the host's) namespace: loopback addresses only. */
  override run(args: string[], options: FlomOptions = {}): Promise<FlomResult> {
    return super.run(this.marked(args), options);
  }

  /** Starts flom in this (the host's) namespace: loopback addresses only. */
  override spawn(args: string[], options: FlomOptions = {}): FlomProcess {
    return super.spawn(this.marked(args), options);
  }
}

let probe: { ok: boolean; reason: string } | undefined;

/**
 * Whether this machine lets us create network namespaces joined by a veth pair (checked once,
 * synchronously, by creating and deleting a throw-away pair). Always true with CI=true: CI runs
 * as root and expects the tests to run, so there TwoHosts.create() fails with the reason instead.
 */
export function canCreateNamespaces(): boolean {
  probe ??= probeNamespaces();
  return probe.ok || Deno.env.get("CI") === "true";
}

function probeNamespaces(): { ok: boolean; reason: string } {
  if (Deno.build.os !== "linux") return { ok: false, reason: "not Linux" };
  if (Deno.uid() !== 0) return { ok: false, reason: "not running as root" };
  const name = `flom-probe-${token()}`;
  try {
    const add = ipSync(["netns", "add", name]);
    if (!add.ok) return { ok: false, reason: `ip netns add: ${add.stderr.trim()}` };
    try {
      const veth = ipSync(["-n", name, "link", "add", "p0", "type", "veth", "peer", "name", "p1"]);
      if (!veth.ok) return { ok: false, reason: `ip link add type veth: ${veth.stderr.trim()}` };
    } finally {
      ipSync(["netns", "del", name]);
    }
    return { ok: true, reason: "" };
  } catch (error) {
    return { ok: false, reason: `cannot run ip: ${error}` };
  }
}

/** The pair of namespaces; see the module comment. */
export class TwoHosts implements AsyncDisposable {
  /** The namespace of each host (random suffix: several test runs may share the machine). */
  readonly names: Record<Host, string>;
  /** IPv4 address of each host on the veth pair. */
  readonly ipv4: Record<Host, string>;
  /** IPv6 unique-local address of each host on the veth pair. */
  readonly ipv6: Record<Host, string>;
  /** IPv6 link-local address of each host (without zone), known once create() has finished. */
  readonly linkLocal: Record<Host, string> = { mojan: "", presanella: "" };
  readonly iface = IFACE;
  /** Default directory for runs that name none. */
  readonly home: NetDir;
  #created: string[] = [];
  #etcDirs: string[] = [];
  #madeEtcNetns = false;

  private constructor() {
    const suffix = token();
    const subnet = crypto.getRandomValues(new Uint8Array(1))[0]!;
    this.names = { mojan: `flom-mojan-${suffix}`, presanella: `flom-presanella-${suffix}` };
    this.ipv4 = { mojan: `10.77.${subnet}.1`, presanella: `10.77.${subnet}.2` };
    const hex = subnet.toString(16);
    this.ipv6 = { mojan: `fd77:${hex}::1`, presanella: `fd77:${hex}::2` };
    this.home = new NetDir();
  }

  /** Creates both namespaces, their link and addresses; resolves once IPv6 DAD is over. */
  static async create(): Promise<TwoHosts> {
    probe ??= probeNamespaces();
    if (!probe.ok) {
      throw new Error(
        `network namespaces cannot be created (${probe.reason}); the network tests need root and iproute2`,
      );
    }
    const net = new TwoHosts();
    try {
      await net.#setUp();
    } catch (error) {
      await net[Symbol.asyncDispose]();
      throw error;
    }
    return net;
  }

  async #setUp(): Promise<void> {
    const { mojan, presanella } = this.names;
    for (const host of HOSTS) {
      await ip(["netns", "add", this.names[host]]);
      this.#created.push(this.names[host]);
      this.#writeEtc(host);
    }
    await ip(
      words(`-n ${mojan} link add ${IFACE} type veth peer name ${IFACE} netns ${presanella}`),
    );
    for (const host of HOSTS) {
      const ns = this.names[host];
      // Duplicate address detection would delay IPv6 by ~2 s; the pair has no other member.
      const dad = `/proc/sys/net/ipv6/conf/${IFACE}/accept_dad`;
      await ip(["netns", "exec", ns, "sh", "-c", `echo 0 >${dad}`]);
      await ip(words(`-n ${ns} addr add ${this.ipv4[host]}/24 dev ${IFACE}`));
      await ip(words(`-n ${ns} -6 addr add ${this.ipv6[host]}/64 dev ${IFACE}`));
      await ip(words(`-n ${ns} link set lo up`));
      await ip(words(`-n ${ns} link set ${IFACE} up`));
      // Multicast goes onto the pair (and nowhere else: it is the namespace's only link).
      await ip(words(`-n ${ns} route add 224.0.0.0/4 dev ${IFACE}`));
      await ip(words(`-n ${ns} -6 route add multicast ff00::/8 dev ${IFACE} table main`));
    }
    for (const host of HOSTS) {
      const ns = this.names[host];
      let shown = "";
      await waitUntil(() => {
        shown = ipSync(["-n", ns, "-6", "addr", "show", "dev", IFACE]).stdout;
        return !/tentative/.test(shown) && /inet6 fe80:/.test(shown);
      }, `IPv6 addresses of ${ns} to leave DAD`);
      this.linkLocal[host] = /inet6 (fe80:[0-9a-f:]+)\//.exec(shown)![1]!;
    }
  }

  /** /etc/netns/NS/{hosts,resolv.conf}: `ip netns exec` shows them as /etc/hosts, resolv.conf. */
  #writeEtc(host: Host): void {
    try {
      Deno.statSync("/etc/netns");
    } catch {
      Deno.mkdirSync("/etc/netns");
      this.#madeEtcNetns = true;
    }
    const dir = `/etc/netns/${this.names[host]}`;
    Deno.mkdirSync(dir);
    this.#etcDirs.push(dir);
    Deno.writeTextFileSync(
      `${dir}/hosts`,
      [
        "127.0.0.1 localhost",
        "::1 localhost ip6-localhost ip6-loopback",
        `${this.ipv4.mojan} mojan`,
        `${this.ipv4.presanella} presanella`,
        "",
      ].join("\n"),
    );
    // Nothing listens there: a lookup that reaches DNS fails at once, inside the namespace.
    Deno.writeTextFileSync(
      `${dir}/resolv.conf`,
      "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n",
    );
  }

  #command(host: Host, argv: string[], options: FlomOptions, dir: TestDir): Deno.Command {
    return new Deno.Command("ip", {
      args: ["netns", "exec", this.names[host], ...argv],
      env: dir.env(options.env),
      cwd: options.cwd ?? dir.path,
      stdin: options.stdin ? "piped" : "null",
      stdout: "piped",
      stderr: "piped",
    });
  }

  #flom(host: Host, args: string[], options: HostOptions): Deno.Command {
    const dir = options.dir ?? this.home;
    const argv = flomCommandLine(dir.marked(args));
    return this.#command(host, argv, options, dir);
  }

  /** Runs flom on `host` to completion. */
  async run(host: Host, args: string[], options: HostOptions = {}): Promise<FlomResult> {
    const output = await this.#flom(host, args, { ...options, stdin: false }).output();
    const decoder = new TextDecoder();
    return {
      code: output.code,
      stdout: decoder.decode(output.stdout),
      stderr: decoder.decode(output.stderr),
    };
  }

  /** Starts flom on `host` in the background. */
  spawn(host: Host, args: string[], options: HostOptions = {}): FlomProcess {
    return new FlomProcess(this.#flom(host, args, options).spawn());
  }

  /** Starts any program on `host` in the background (a test's own listener or sender). */
  exec(host: Host, argv: string[], options: HostOptions = {}): FlomProcess {
    return new FlomProcess(this.#command(host, argv, options, options.dir ?? this.home).spawn());
  }

  /** Every process running in `host`'s namespace. */
  pids(host: Host): number[] {
    const { ok, stdout } = ipSync(["netns", "pids", this.names[host]]);
    return ok ? stdout.split(/\s+/).filter(Boolean).map(Number) : [];
  }

  /** The flom processes (daemons, once their clients have ended) of `dir` running on `host`. */
  flomPids(host: Host, dir: NetDir = this.home): number[] {
    const inHost = new Set(this.pids(host));
    return processesMentioning(dir.path).filter((pid) => inHost.has(pid));
  }

  /** Kills every process in both namespaces, deletes them and their /etc/netns files. */
  async [Symbol.asyncDispose](): Promise<void> {
    const everything = () =>
      HOSTS.flatMap((host) => this.#created.includes(this.names[host]) ? this.pids(host) : []);
    for (const pid of everything()) {
      try {
        Deno.kill(pid, "SIGKILL");
      } catch {
        // Gone already.
      }
    }
    try {
      await waitUntil(() => everything().length === 0, "the namespaces' processes to die");
    } finally {
      for (const ns of this.#created) removeMulticastClaims(ns);
      for (const ns of this.#created.splice(0)) ipSync(["netns", "del", ns]);
      for (const dir of this.#etcDirs.splice(0)) Deno.removeSync(dir, { recursive: true });
      if (this.#madeEtcNetns) {
        try {
          Deno.removeSync("/etc/netns"); // Only if empty: another run may be using it.
        } catch {
          // Not empty.
        }
      }
      await this.home[Symbol.asyncDispose]();
    }
  }
}

/**
 * Removes the discovery daemons' claim files (src/daemon/multicast_claim.ts) of namespace `ns`:
 * they are named after its network stack, which is the inode of /run/netns/<ns>.
 */
function removeMulticastClaims(ns: string): void {
  try {
    const prefix = `flom-multicast-${Deno.statSync(`/run/netns/${ns}`).ino}-`;
    for (const entry of Deno.readDirSync("/tmp")) {
      if (entry.name.startsWith(prefix)) Deno.removeSync(`/tmp/${entry.name}`);
    }
  } catch {
    // No such namespace or file any more.
  }
}

/** Whether a namespace of that name exists. */
export function namespaceExists(name: string): boolean {
  return ipSync(["netns", "list"]).stdout.split("\n").some((line) => line.split(" ")[0] === name);
}

function words(command: string): string[] {
  return command.split(" ");
}

function token(): string {
  return Array.from(
    crypto.getRandomValues(new Uint8Array(3)),
    (b) => b.toString(16).padStart(2, "0"),
  )
    .join("");
}

function ipSync(args: string[]): { ok: boolean; stdout: string; stderr: string } {
  const output = new Deno.Command("ip", { args, stdin: "null", stdout: "piped", stderr: "piped" })
    .outputSync();
  const decoder = new TextDecoder();
  return {
    ok: output.success,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

async function ip(args: string[]): Promise<string> {
  const output = await new Deno.Command("ip", {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  if (!output.success) {
    throw new Error(`ip ${args.join(" ")} failed: ${decoder.decode(output.stderr).trim()}`);
  }
  return decoder.decode(output.stdout);
}
