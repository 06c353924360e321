import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import type { StatusSnapshot } from "../status/snapshot.ts";
import { buildStatusTree, lockModeLongName, type StatusNode } from "./status_tree.ts";

const SINCE = "2024-05-01T10:00:00.000Z";

function snapshot(overrides: Partial<StatusSnapshot> = {}): StatusSnapshot {
  return {
    version: 1,
    takenAt: SINCE,
    daemon: { pid: 42, startedAt: SINCE },
    resources: [],
    incubator: [],
    ...overrides,
  };
}

/** Every path of the tree, depth first in listing order; a file as `path = "content"`. */
function flatten(node: StatusNode, path = ""): string[] {
  if (node.kind === "file") {
    return [`${path} = ${JSON.stringify(String.fromCharCode(...node.content))}`];
  }
  const lines = [`${path}/`];
  for (const [name, child] of node.children) lines.push(...flatten(child, `${path}/${name}`));
  return lines;
}

Deno.test("buildStatusTree() of an idle daemon has the two empty status folders only", () => {
  deepStrictEqual(flatten(buildStatusTree(snapshot())), [
    "/",
    "/status/",
    "/status/incubator/",
    "/status/lockers/",
  ]);
});

Deno.test("buildStatusTree() shows holders and waiters of every kind with the original's files", () => {
  const held = { since: SINCE, heldMs: 5 };
  const waiting = { since: SINCE, waitingMs: 3 };
  const tree = buildStatusTree(snapshot({
    resources: [
      {
        id: 3,
        name: "_RESOURCE",
        kind: "simple",
        holders: [{ connection: 2, peer: "local", mode: "EX", ...held }],
        waiters: [{ connection: 4, peer: "127.0.0.1/44854", mode: "PR", ...waiting }],
      },
      {
        id: 6,
        name: "foo[2]",
        kind: "numeric",
        holders: [{ connection: 5, peer: "local", quantity: 2, pid: 7, host: "h", ...held }],
        waiters: [{ connection: 7, peer: "local", quantity: 1, ...waiting }],
      },
      {
        id: 9,
        name: "red.blue",
        kind: "set",
        holders: [{ connection: 8, peer: "::1/40000", element: "red", ...held }],
        waiters: [{ connection: 10, peer: "local", ...waiting }],
      },
      {
        id: 12,
        name: "/x/y",
        kind: "hierarchical",
        holders: [{ connection: 11, peer: "local", mode: "NL", ...held }],
        waiters: [],
      },
      {
        id: 14,
        name: "_s_seq[3]",
        kind: "sequence",
        holders: [{ connection: 13, peer: "local", element: "1", ...held }],
        waiters: [{ connection: 15, peer: "local", ...waiting }],
      },
      {
        id: 17,
        name: "_t_%H[1]",
        kind: "timestamp",
        holders: [{ connection: 16, peer: "local", element: "10", ...held }],
        waiters: [],
        idleRemainingMs: 100,
      },
    ],
  }));
  deepStrictEqual(flatten(tree), [
    "/",
    "/status/",
    "/status/incubator/",
    "/status/lockers/",
    "/status/lockers/3/",
    '/status/lockers/3/resource_name = "_RESOURCE\\n"',
    '/status/lockers/3/resource_type = "simple\\n"',
    "/status/lockers/3/holders/",
    "/status/lockers/3/holders/2/",
    '/status/lockers/3/holders/2/peer_name = "localhost/\\n"',
    '/status/lockers/3/holders/2/lock_mode = "Exclusive"',
    "/status/lockers/3/waitings/",
    "/status/lockers/3/waitings/4/",
    '/status/lockers/3/waitings/4/peer_name = "127.0.0.1/44854\\n"',
    '/status/lockers/3/waitings/4/lock_mode = "ProtectedRead"',
    "/status/lockers/6/",
    '/status/lockers/6/resource_name = "foo[2]\\n"',
    '/status/lockers/6/resource_type = "numeric\\n"',
    "/status/lockers/6/holders/",
    "/status/lockers/6/holders/5/",
    '/status/lockers/6/holders/5/peer_name = "localhost/\\n"',
    '/status/lockers/6/holders/5/quantity = "2\\n"',
    "/status/lockers/6/waitings/",
    "/status/lockers/6/waitings/7/",
    '/status/lockers/6/waitings/7/peer_name = "localhost/\\n"',
    '/status/lockers/6/waitings/7/quantity = "1\\n"',
    "/status/lockers/9/",
    '/status/lockers/9/resource_name = "red.blue\\n"',
    '/status/lockers/9/resource_type = "set\\n"',
    "/status/lockers/9/holders/",
    "/status/lockers/9/holders/8/",
    '/status/lockers/9/holders/8/peer_name = "::1/40000\\n"',
    "/status/lockers/9/waitings/",
    "/status/lockers/9/waitings/10/",
    '/status/lockers/9/waitings/10/peer_name = "localhost/\\n"',
    "/status/lockers/12/",
    '/status/lockers/12/resource_name = "/x/y\\n"',
    '/status/lockers/12/resource_type = "hierarchical\\n"',
    "/status/lockers/12/holders/",
    "/status/lockers/12/holders/11/",
    '/status/lockers/12/holders/11/peer_name = "localhost/\\n"',
    '/status/lockers/12/holders/11/lock_mode = "NullLock"',
    "/status/lockers/12/waitings/",
    "/status/lockers/14/",
    '/status/lockers/14/resource_name = "_s_seq[3]\\n"',
    '/status/lockers/14/resource_type = "sequence\\n"',
    "/status/lockers/14/holders/",
    "/status/lockers/14/holders/13/",
    '/status/lockers/14/holders/13/peer_name = "localhost/\\n"',
    '/status/lockers/14/holders/13/sequence_value = "1\\n"',
    "/status/lockers/14/waitings/",
    "/status/lockers/14/waitings/15/",
    '/status/lockers/14/waitings/15/peer_name = "localhost/\\n"',
    "/status/lockers/17/",
    '/status/lockers/17/resource_name = "_t_%H[1]\\n"',
    '/status/lockers/17/resource_type = "timestamp\\n"',
    "/status/lockers/17/holders/",
    "/status/lockers/17/holders/16/",
    '/status/lockers/17/holders/16/peer_name = "localhost/\\n"',
    '/status/lockers/17/holders/16/timestamp_value = "10\\n"',
    "/status/lockers/17/waitings/",
  ]);
});

