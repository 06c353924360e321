/**
 * TLS with mutual authentication (docs/compatibility.md, "Network", the original's tls.at and the
 * TLS rows of debug-features.at): locks and shutdown requests over TLS on UNIX sockets and TCP,
 * refused certificates and keys, the peer-id check on either side, plain peers against TLS ones,
 * the
 * `tls.server`/`tls.client` debug features, and the transport's handshake handling.
 *
 * Every test builds its own certificates with openssl, as the original's tls_setup.sh: CA1
 * signs peer1 and peer2 (CN = this host's unique id) and peer3 (another CN), CA2 signs peer1
 * and peer2. TCP daemons listen on 127.0.0.1 only. A daemon's command line names the test
 * directory (its certificate paths, or its `-t` trace file), so that the fixture stops it.
 */
import { TlsError } from "../src/errors.ts";
import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
  rejects as assertRejects,
} from "node:assert/strict";
import { connectTls, listenTls } from "../src/transport/tls.ts";
import { loadTlsCredentials, type TlsCredentials } from "../src/transport/tls_credentials.ts";
import { type StreamConn, writeAll } from "../src/transport/stream_conn.ts";
import { RC } from "../src/protocol/return_codes.ts";
import { exists, freePort, runsWith, type TestDir, waitUntil } from "./harness.ts";
import {
  authority,
  certificate,
  certifiedDir,
  OPENSSL,
  peer,
  privateKey,
  UNIQUE_ID,
  WRONG_ID,
} from "./certificates.ts";

const RECV_ERROR =
  "flom_client_lock: ret_cod=-126 (ERROR: 'recv' function returned an error condition)\n";
const UNTRUSTED =
  "flom_client_connect: ret_cod=-407 (ERROR: 'OpenSSL SSL_get_verify_result' function returned an error)\n";
const WRONG_KEY =
  "flom_client_connect: ret_cod=-404 (ERROR: 'OpenSSL SSL_CTX_use_PrivateKey_file' function returned an error)\n";
const ID_MISMATCH =
  "flom_client_lock: ret_cod=-23 (ERROR: the unique ID sent by the peer does not match the CN field inside the X.509 provided certificate)\n";
// How long a client may take to give up on a peer that does not speak its protocol: the TLS
// handshake timeout (5 s) and process start-up, with room for a loaded machine.
const GIVE_UP_MS = 10000;

// ---------------------------------------------------------------------------------------------
// Helpers

/**
 * A TLS test: skipped where there is no openssl or no unique id to put into certificates, except
 * under CI=true, where it fails instead.
 */
function tlsTest(name: string, fn: () => Promise<void>): void {
  Deno.test({ name, ignore: !runsWith(OPENSSL && UNIQUE_ID !== undefined), fn });
}

/** `-a 127.0.0.1 -p <a free port>`. */
function tcp(): string[] {
  return ["-a", "127.0.0.1", "-p", String(freePort("127.0.0.1"))];
}

/**
 * Starts a daemon that lives until the test ends (`-d -1`), through a first `flom ... -- true`,
 * which must succeed; the trace file puts the test directory in its command line.
 */
async function startDaemon(dir: TestDir, args: string[]): Promise<void> {
  const result = await dir.run([
    ...args,
    "-t",
    `${dir.path}/daemon.trace`,
    "-d",
    "-1",
    "--",
    "true",
  ]);
  assertEquals(result, { code: 0, stdout: "", stderr: "" });
  assertEquals(dir.daemonPids().length, 1);
}

async function assertLocks(dir: TestDir, args: string[]): Promise<void> {
  assertEquals(await dir.run([...args, "--", "echo", "locked"]), {
    code: 0,
    stdout: "locked\n",
    stderr: "",
  });
}

async function credentials(dir: TestDir, ca: string, name: string): Promise<TlsCredentials> {
  return await loadTlsCredentials({
    certificate: `${dir.path}/${ca}/${name}_${ca}_cert.pem`,
    privateKey: `${dir.path}/${ca}/${name}_${ca}_key.pem`,
    caCertificate: `${dir.path}/${ca}/cacert.pem`,
  });
}

// ---------------------------------------------------------------------------------------------
// Locks over TLS

