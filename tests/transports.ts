/**
 * The transports an end-to-end lock test runs over, as one parameterised suite (the shape of the
 * Deno redis driver's test suite): the same test body registered once per transport,
 * each run with a TestDir whose `endpoint` leads its flom processes to a daemon
 *
 * - `unix`: on the test's own UNIX socket (`-s`);
 * - `tcp`: on 127.0.0.1, on a port nobody listens on (`-a 127.0.0.1 -p N`);
 * - `tls`: the same over TLS with mutual authentication (`--tls-*`, CA1's peer1 of
 *   tests/certificates.ts for the daemon and every client).
 *
 * The first flom of a test starts the daemon, with the endpoint's options. A TCP daemon has no
 * socket path: its command line still names the test directory through `-c <dir>/flom.conf`
 * (an empty file), so that the TestDir's cleanup finds it and stops it by PID.
 */
import { freePort, runsWith, TestDir } from "./harness.ts";
import { makeCertificates, OPENSSL, peer, UNIQUE_ID } from "./certificates.ts";

/** The transports of the suite, in the order their tests are registered. */
export const TRANSPORTS = ["unix", "tcp", "tls"] as const;
export type Transport = typeof TRANSPORTS[number];

/** A test directory whose daemon listens on a TCP address, with TLS or without. */
class TcpTestDir extends TestDir {
  readonly #endpoint: string[];

  constructor(tls: (dir: TestDir) => string[]) {
    super();
    const marker = `${this.path}/flom.conf`;
    Deno.writeTextFileSync(marker, "");
    const port = String(freePort("127.0.0.1"));
    this.#endpoint = ["-c", marker, "-a", "127.0.0.1", "-p", port, ...tls(this)];
  }

  override get endpoint(): string[] {
    return this.#endpoint;
  }
}

/**
 * CA1's certificates, made once for the whole module (openssl takes a few hundred ms) and
 * removed when the module unloads; each TLS test copies what it uses into its own directory.
 */
let certificates: Promise<string> | undefined;

function sharedCertificates(): Promise<string> {
  certificates ??= (async () => {
    const dir = new TestDir();
    addEventListener("unload", () => Deno.removeSync(dir.path, { recursive: true }));
    await makeCertificates(dir);
    return dir.path;
  })();
  return certificates;
}

/** A test directory for `transport`; disposing of it stops its daemons and removes it. */
export async function transportDir(transport: Transport): Promise<TestDir> {
  switch (transport) {
    case "unix":
      return new TestDir();
    case "tcp":
      return new TcpTestDir(() => []);
    case "tls": {
      const source = `${await sharedCertificates()}/CA1`;
      return new TcpTestDir((dir) => {
        Deno.mkdirSync(`${dir.path}/CA1`);
        for (const file of ["cacert.pem", "peer1_CA1_cert.pem", "peer1_CA1_key.pem"]) {
          Deno.copyFileSync(`${source}/${file}`, `${dir.path}/CA1/${file}`);
        }
        return peer(dir, "CA1", "peer1");
      });
    }
  }
}

/** Whether `transport` can run here (TLS needs openssl and a unique id for the certificates). */
function available(transport: Transport): boolean {
  return transport !== "tls" || runsWith(OPENSSL && UNIQUE_ID !== undefined);
}

/**
 * Registers `fn` once per transport (all of them unless `transports` says which), named
 * `<name> [<transport>]`, each with a fresh directory of that transport.
 */
export function transportTest(
  name: string,
  fn: (dir: TestDir) => Promise<void>,
  transports: readonly Transport[] = TRANSPORTS,
): void {
  for (const transport of transports) {
    Deno.test({
      name: `${name} [${transport}]`,
      ignore: !available(transport),
      async fn() {
        await using dir = await transportDir(transport);
        await fn(dir);
      },
    });
  }
}