Deno.test("buildStatusTree() shows clients waiting for a resource that does not exist yet", () => {
  const tree = buildStatusTree(snapshot({
    incubator: [
      {
        connection: 5,
        peer: "10.0.0.2/5000",
        mode: "EX",
        resource: "later",
        kind: "simple",
        since: SINCE,
        waitingMs: 1,
      },
    ],
  }));
  deepStrictEqual(flatten(tree), [
    "/",
    "/status/",
    "/status/incubator/",
    "/status/incubator/5/",
    '/status/incubator/5/peer_name = "10.0.0.2/5000\\n"',
    '/status/incubator/5/resource_name = "later\\n"',
    '/status/incubator/5/resource_type = "simple\\n"',
    "/status/lockers/",
  ]);
});

Deno.test("buildStatusTree() writes a resource name byte for byte, not as UTF-8", () => {
  const tree = buildStatusTree(snapshot({
    resources: [{ id: 2, name: "/caf\xe9", kind: "hierarchical", holders: [], waiters: [] }],
  }));
  const status = tree.children.get("status");
  const lockers = status?.kind === "directory" ? status.children.get("lockers") : undefined;
  const locker = lockers?.kind === "directory" ? lockers.children.get("2") : undefined;
  const name = locker?.kind === "directory" ? locker.children.get("resource_name") : undefined;
  deepStrictEqual(
    name?.kind === "file" ? [...name.content] : [],
    [0x2f, 0x63, 0x61, 0x66, 0xe9, 0x0a],
  );
});

Deno.test("lockModeLongName() maps every short name, keeps long names and refuses others", () => {
  deepStrictEqual(
    ["NL", "CR", "CW", "PR", "PW", "EX"].map(lockModeLongName),
    [
      "NullLock",
      "ConcurrentRead",
      "ConcurrentWrite",
      "ProtectedRead",
      "ProtectedWrite",
      "Exclusive",
    ],
  );
  strictEqual(lockModeLongName("Exclusive"), "Exclusive");
  throws(() => lockModeLongName("XX"), RangeError);
  throws(() => lockModeLongName("0"), RangeError);
});
