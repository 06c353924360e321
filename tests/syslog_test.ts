/**
 * The daemon's FLMnnnX syslog messages. The test gives a flom daemon its own /dev/log: a private
 * mount namespace (unshare) with a tmpfs over /dev holding the usual devices and, as `log`, a
 * datagram socket of the test. The host's /dev is never touched.
 */
import assert from "node:assert/strict";
import { flomCommandLine, runsWith, shellWords, TestDir } from "./harness.ts";
import { makeCertificates, OPENSSL, peer, UNIQUE_ID } from "./certificates.ts";

function canUnshare(): boolean {
  try {
    return Deno.uid() === 0 &&
      new Deno.Command("unshare", { args: ["--mount", "true"] }).outputSync().success;
  } catch {
    return false;
  }
}

// Runs `flom ARGS` for each of `runs` inside one private mount namespace whose /dev/log is `log`.
async function inPrivateDev(dir: TestDir, log: string, runs: string[][]): Promise<string> {
  const flom = shellWords(flomCommandLine([]));
  const script = [
    `mkdir ${dir.path}/olddev`,
    `mount --bind /dev ${dir.path}/olddev`,
    "mount -t tmpfs tmpfs /dev",
    `for d in null zero random urandom; do touch /dev/$d; mount --bind ${dir.path}/olddev/$d /dev/$d; done`,
    `touch /dev/log && mount --bind ${log} /dev/log`,
    ...runs.map((args) => `${flom} ${args.join(" ")}`),
  ].join(" && ");
  const output = await new Deno.Command("unshare", {
    args: ["--mount", "--propagation", "private", "sh", "-c", script],
    env: dir.env(),
    stdin: "null",
  }).output();
  const text = new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr);
  assert.equal(output.code, 0, text);
  return text;
}

/** The next `count` datagrams of `receiver`, failing after 15 s without one. */
async function receiveLines(receiver: Deno.DatagramConn, count: number): Promise<string[]> {
  const lines: string[] = [];
  while (lines.length < count) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const limit = new Promise<never>((_, reject) =>
      timer = setTimeout(() => reject(new Error(`no syslog message after ${lines}`)), 15000)
    );
    const [data] = await Promise.race([receiver.receive(), limit]).finally(() =>
      clearTimeout(timer)
    );
    lines.push(new TextDecoder().decode(data));
  }
  return lines;
}

Deno.test({
  name: "the daemon logs the original's FLMnnnX messages to the local syslog",
  ignore: !runsWith(canUnshare()),
  async fn() {
    await using dir = new TestDir();
    const log = `${dir.path}/log`;
    const receiver = Deno.listenDatagram({ transport: "unixpacket", path: log });
    try {
      await inPrivateDev(dir, log, [
        ["-s", dir.socket, "-d", "-1", "--", "true"],
        ["-s", dir.socket, "-X"],
      ]);
      const expected = [
        /^<29>\w{3} [ \d]\d \d\d:\d\d:\d\d flom\[\d+\]: FLM000I this process is activating a local FLoM daemon listening UNIX socket '.*\/sock'$/,
        /: FLM003N FLoM daemon is ready to serve incoming requests$/,
        /^<30>.*: FLM015I a connecting peer sent id '\w*' for verb 1 and step 8$/,
        /: FLM015I a connecting peer sent id '\w*' for verb 5 and step 8$/,
        /^<29>.*: FLM007N FLoM daemon is exiting due to immediate shutdown request$/,
        /: FLM004N FLoM daemon has terminated to serve incoming requests$/,
      ];
      const lines = await receiveLines(receiver, expected.length);
      expected.forEach((pattern, index) => assert.match(lines[index]!, pattern));
    } finally {
      receiver.close();
    }
  },
});

Deno.test({
  name: "a TLS daemon logs the client certificate's fields and its peer-id check",
  ignore: !canUnshare() || !OPENSSL || UNIQUE_ID === undefined,
  async fn() {
    await using dir = new TestDir();
    await makeCertificates(dir);
    const log = `${dir.path}/log`;
    const receiver = Deno.listenDatagram({ transport: "unixpacket", path: log });
    try {
      const tls = [...peer(dir, "CA1", "peer1"), "--tls-check-peer-id=yes"];
      await inPrivateDev(dir, log, [
        ["-s", dir.socket, ...tls, "-d", "-1", "--", "true"],
        ["-s", dir.socket, ...tls, "-X"],
      ]);
      const lines = (await receiveLines(receiver, 10)).join("\n");
      assert.match(lines, /FLM011I X\.509 CA certificate fields are C=\{null\}\/.*\/CN=FLoM CA1/);
      assert.match(
        lines,
        new RegExp(`FLM012I X\\.509 peer certificate fields are .*/CN=${UNIQUE_ID}`),
      );
      assert.match(lines, /FLM014I peer 'localhost\/' with unique ID '\w+' was authenticated/);
    } finally {
      receiver.close();
    }
  },
});

Deno.test("a daemon without a syslog socket runs all the same", async () => {
  await using dir = new TestDir();
  // This machine may or may not have /dev/log; either way the lock works.
  const result = await dir.run(["-s", dir.socket, "--", "echo", "ran"]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, "ran\n");
});
