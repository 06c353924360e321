import assert from "node:assert/strict";
import { ProtocolError } from "../errors.ts";
import { decodeUtf8, encodeUtf8 } from "./binary_string.ts";
import { decodeMessage, encodeMessage } from "./codec.ts";
import type { LockAnswer, LockRequest, Message } from "./messages.ts";
import { RC } from "./return_codes.ts";

const HEAD = `<?xml version="1.0" encoding="UTF-8" ?>`;
const text = (message: Message) => decodeUtf8(encodeMessage(message), { fatal: true });
const decode = (body: string) => decodeMessage(encodeUtf8(HEAD + body));

const REQUEST: LockRequest = {
  kind: "lock",
  peerId: "3c5a7e2f9b1d4a6c8e0f2b4d6a8c0e1f",
  name: "backup",
  mode: 5,
  wait: true,
  create: true,
  lifespan: 0,
};

Deno.test("encodeMessage() puts a client's identity on <session>, where the original ignores it", () => {
  const request: LockRequest = {
    ...REQUEST,
    client: { pid: 4242, host: "mojan", program: 'backup "full" <now> & co' },
    explain: true,
  };
  assert.equal(
    text(request),
    HEAD + `<msg level="3" verb="1" step="8">` +
      `<session peerid="3c5a7e2f9b1d4a6c8e0f2b4d6a8c0e1f" pid="4242" host="mojan" ` +
      `program="backup &quot;full&quot; &lt;now> &amp; co" explain="1"/>` +
      `<resource name="YmFja3Vw" mode="5" wait="1" create="1" lifespan="0"/></msg>`,
  );
  assert.deepEqual(decodeMessage(encodeMessage(request)), request);
});

Deno.test("encodeMessage() of a request without identity is the original's bytes", () => {
  assert.equal(
    text(REQUEST),
    HEAD + `<msg level="3" verb="1" step="8"><session peerid="3c5a7e2f9b1d4a6c8e0f2b4d6a8c0e1f"/>` +
      `<resource name="YmFja3Vw" mode="5" wait="1" create="1" lifespan="0"/></msg>`,
  );
});

Deno.test("encodeMessage() tells a waiter who blocks it on <answer>, and decodeMessage() reads it back", () => {
  const answer: LockAnswer = {
    kind: "lockAnswer",
    step: 16,
    peerId: "d",
    rc: RC.LOCK_ENQUEUED,
    wait: {
      holders: 1,
      ahead: 2,
      heldMs: 12400,
      holder: { peer: "local", pid: 4242, host: "mojan", program: "backup.sh" },
    },
  };
  assert.equal(
    text(answer),
    HEAD + `<msg level="3" verb="1" step="16"><session peerid="d"/><answer rc="1" holders="1" ` +
      `ahead="2" heldms="12400" holderpeer="local" holderpid="4242" holderhost="mojan" ` +
      `holderprogram="backup.sh"/></msg>`,
  );
  assert.deepEqual(decodeMessage(encodeMessage(answer)), answer);
  const cHolder: LockAnswer = {
    ...answer,
    wait: { holders: 2, ahead: 0, heldMs: 5, holder: { peer: "10.0.0.5/44854" } },
  };
  assert.deepEqual(decodeMessage(encodeMessage(cHolder)), cHolder);
});

Deno.test("decodeMessage() reads extension attributes that hold no integer as absent", () => {
  const request = decode(
    `<msg level="3" verb="1" step="8"><session peerid="p" pid="x" explain="yes"/>` +
      `<resource name="UQ==" mode="5" wait="1" create="1" lifespan="0"/></msg>`,
  );
  assert.equal(request.kind, "lock");
  assert.ok(!("client" in request) && !("explain" in request));
});

Deno.test("the status request is verb 3 step 8 with a <status> tag, and its answer announces the body's size", () => {
  assert.equal(
    text({ kind: "status", peerId: "p", format: "json" }),
    HEAD + `<msg level="3" verb="3" step="8"><session peerid="p"/><status format="json"/></msg>`,
  );
  assert.deepEqual(
    decode(`<msg level="3" verb="3" step="8"><status format="json"/></msg>`),
    { kind: "status", peerId: "", format: "json" },
  );
  assert.deepEqual(decodeMessage(encodeMessage({ kind: "statusAnswer", bytes: 123456 })), {
    kind: "statusAnswer",
    bytes: 123456,
  });
  assert.deepEqual(decode(`<msg level="3" verb="3" step="8"></msg>`), { kind: "ping", step: 8 });
});

