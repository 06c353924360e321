import { deepStrictEqual, ok } from "node:assert/strict";
import { startTimer } from "./timer.ts";

/**
 * Runs `body` while something keeps the event loop alive: a timer of startTimer() never does,
 * it fires while the process waits for something else (a socket, in flom).
 */
async function whileAlive(body: () => Promise<void>): Promise<void> {
  const keepAlive = setInterval(() => {}, 1000);
  try {
    await body();
  } finally {
    clearInterval(keepAlive);
  }
}

Deno.test("startTimer() calls back once, not before its delay", () =>
  whileAlive(async () => {
    const start = performance.now();
    const fired = await new Promise<number>((resolve) =>
      startTimer(20, () => resolve(performance.now()))
    );
    ok(fired - start >= 19, `fired after ${fired - start} ms`);
  }));

Deno.test("startTimer() with a zero delay calls back after the current task", () =>
  whileAlive(async () => {
    const order: string[] = [];
    const done = new Promise<void>((resolve) =>
      startTimer(0, () => {
        order.push("timer");
        resolve();
      })
    );
    order.push("after start");
    await done;
    deepStrictEqual(order, ["after start", "timer"]);
  }));

Deno.test("startTimer() cancelled does not call back", () =>
  whileAlive(async () => {
    let called = false;
    startTimer(10, () => called = true).cancel();
    startTimer(0, () => called = true).cancel();
    // A later timer has fired: the cancelled ones would have by then.
    await new Promise<void>((resolve) => startTimer(30, resolve));
    deepStrictEqual(called, false);
  }));

Deno.test("startTimer() does not keep a process alive by itself", async () => {
  const script = `
    const { startTimer } = await import(${JSON.stringify(import.meta.resolve("./timer.ts"))});
    startTimer(60000, () => console.log("fired"));
    console.log("armed");`;
  // Were it kept alive, it would print "fired" a minute later.
  const { code, stdout } = await new Deno.Command(Deno.execPath(), {
    args: ["eval", script],
    stderr: "inherit",
  }).output();
  deepStrictEqual([code, new TextDecoder().decode(stdout)], [0, "armed\n"]);
});
