/**
 * The floor of the daemon benchmarks: the least a Deno UNIX-socket server can do for one lock
 * and unlock. Per connection it reads until a message ends, writes a canned grant, then reads
 * until the end of the stream and closes. Holding connections, it keeps one small pending read
 * each. It prints "ready" once it listens.
 * Usage: deno run -A scripts/bench/floor_server.ts SOCKET
 */
const GRANT = new TextEncoder().encode(
  `<?xml version="1.0" encoding="UTF-8" ?><msg level="3" verb="1" step="16">` +
    `<session peerid=""/><answer rc="0"/></msg>`,
);
const END = 0x3e; // ">" of "</msg>": enough to know a one-message request has arrived

async function serve(conn: Deno.Conn): Promise<void> {
  const buffer = new Uint8Array(512);
  try {
    for (;;) {
      const n = await conn.read(buffer);
      if (n === null) return;
      if (buffer[n - 1] === END) break;
    }
    await conn.write(GRANT);
    while ((await conn.read(buffer)) !== null) {
      // The unlock; then the end of the stream.
    }
  } catch {
    // A reset is an end too.
  } finally {
    conn.close();
  }
}

// Exiting through Deno.exit lets `--cpu-prof` write its profile.
Deno.addSignalListener("SIGTERM", () => Deno.exit(0));
const listener = Deno.listen({ transport: "unix", path: Deno.args[0]! });
console.log("ready");
for await (const conn of listener) serve(conn);
