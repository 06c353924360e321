import assert from "node:assert/strict";
import { RC } from "../protocol/return_codes.ts";
import { lock, LockError } from "./api.ts";

// Each of these is refused before any connection is tried, by the rules the CLI applies.
const REFUSED: [string, Parameters<typeof lock>[0], number, string][] = [
  [
    "a socket together with an address",
    { socketName: "/tmp/flom-api-test", unicastAddress: "127.0.0.1" },
    RC.INVALID_OPTION,
    "Cannot lock: ERROR: flom can not be configured for local (UNIX socket) and network (TCP-UDP/IP) communication at the same time.",
  ],
  [
    "a lock mode that does not exist",
    { mode: "XX" as "EX" },
    RC.INVALID_OPTION,
    "Cannot lock: lock-mode: 'XX' is an invalid value",
  ],
  [
    "a fractional timeout",
    { timeout: 1.5 },
    RC.INVALID_OPTION,
    "Cannot lock: resource-timeout: '1.5' is an invalid value",
  ],
  [
    "a port above 65535",
    { unicastAddress: "127.0.0.1", unicastPort: 70000 },
    RC.INVALID_OPTION,
    "Cannot lock: unicast-port: '70000' is out of range: a port is 0 to 65535",
  ],
  [
    "a negative quantity",
    { resource: "R[3]", quantity: -2 },
    RC.INVALID_OPTION,
    "Cannot lock: Resource quantity ignored because negative values (-2) are meaningless",
  ],
  [
    "a peer-id check without TLS",
    { tlsCheckPeerId: true },
    RC.INVALID_OPTION,
    "Cannot lock: ERROR: TLS check peer id can not be specified without full TLS configuration.",
  ],
];

for (const [what, options, rc, message] of REFUSED) {
  Deno.test(`lock() refuses ${what} as the CLI does, with rc ${rc}`, async () => {
    await assert.rejects(
      lock(options),
      (error) => error instanceof LockError && error.rc === rc && error.message === message,
    );
  });
}

Deno.test("lock() refuses a name of no resource kind with rc -14 and the kinds of names", async () => {
  await assert.rejects(
    lock({ resource: "db-backup" }),
    (error) =>
      error instanceof LockError && error.rc === RC.INVALID_RESOURCE_NAME &&
      error.message.includes("Did you mean 'dbbackup'?"),
  );
});