tlsTest("flom locks over TLS on a UNIX socket, the peer ids checked on both sides", async () => {
  await using dir = await certifiedDir();
  const check = "--tls-check-peer-id=yes";
  // Relative to flom's directory: the daemon it starts, which runs in /, gets them resolved.
  const relative = [
    "--tls-certificate=CA1/peer1_CA1_cert.pem",
    "--tls-private-key=CA1/peer1_CA1_key.pem",
    "--tls-ca-certificate=CA1/cacert.pem",
  ];
  await assertLocks(dir, ["-s", dir.socket, ...relative, check]);
  await assertLocks(dir, ["-s", dir.socket, ...peer(dir, "CA1", "peer2"), check]);
  // Really TLS: a plain client is not served, and is told why that may be.
  assertEquals(await dir.run(["-s", dir.socket, "--", "true"]), {
    code: 99,
    stdout: "",
    stderr: RECV_ERROR +
      `flom: ${dir.socket} closed the connection without answering the lock request: the daemon there may require TLS (--tls-certificate, --tls-private-key, --tls-ca-certificate)\n`,
  });
});

tlsTest("flom locks over TLS on TCP, configured by options or by [TLS] keys", async () => {
  await using dir = await certifiedDir();
  const address = tcp();
  await startDaemon(dir, [...address, ...peer(dir, "CA1", "peer1"), "--tls-check-peer-id=yes"]);
  await assertLocks(dir, [...address, ...peer(dir, "CA1", "peer2")]);
  const config = `${dir.path}/flom.conf`;
  await Deno.writeTextFile(
    config,
    `[TLS]
TlsCertificate=${dir.path}/CA1/peer2_CA1_cert.pem
TlsPrivateKey=${dir.path}/CA1/peer2_CA1_key.pem
TlsCaCertificate=${dir.path}/CA1/cacert.pem
TlsCheckPeerId=yes
`,
  );
  await assertLocks(dir, [...address, "-c", config]);
});

tlsTest("TLS daemons start once and replace a stale socket", async () => {
  await using dir = await certifiedDir();
  const args = ["-s", dir.socket, ...peer(dir, "CA1", "peer1"), "-d", "-1"];
  const racers = await Promise.all([1, 2, 3].map(() => dir.run([...args, "--", "true"])));
  assertEquals(racers.map((result) => result.code), [0, 0, 0]);
  assertEquals(dir.daemonPids().length, 1);
  // Killed, it leaves its socket behind; the next daemon replaces it.
  Deno.kill(dir.daemonPids()[0]!, "SIGKILL");
  await waitUntil(() => dir.daemonPids().length === 0, "the daemon to die");
  assert(Deno.lstatSync(dir.socket).isSocket);
  await assertLocks(dir, args);
});

// ---------------------------------------------------------------------------------------------
// Refused certificates and keys

tlsTest("a client that trusts another CA refuses the daemon", async () => {
  await using dir = await certifiedDir();
  const address = tcp();
  await startDaemon(dir, [...address, ...peer(dir, "CA1", "peer1")]);
  assertEquals(await dir.run([...address, ...peer(dir, "CA2", "peer1"), "--", "true"]), {
    code: 99,
    stdout: "",
    stderr: UNTRUSTED,
  });
  await assertLocks(dir, [...address, ...peer(dir, "CA1", "peer2")]);
});

tlsTest("a daemon that trusts another CA refuses the client", async () => {
  await using dir = await certifiedDir();
  const address = tcp();
  const daemon = [certificate(dir, "CA1", "peer1"), privateKey(dir, "CA1", "peer1")];
  // The client that starts the daemon trusts CA2 as well: it refuses the daemon it started.
  const starter = await dir.run([
    ...address,
    ...daemon,
    authority(dir, "CA2"),
    ...["-t", `${dir.path}/daemon.trace`, "-d", "-1", "--", "true"],
  ]);
  assertEquals(starter, { code: 99, stdout: "", stderr: UNTRUSTED });
  assertEquals(dir.daemonPids().length, 1);
  // A client of CA1 trusts the daemon, but the daemon does not trust its CA1 certificate.
  const client = await dir.run([...address, ...peer(dir, "CA1", "peer2"), "--", "true"]);
  assertEquals(client.code, 99);
  assertMatch(client.stderr, /^flom_client_lock: ret_cod=-(126|409) /);
});

