/**
 * The lock floor of the CLI benchmark: the spawn floor (floor_cli.ts) plus the least a client of
 * the daemon does around the command, in one file: it connects to the daemon's UNIX socket, sends
 * a canned exclusive lock request for `R`, reads the grant, runs `true` as the spawn floor does,
 * then sends the unlock, half-closes and reads until the daemon closes. What any Deno program that
 * takes flom's lock pays, before any option, configuration or module of its own. The spawn floor's
 * lines are repeated, not imported: a floor is one file, as a module more costs what it measures.
 * Usage: deno run -A scripts/bench/floor_lock_cli.ts SOCKET
 */
const XML = '<?xml version="1.0" encoding="UTF-8" ?>';
const LOCK = `${XML}<msg level="3" verb="1" step="8"><session peerid=""/>` +
  `<resource name="Ug==" mode="5" wait="1" create="1" lifespan="0"/></msg>`;
const UNLOCK = `${XML}<msg level="3" verb="2" step="8"><resource name="Ug==" rollback="0" /></msg>`;
const END = 0x3e; // ">" of "</msg>"

const conn = await Deno.connect({ transport: "unix", path: Deno.args[0]! });
const buffer = new Uint8Array(512);
await conn.write(new TextEncoder().encode(LOCK));
for (;;) {
  const n = await conn.read(buffer);
  if (n === null) throw new Error("the daemon closed before its grant");
  if (buffer[n - 1] === END) break;
}
const signals: Deno.Signal[] = ["SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT"];
const listener = () => {};
for (const signal of signals) Deno.addSignalListener(signal, listener);
const child = new Deno.Command("true", { stdin: "inherit", stdout: "inherit", stderr: "inherit" })
  .spawn();
const { code } = await child.status;
for (const signal of signals) Deno.removeSignalListener(signal, listener);
await conn.write(new TextEncoder().encode(UNLOCK));
await conn.closeWrite();
while ((await conn.read(buffer)) !== null) {
  // Nothing more is expected.
}
conn.close();
Deno.exit(code);
