import { ProtocolError } from "../errors.ts";
import assert from "node:assert/strict";
import { RC, strerror } from "./return_codes.ts";

Deno.test("strerror() returns the original's exact texts", { permissions: "none" }, () => {
  assert.equal(strerror(RC.OK), "OK: no error");
  assert.equal(
    strerror(RC.LOCK_BUSY),
    "INFO: the lock can not be obtained because the resource is already locked",
  );
  assert.equal(strerror(RC.NETWORK_TIMEOUT), "WARNING: network operation timeout");
  assert.equal(strerror(-16), "ERROR: XML message deserialization");
  assert.equal(
    strerror(RC.CONNECT_ERROR),
    "ERROR: 'connect' function returned an error condition",
  );
  assert.equal(strerror(RC.TLS_NO_VALID_METHOD), "ERROR: no valid TLS/SSL method was found");
});

Deno.test("strerror() reports unknown codes, -405 included", { permissions: "none" }, () => {
  assert.equal(strerror(RC.SSL_ACCEPT_ERROR), "ERROR: unknown error");
  assert.equal(strerror(14), "ERROR: unknown error");
  assert.equal(strerror(-29), "ERROR: unknown error");
});

Deno.test("RC has distinct codes, each with its own text but SSL_ACCEPT_ERROR", {
  permissions: "none",
}, () => {
  const codes = Object.values(RC);
  assert.equal(new Set(codes).size, codes.length);
  for (const [name, code] of Object.entries(RC)) {
    assert.equal(strerror(code) === "ERROR: unknown error", name === "SSL_ACCEPT_ERROR", name);
  }
});

Deno.test("ProtocolError carries the reason code", { permissions: "none" }, () => {
  const error = new ProtocolError(RC.PROTOCOL_ERROR, "bad step");
  assert.ok(error instanceof Error);
  assert.equal(error.name, "ProtocolError");
  assert.equal(error.rc, -13);
  assert.equal(error.message, "bad step");
});