tlsTest("a private key that does not belong to the certificate is refused", async () => {
  await using dir = await certifiedDir();
  const args = [certificate(dir, "CA1", "peer1"), privateKey(dir, "CA1", "peer2")];
  assertEquals(
    await dir.run(["-s", dir.socket, ...args, authority(dir, "CA1"), "--", "true"]),
    { code: 99, stdout: "", stderr: WRONG_KEY },
  );
  assertEquals(dir.daemonPids(), []);
});

tlsTest("unusable certificate and CA files are refused with their codes", async () => {
  await using dir = await certifiedDir();
  const junk = `${dir.path}/junk.pem`;
  await Deno.writeTextFile(junk, "not a PEM file\n");
  const key = privateKey(dir, "CA1", "peer1");
  const cases: [string[], string][] = [
    [
      [`--tls-certificate=${junk}`, key, authority(dir, "CA1")],
      "flom_client_connect: ret_cod=-403 (ERROR: 'OpenSSL SSL_CTX_use_certificate_file' function returned an error)\n",
    ],
    [
      [certificate(dir, "CA1", "peer1"), key, `--tls-ca-certificate=${junk}`],
      "flom_client_connect: ret_cod=-401 (ERROR: 'OpenSSL SSL_CTX_load_verify_locations' function returned an error)\n",
    ],
  ];
  for (const [args, stderr] of cases) {
    assertEquals(await dir.run(["-s", dir.socket, ...args, "--", "true"]), {
      code: 99,
      stdout: "",
      stderr,
    });
  }
});

// ---------------------------------------------------------------------------------------------
// The peer-id check

tlsTest("a daemon that checks peer ids refuses a client whose CN is not its id", async () => {
  await using dir = await certifiedDir();
  const address = tcp();
  await startDaemon(dir, [...address, ...peer(dir, "CA1", "peer1"), "--tls-check-peer-id=yes"]);
  assertEquals(await dir.run([...address, ...peer(dir, "CA1", "peer3"), "--", "true"]), {
    code: 99,
    stdout: "",
    stderr: RECV_ERROR,
  });
  await assertLocks(dir, [...address, ...peer(dir, "CA1", "peer2")]);
});

tlsTest(
  "a daemon that does not check peer ids serves a client whose CN is not its id",
  async () => {
    await using dir = await certifiedDir();
    const address = tcp();
    await startDaemon(dir, [...address, ...peer(dir, "CA1", "peer1"), "--tls-check-peer-id=no"]);
    await assertLocks(dir, [...address, ...peer(dir, "CA1", "peer3")]);
  },
);

tlsTest("a client that checks peer ids refuses a daemon whose CN is not its id", async () => {
  await using dir = await certifiedDir();
  const address = tcp();
  await startDaemon(dir, [...address, ...peer(dir, "CA1", "peer3")]);
  const client = [...address, ...peer(dir, "CA1", "peer2")];
  assertEquals(await dir.run([...client, "--tls-check-peer-id=yes", "--", "true"]), {
    code: 99,
    stdout: "",
    stderr: ID_MISMATCH,
  });
  await assertLocks(dir, [...client, "--tls-check-peer-id=no"]);
});

// ---------------------------------------------------------------------------------------------
// Plain and TLS peers

tlsTest("a plain client and a TLS daemon fail at once", async () => {
  await using dir = await certifiedDir();
  const address = tcp();
  await startDaemon(dir, [...address, ...peer(dir, "CA1", "peer1")]);
  const started = Date.now();
  const result = await dir.run([...address, "--", "true"]);
  assertEquals(result, {
    code: 99,
    stdout: "",
    stderr: RECV_ERROR +
      `flom: 127.0.0.1/${
        address[3]
      } closed the connection without answering the lock request: the daemon there may require TLS (--tls-certificate, --tls-private-key, --tls-ca-certificate)\n`,
  });
  assert(Date.now() - started < GIVE_UP_MS);
});

