/**
 * The floors of the daemon benchmarks: the least a Deno UNIX-socket server can do for one lock
 * and unlock. Per connection it reads until a message ends, writes a canned grant, then reads
 * until the end of the stream and closes; holding a connection, it keeps one small pending read.
 * With `--queue` it also does the least an exclusive lock needs: one connection at a time holds
 * the grant, the others get a canned "enqueued" answer and their grant when the holder's
 * connection ends, in arrival order. It prints "ready" once it listens.
 * Usage: deno run -A scripts/bench/floor_server.ts SOCKET [--queue]
 */
const answer = (step: number, rc: number) =>
  new TextEncoder().encode(
    `<?xml version="1.0" encoding="UTF-8" ?><msg level="3" verb="1" step="${step}">` +
      (step === 16 ? `<session peerid=""/>` : "") + `<answer rc="${rc}"/></msg>`,
  );
const GRANT = answer(16, 0);
const ENQUEUED = answer(16, 1);
const LATE_GRANT = answer(24, 0);
const END = 0x3e; // ">" of "</msg>": enough to know a one-message request has arrived

const queueing = Deno.args.includes("--queue");
let holder: Deno.Conn | undefined;
const waiting: Deno.Conn[] = [];

async function serve(conn: Deno.Conn): Promise<void> {
  const buffer = new Uint8Array(512);
  try {
    for (;;) {
      const n = await conn.read(buffer);
      if (n === null) return;
      if (buffer[n - 1] === END) break;
    }
    if (!queueing) {
      await conn.write(GRANT);
    } else if (holder === undefined) {
      holder = conn;
      await conn.write(GRANT);
    } else {
      waiting.push(conn);
      await conn.write(ENQUEUED);
    }
    while ((await conn.read(buffer)) !== null) {
      // The unlock; then the end of the stream.
    }
  } catch {
    // A reset is an end too.
  } finally {
    conn.close();
    if (holder === conn) {
      holder = waiting.shift();
      holder?.write(LATE_GRANT).catch(() => {});
    }
  }
}

// Exiting through Deno.exit lets `--cpu-prof` write its profile.
Deno.addSignalListener("SIGTERM", () => Deno.exit(0));
const listener = Deno.listen({ transport: "unix", path: Deno.args[0]! });
console.log("ready");
for await (const conn of listener) serve(conn);
