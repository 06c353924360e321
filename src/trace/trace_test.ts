import assert from "node:assert/strict";
import { formatTraceLine, parseTraceMask, TraceModule, Tracer } from "./trace.ts";

Deno.test("parseTraceMask() reads a mask as strtoul(…, 0): hex, octal, decimal, junk is 0", () => {
  assert.equal(parseTraceMask("0x18"), 0x18);
  assert.equal(parseTraceMask("030"), 0o30);
  assert.equal(parseTraceMask("24"), 24);
  assert.equal(parseTraceMask(" 8junk"), 8);
  assert.equal(parseTraceMask("junk"), 0);
  assert.equal(parseTraceMask(undefined), 0);
});

Deno.test("formatTraceLine() writes local time with microseconds, pid and thread", () => {
  const at = new Date(2026, 10, 27, 22, 10, 23, 801).getTime() + 0.086;
  assert.equal(
    formatTraceLine(at, 10365, "flom_config_init_load: loading"),
    "2026-11-27 22:10:23.801086 [10365/0x1] flom_config_init_load: loading\n",
  );
});

Deno.test("Tracer.trace() writes only the modules whose bit is in the mask", () => {
  const lines: string[] = [];
  const tracer = new Tracer(TraceModule.CLIENT, (line) => lines.push(line), {
    now: () => 0,
    pid: 1,
  });
  tracer.trace(TraceModule.CLIENT, "in");
  tracer.trace(TraceModule.DAEMON, "out");
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, / in\n$/);
});