tlsTest("a TLS client and a plain daemon fail within seconds", async () => {
  await using dir = await certifiedDir();
  const address = tcp();
  await startDaemon(dir, address);
  const started = Date.now();
  const result = await dir.run([...address, ...peer(dir, "CA1", "peer2"), "--", "true"]);
  assertEquals(result, {
    code: 99,
    stdout: "",
    stderr:
      "flom_client_connect: ret_cod=-406 (ERROR: 'OpenSSL SSL_connect' function returned an error)\n" +
      `flom: no TLS handshake with 127.0.0.1/${
        address[3]
      } (no TLS handshake within 5000 ms): the daemon there may not use TLS\n`,
  });
  assert(Date.now() - started < GIVE_UP_MS);
  // The plain daemon serves on.
  await assertLocks(dir, address);
});

tlsTest("a client silent in its TLS handshake does not hold up the others", async () => {
  await using dir = await certifiedDir();
  const address = tcp();
  await startDaemon(dir, [...address, ...peer(dir, "CA1", "peer1")]);
  using silent = await Deno.connect({ hostname: "127.0.0.1", port: Number(address[3]) });
  await assertLocks(dir, [...address, ...peer(dir, "CA1", "peer2")]);
  // And it is not waited for forever.
  assertEquals(await silent.read(new Uint8Array(1)), null);
});

// ---------------------------------------------------------------------------------------------
// Shutdown requests

tlsTest("-X over TLS stops the daemon, but not from an untrusted client", async () => {
  await using dir = await certifiedDir();
  const address = tcp();
  await startDaemon(dir, [...address, ...peer(dir, "CA1", "peer1")]);
  const stopping = "Starting FLoM daemon immediate shutdown...\n";
  assertEquals(await dir.run([...address, ...peer(dir, "CA2", "peer2"), "-X"]), {
    code: 99,
    stdout: stopping,
    stderr: UNTRUSTED,
  });
  const wrongKey = [certificate(dir, "CA1", "peer2"), privateKey(dir, "CA1", "peer3")];
  assertEquals(await dir.run([...address, ...wrongKey, authority(dir, "CA1"), "-X"]), {
    code: 99,
    stdout: stopping,
    stderr: WRONG_KEY,
  });
  assertEquals(dir.daemonPids().length, 1);
  assertEquals(await dir.run([...address, ...peer(dir, "CA1", "peer2"), "-X"]), {
    code: 0,
    stdout: stopping,
    stderr: "",
  });
  await waitUntil(() => dir.daemonPids().length === 0, "the daemon to stop");
});

tlsTest("-X from a client whose CN is not its id is ignored by a daemon that checks", async () => {
  await using dir = await certifiedDir();
  await startDaemon(dir, [
    "-s",
    dir.socket,
    ...peer(dir, "CA1", "peer1"),
    "--tls-check-peer-id=yes",
  ]);
  // As in the original: the request is delivered, so flom exits 0, but the daemon ignores it.
  const refused = await dir.run(["-s", dir.socket, ...peer(dir, "CA1", "peer3"), "-X"]);
  assertEquals(refused.code, 0);
  assertEquals(dir.daemonPids().length, 1);
  assertEquals((await dir.run(["-s", dir.socket, ...peer(dir, "CA1", "peer2"), "-X"])).code, 0);
  await waitUntil(() => dir.daemonPids().length === 0, "the daemon to stop");
  assert(!exists(dir.socket));
});

// ---------------------------------------------------------------------------------------------
// Debug features

/**
 * Starts `--debug-feature=<name>`, the one-shot TLS server, and resolves once it listens (its
 * debug-features trace says so: a probe connection would be the only client it accepts).
 */
async function startTlsServer(dir: TestDir, args: string[], name = "tls.server") {
  const server = dir.spawn([...args, `--debug-feature=${name}`], {
    env: { FLOM_TRACE_MASK: "0x100000" },
  });
  await server.waitFor(/tls\.server listening/, "stderr");
  return server;
}

