/**
 * Daemon throughput: lock + unlock pairs per second with 16 and 64 concurrent clients, each pair
 * on a fresh connection as the CLI and libflom do, against a real daemon on a UNIX socket. The
 * baseline, measured in the same run, is the same number of clients doing bare connect + close
 * cycles against a trivial listener, so the ratio says what flom adds on this machine.
 * Usage: deno run -A scripts/bench_daemon.ts [SECONDS]
 */
import { WireClient } from "../tests/wire_client.ts";

const seconds = Number(Deno.args[0] ?? 3);
const root = new URL("..", import.meta.url).pathname;
const dir = Deno.makeTempDirSync({ prefix: "flombench" });
const socket = `${dir}/sock`;

async function measure(clients: number, cycle: () => Promise<void>): Promise<number> {
  let count = 0;
  const deadline = performance.now() + seconds * 1000;
  await Promise.all(Array.from({ length: clients }, async () => {
    while (performance.now() < deadline) {
      await cycle();
      count++;
    }
  }));
  return count / seconds;
}

async function lockUnlockPair(): Promise<void> {
  using client = await WireClient.connect(socket);
  const rc = await client.lock("bench", { mode: 3 }); // PR: clients share, no queueing
  if (rc !== 0) throw new Error(`lock answered rc=${rc}`);
  await client.send({ kind: "unlock", name: "bench", rollback: false });
  await client.stream.closeWrite();
  await client.closed();
}

const start = await new Deno.Command(Deno.execPath(), {
  args: [
    "run",
    "-A",
    "--no-prompt",
    "--quiet",
    `${root}main.ts`,
    "-s",
    socket,
    "-d",
    "-1",
    "--",
    "true",
  ],
}).output();
if (!start.success) throw new Error("cannot start the daemon");

const baselineSocket = `${dir}/baseline`;
const baseline = Deno.listen({ transport: "unix", path: baselineSocket });
(async () => {
  for await (const conn of baseline) conn.close();
})();
async function connectClose(): Promise<void> {
  (await Deno.connect({ transport: "unix", path: baselineSocket })).close();
}

try {
  for (const clients of [16, 64]) {
    const base = await measure(clients, connectClose);
    const flom = await measure(clients, lockUnlockPair);
    console.log(
      `${clients} clients: ${flom.toFixed(0)} lock+unlock pairs/s; baseline ${
        base.toFixed(0)
      } connect+close/s; ratio ${(flom / base).toFixed(3)}`,
    );
  }
} finally {
  baseline.close();
  await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", `${root}main.ts`, "-s", socket, "-X"],
    stdout: "null",
  }).output();
  Deno.removeSync(dir, { recursive: true });
}
