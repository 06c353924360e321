/**
 * Daemon memory under load: resident size of a real daemon idle (the baseline) and then with
 * HOLDERS connections each holding its own resource and WAITERS connections queued on one
 * resource; reports both and their ratio, and the cost per connection. The process's
 * descriptor limit bounds the counts (two descriptors per connection on one machine).
 * Usage: deno run -A scripts/bench_memory.ts [HOLDERS] [WAITERS]
 */
import { WireClient } from "../tests/wire_client.ts";
import { processesMentioning, waitUntil } from "../tests/harness.ts";

const holders = Number(Deno.args[0] ?? 4000);
const waiters = Number(Deno.args[1] ?? 4000);
const root = new URL("..", import.meta.url).pathname;
const dir = Deno.makeTempDirSync({ prefix: "flommem" });
const socket = `${dir}/sock`;

function residentKiB(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
}

const started = await new Deno.Command(Deno.execPath(), {
  args: ["run", "-A", "--quiet", `${root}main.ts`, "-s", socket, "-d", "-1", "--", "true"],
}).output();
if (!started.success) throw new Error("cannot start the daemon");
const [daemon] = processesMentioning(socket);
if (daemon === undefined) throw new Error("no daemon process found");
const clients: WireClient[] = [];
try {
  const idle = residentKiB(daemon);
  for (let i = 0; i < holders; i++) {
    const client = await WireClient.connect(socket);
    clients.push(client);
    if (await client.lock(`held${i}`) !== 0) throw new Error("holder not granted");
  }
  // The waiters queue behind one more holder of their own resource.
  const blocker = await WireClient.connect(socket);
  clients.push(blocker);
  if (await blocker.lock("hot") !== 0) throw new Error("blocker not granted");
  for (let i = 0; i < waiters; i++) {
    const client = await WireClient.connect(socket);
    clients.push(client);
    if (await client.lock("hot") !== 1) throw new Error("waiter not enqueued");
  }
  const loaded = residentKiB(daemon);
  console.log(
    `idle daemon ${(idle / 1024).toFixed(1)} MiB; with ${holders} held resources and ${waiters} ` +
      `waiters ${(loaded / 1024).toFixed(1)} MiB; ratio ${(loaded / idle).toFixed(2)}; ` +
      `${((loaded - idle) / (holders + waiters + 1)).toFixed(2)} KiB per connection`,
  );
} finally {
  for (const client of clients) client[Symbol.dispose]();
  Deno.kill(daemon, "SIGTERM");
  await waitUntil(() => processesMentioning(socket).length === 0, "the daemon to stop");
  Deno.removeSync(dir, { recursive: true });
}