tlsTest("--debug-feature tls.server and tls.client exchange their ids", async () => {
  await using dir = await certifiedDir();
  const address = tcp();
  const check = "--tls-check-peer-id=yes";
  const server = await startTlsServer(
    dir,
    [...address, ...peer(dir, "CA1", "peer1"), check],
    "TLS.Server",
  );
  const client = await dir.run([
    ...address,
    ...peer(dir, "CA1", "peer2"),
    check,
    "--debug-feature=tls.client",
  ]);
  assertEquals(client, { code: 0, stdout: "", stderr: "" });
  const served = await server.result();
  assertEquals([served.code, served.stdout], [0, ""]);
});

tlsTest("--debug-feature tls.client fails against a server of another CA", async () => {
  await using dir = await certifiedDir();
  const address = tcp();
  const server = await startTlsServer(dir, [...address, ...peer(dir, "CA1", "peer1")]);
  const client = await dir.run([
    ...address,
    ...peer(dir, "CA2", "peer2"),
    "--debug-feature=tls.client",
  ]);
  assertEquals(client, { code: 1, stdout: "", stderr: "" });
  assertEquals((await server.result()).code, 1);
});

tlsTest(
  "--debug-feature tls.client that checks peer ids fails against a wrong server CN",
  async () => {
    await using dir = await certifiedDir();
    const address = tcp();
    const server = await startTlsServer(dir, [...address, ...peer(dir, "CA1", "peer3")]);
    const check = "--tls-check-peer-id=yes";
    const client = await dir.run([
      ...address,
      ...peer(dir, "CA1", "peer2"),
      check,
      "--debug-feature=tls.client",
    ]);
    assertEquals(client, { code: 1, stdout: "", stderr: "" });
    // The server, which does not check, has served the client.
    assertEquals((await server.result()).code, 0);
  },
);

// ---------------------------------------------------------------------------------------------
// The transport

tlsTest("connectTls() and listenTls() carry bytes both ways, with half-close and CNs", async () => {
  await using dir = await certifiedDir();
  const endpoint = { transport: "unix" as const, path: dir.socket };
  const listener = await listenTls(endpoint, await credentials(dir, "CA1", "peer1"));
  try {
    const client = await connectTls(endpoint, await credentials(dir, "CA1", "peer3"));
    const served = await listener.accept();
    assertEquals([client.peerCommonName(), served.peerCommonName?.()], [UNIQUE_ID, WRONG_ID]);
    // More than any buffer holds: the reader's pace must hold the writer back, not lose bytes.
    const big = new Uint8Array(4 << 20).map((_, i) => i % 251);
    const sending = writeAll(served, big).then(() => served.closeWrite());
    await client.write(new TextEncoder().encode("after the half-close"));
    await client.closeWrite();
    assertEquals(await readAll(client), big);
    await sending;
    assertEquals(new TextDecoder().decode(await readAll(served)), "after the half-close");
    client.close();
    served.close();
  } finally {
    listener.close();
  }
});

tlsTest("listenTls() closes a client that stays silent in its handshake", async () => {
  await using dir = await certifiedDir();
  const endpoint = { transport: "unix" as const, path: dir.socket };
  const failures: string[] = [];
  const listener = await listenTls(endpoint, await credentials(dir, "CA1", "peer1"), {
    handshakeTimeout: 200,
    onHandshakeError: (error) => failures.push(error.message),
  });
  try {
    using silent = await Deno.connect(endpoint);
    assertEquals(await silent.read(new Uint8Array(1)), null);
    assertEquals(failures.length, 1);
  } finally {
    listener.close();
  }
});

tlsTest("connectTls() gives up on a server that stays silent in the handshake", async () => {
  await using dir = await certifiedDir();
  using plain = Deno.listen({ transport: "unix", path: dir.socket });
  const accepted = plain.accept();
  const connecting = connectTls(
    { transport: "unix", path: dir.socket },
    await credentials(dir, "CA1", "peer2"),
    { handshakeTimeout: 200 },
  );
  using _ = await accepted;
  await assertRejects(
    connecting,
    (error) => error instanceof TlsError && error.rc === RC.SSL_CONNECT_ERROR,
  );
});

async function readAll(conn: StreamConn): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const buffer = new Uint8Array(1000);
  for (let count; (count = await conn.read(buffer)) !== null;) {
    chunks.push(buffer.slice(0, count));
  }
  const all = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  chunks.reduce((offset, chunk) => (all.set(chunk, offset), offset + chunk.length), 0);
  return all;
}
