/**
 * The floor of the CLI benchmark: what any Deno program that runs a command under a lock pays
 * at least. It prints one line, installs the same four signal listeners as flom, spawns `true` with
 * inherited standard streams, waits for it and exits with its status.
 * Usage: deno run -A scripts/bench/floor_cli.ts
 */
console.log("hello world");
const signals: Deno.Signal[] = ["SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT"];
const listener = () => {};
for (const signal of signals) Deno.addSignalListener(signal, listener);
const child = new Deno.Command("true", { stdin: "inherit", stdout: "inherit", stderr: "inherit" })
  .spawn();
const { code } = await child.status;
for (const signal of signals) Deno.removeSignalListener(signal, listener);
Deno.exit(code);