Deno.test("decodeMessage() refuses a <status> tag with attributes outside verb 3, as the original does", () => {
  for (const verb of [1, 2, 4, 5]) {
    assert.throws(
      () =>
        decode(
          `<msg level="3" verb="${verb}" step="8"><status format="json"/>` +
            `<resource name="UQ==" wait="1"/></msg>`,
        ),
      (error) => error instanceof ProtocolError && error.rc === RC.PROTOCOL_ERROR,
    );
  }
  assert.throws(
    () => decode(`<msg level="3" verb="3" step="16"><status format="json"/></msg>`),
    (error) => error instanceof ProtocolError && error.rc === RC.PROTOCOL_ERROR,
  );
});

Deno.test("a grant carries its fencing token on <answer>, which decodeMessage() reads back", () => {
  const grant: LockAnswer = {
    kind: "lockAnswer",
    step: 24,
    rc: RC.OK,
    element: "red",
    fencingToken: "7535441791969918976",
  };
  assert.equal(
    text(grant),
    HEAD + `<msg level="3" verb="1" step="24">` +
      `<answer rc="0" element="red" fencing="7535441791969918976"/></msg>`,
  );
  assert.deepEqual(decodeMessage(encodeMessage(grant)), grant);
});

Deno.test("a client asks to hear of a lost lock on <session>; the daemon tells it at step 32 with lost=", () => {
  const request: LockRequest = { ...REQUEST, client: { pid: 4242 }, watchLoss: true };
  assert.equal(
    text(request),
    HEAD + `<msg level="3" verb="1" step="8">` +
      `<session peerid="3c5a7e2f9b1d4a6c8e0f2b4d6a8c0e1f" pid="4242" lost="1"/>` +
      `<resource name="YmFja3Vw" mode="5" wait="1" create="1" lifespan="0"/></msg>`,
  );
  assert.deepEqual(decodeMessage(encodeMessage(request)), request);
  const lost: LockAnswer = {
    kind: "lockAnswer",
    step: 32,
    rc: RC.CONNECTION_CLOSED_BY_SERVER,
    lost: `etcd lease 7587 not renewed for 10 s & more <gone>`,
  };
  assert.equal(
    text(lost),
    HEAD + `<msg level="3" verb="1" step="32"><answer rc="${RC.CONNECTION_CLOSED_BY_SERVER}" ` +
      `lost="etcd lease 7587 not renewed for 10 s &amp; more &lt;gone>"/></msg>`,
  );
  assert.deepEqual(decodeMessage(encodeMessage(lost)), lost);
});

Deno.test("the command report is verb 3 step 8 with a <command> tag naming the lock's token and the process", () => {
  const report = { kind: "commandReport", peerId: "p", fencingToken: "42", pid: 4250 } as const;
  assert.equal(
    text(report),
    HEAD + `<msg level="3" verb="3" step="8"><session peerid="p"/>` +
      `<command fencing="42" pid="4250"/></msg>`,
  );
  assert.deepEqual(decodeMessage(encodeMessage(report)), report);
  for (
    const body of [
      `<command pid="4250"/>`,
      `<command fencing="42"/>`,
      `<command fencing="42" pid="0"/>`,
    ]
  ) {
    assert.throws(
      () => decode(`<msg level="3" verb="3" step="8">${body}</msg>`),
      (error) => error instanceof ProtocolError && error.rc === RC.PROTOCOL_ERROR,
    );
  }
  // Outside verb 3 it is a tag the original does not know: the message is invalid.
  assert.throws(
    () =>
      decode(
        `<msg level="3" verb="2" step="8"><command fencing="42" pid="1"/>` +
          `<resource name="UQ==" rollback="0" /></msg>`,
      ),
    (error) => error instanceof ProtocolError && error.rc === RC.PROTOCOL_ERROR,
  );
});
