import assert from "node:assert/strict";
import { processIdentity, stillRunning } from "./orphans.ts";

Deno.test("processIdentity() knows this process and its parent; stillRunning() tells it runs", () => {
  const self = processIdentity(Deno.pid);
  assert.ok(self !== undefined);
  assert.equal(self.parent, Deno.ppid);
  assert.match(self.startTicks, /^\d+$/);
  assert.ok(stillRunning(self));
});

Deno.test("stillRunning() is false for an ended process, and for another process with its id", async () => {
  const child = new Deno.Command("sleep", { args: ["30"] }).spawn();
  const identity = processIdentity(child.pid)!;
  assert.equal(identity.parent, Deno.pid);
  assert.ok(stillRunning(identity));
  child.kill("SIGKILL");
  await child.status;
  assert.equal(processIdentity(child.pid), undefined);
  assert.ok(!stillRunning(identity));
  assert.ok(!stillRunning({ ...identity, pid: Deno.pid }));
});
