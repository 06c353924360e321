import assert from "node:assert/strict";
import { formatSyslogLine, Severity } from "./syslog.ts";

Deno.test("formatSyslogLine() writes facility daemon, local time, ident and pid as syslog(3)", () => {
  const at = new Date(2026, 2, 5, 7, 8, 9);
  assert.equal(
    formatSyslogLine(Severity.NOTICE, "FLM003N ready", at, "flom", 42),
    "<29>Mar  5 07:08:09 flom[42]: FLM003N ready",
  );
  assert.equal(formatSyslogLine(Severity.ERR, "x", at, "flom", 1).slice(0, 4), "<27>");
});
