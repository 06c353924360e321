/**
 * A disposable 3-member etcd cluster on loopback ports, in a temporary directory, for the tests of
 * etcd-backed daemons: `await using cluster = await EtcdCluster.start()`. Its members are
 * stopped by PID and their data removed at the end. With `tls`, its client URLs are https and
 * etcd asks its clients for a certificate that the same CA signed.
 */
import { freePort } from "./harness.ts";

/** Whether Debian's `etcd` (package etcd-server) is installed. */
export function etcdInstalled(): boolean {
  try {
    return new Deno.Command("etcd", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

const MEMBERS = 3;
// Short heartbeats make a loopback cluster elect its leader in well under a second.
const TIMING = ["--heartbeat-interval", "50", "--election-timeout", "500"];
const READY_LIMIT_MS = 20_000;

/** The PEM files of a cluster's TLS: its CA, and the certificate and key of its members. */
export interface EtcdTls {
  caCertificate: string;
  certificate: string;
  privateKey: string;
}

interface Member {
  name: string;
  client: string;
  /** How it is started, and started again over its data after a kill. */
  command: Deno.Command;
  child: Deno.ChildProcess;
}

/** Three etcd members on 127.0.0.1 forming one cluster. */
export class EtcdCluster implements AsyncDisposable {
  readonly #dir: string;
  readonly #members: Member[];
  readonly #client: Deno.HttpClient | undefined;

  private constructor(dir: string, members: Member[], client?: Deno.HttpClient) {
    this.#dir = dir;
    this.#members = members;
    this.#client = client;
  }

  /** Starts the members and resolves once the cluster answers a read. */
  static async start(options: { tls?: EtcdTls } = {}): Promise<EtcdCluster> {
    const { tls } = options;
    const scheme = tls === undefined ? "http" : "https";
    const dir = Deno.makeTempDirSync({ prefix: "flomEtcd" });
    const ports = Array.from({ length: MEMBERS }, () => ({
      client: freePort("127.0.0.1"),
      peer: freePort("127.0.0.1"),
    }));
    const initial = ports.map(({ peer }, i) => `m${i}=http://127.0.0.1:${peer}`).join(",");
    const members = ports.map(({ client, peer }, i): Member => {
      const name = `m${i}`;
      const clientUrl = `${scheme}://127.0.0.1:${client}`;
      const command = new Deno.Command("etcd", {
        args: [
          "--name",
          name,
          "--data-dir",
          `${dir}/${name}`,
          "--listen-client-urls",
          clientUrl,
          "--advertise-client-urls",
          clientUrl,
          "--listen-peer-urls",
          `http://127.0.0.1:${peer}`,
          "--initial-advertise-peer-urls",
          `http://127.0.0.1:${peer}`,
          "--initial-cluster",
          initial,
          "--initial-cluster-state",
          "new",
          "--initial-cluster-token",
          dir,
          ...TIMING,
          ...(tls === undefined ? [] : [
            ...["--cert-file", tls.certificate, "--key-file", tls.privateKey],
            ...["--client-cert-auth", "--trusted-ca-file", tls.caCertificate],
          ]),
          "--logger",
          "zap",
          "--log-outputs",
          `${dir}/${name}.log`,
        ],
        stdin: "null",
        stdout: "null",
        stderr: "null",
      });
      return { name, client: clientUrl, command, child: command.spawn() };
    });
    const cluster = new EtcdCluster(
      dir,
      members,
      tls === undefined ? undefined : Deno.createHttpClient({
        caCerts: [Deno.readTextFileSync(tls.caCertificate)],
        cert: Deno.readTextFileSync(tls.certificate),
        key: Deno.readTextFileSync(tls.privateKey),
      }),
    );
    try {
      await cluster.#ready();
    } catch (error) {
      await cluster[Symbol.asyncDispose]();
      throw error;
    }
    return cluster;
  }

  /** The members' client URLs, as `--etcd-endpoints` takes them. */
  get endpoints(): string {
    return this.#members.map((member) => member.client).join(",");
  }

  /** The keys under `prefix` (a test's look at what the daemons wrote). */
  async keys(prefix: string): Promise<string[]> {
    const end = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
    const response = await fetch(`${this.#members[0]!.client}/v3/kv/range`, {
      method: "POST",
      body: JSON.stringify({ key: btoa(prefix), range_end: btoa(end), keys_only: true }),
      ...this.#fetchClient(),
    });
    const { kvs = [] } = await response.json() as { kvs?: { key: string }[] };
    return kvs.map((kv) => atob(kv.key));
  }

  #fetchClient(): { client?: Deno.HttpClient } {
    return this.#client === undefined ? {} : { client: this.#client };
  }

  /** Waits for the cluster's first answer to a linearizable read (a leader has been elected). */
  async #ready(): Promise<void> {
    const deadline = Date.now() + READY_LIMIT_MS;
    while (true) {
      try {
        const response = await fetch(`${this.#members[0]!.client}/v3/kv/range`, {
          method: "POST",
          body: JSON.stringify({ key: btoa("ready") }),
          ...this.#fetchClient(),
        });
        await response.body?.cancel();
        if (response.ok) return;
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) {
        throw new Error(`etcd did not start: see ${this.#dir}/m0.log`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Kills the current leader with SIGKILL; resolves with its name once it has exited. */
  async killLeader(): Promise<string> {
    for (const member of this.#members) {
      const response = await fetch(`${member.client}/v3/maintenance/status`, {
        method: "POST",
        body: "{}",
        ...this.#fetchClient(),
      });
      const status = await response.json() as { header: { member_id: string }; leader: string };
      if (status.header.member_id !== status.leader) continue;
      member.child.kill("SIGKILL");
      await member.child.status;
      return member.name;
    }
    throw new Error("Cannot kill etcd's leader: no member says it is");
  }

  /** Kills member `index` with SIGKILL; resolves once it has exited. */
  async killMember(index: number): Promise<void> {
    const member = this.#members[index]!;
    try {
      member.child.kill("SIGKILL");
    } catch {
      // Dead already.
    }
    await member.child.status;
  }

  /** Starts member `index` again over its data: it rejoins the cluster. */
  restartMember(index: number): void {
    const member = this.#members[index]!;
    member.child = member.command.spawn();
  }

  /** Freezes every member (SIGSTOP): to its clients, etcd is cut off. */
  pause(): void {
    for (const member of this.#members) member.child.kill("SIGSTOP");
  }

  /** Lets the members go on (SIGCONT). */
  resume(): void {
    for (const member of this.#members) member.child.kill("SIGCONT");
  }

  async [Symbol.asyncDispose](): Promise<void> {
    for (const member of this.#members) {
      try {
        member.child.kill("SIGKILL");
      } catch {
        // Gone already.
      }
    }
    await Promise.all(this.#members.map((member) => member.child.status));
    this.#client?.close();
    await Deno.remove(this.#dir, { recursive: true });
  }
}
