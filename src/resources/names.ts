/**
 * Resource name grammar (docs/compatibility.md, "Resources"). Names are "binary strings": one char
 * per byte (char codes 0..255), so that identity is the byte-wise identity of the original.
 */

/** The six resource kinds, in the order the grammar tries them. */
export type ResourceKind = "simple" | "numeric" | "set" | "hierarchical" | "sequence" | "timestamp";

/** The original's type numbers, shown in its configuration-check warnings. */
export const RESOURCE_TYPE_NUMBER: Readonly<Record<ResourceKind, number>> = {
  simple: 1,
  numeric: 2,
  set: 3,
  hierarchical: 4,
  sequence: 5,
  timestamp: 6,
};

/**
 * What a request on a resource of `kind` carries besides its name: a lock mode (simple and
 * hierarchical resources), a quantity (numeric ones), or nothing. The wire, the configuration
 * check and the lock rules all follow this one rule.
 */
export function requestParameter(kind: ResourceKind): "mode" | "quantity" | undefined {
  return kind === "simple" || kind === "hierarchical"
    ? "mode"
    : kind === "numeric"
    ? "quantity"
    : undefined;
}

/** A classified resource name with the parts its kind needs. */
export type ResourceName =
  | { kind: "simple"; name: string }
  | { kind: "numeric"; name: string; total: number }
  | { kind: "set"; name: string; elements: string[] }
  | { kind: "hierarchical"; name: string; components: string[] }
  | { kind: "sequence"; name: string; total: number; transactional: boolean }
  | { kind: "timestamp"; name: string; format: string; total: number };

// No `m` flag: a name with an embedded newline matches nothing (the recommended fix of the
// original's REG_NEWLINE quirk).
const SIMPLE = /^(?:_RESOURCE|[A-Za-z][A-Za-z0-9]*)$/;
const NUMERIC = /^[A-Za-z][A-Za-z0-9]*\[([0-9]+)\]$/;
const SET = /^[A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z][A-Za-z0-9]*)+$/;
const HIERARCHICAL = /^\/[^\/\\\n]+(?:\/[^\/\\\n]+)*$/;
const SEQUENCE = /^_([sS])_[A-Za-z][A-Za-z0-9]*\[([0-9]+)\]$/;
const TIMESTAMP = /^_t_([%#A-Za-z][%#.:\\A-Za-z0-9]*)\[([0-9]+)\]$/;

/** Largest capacity accepted; the original silently truncates larger numbers to 32 bits. */
export const MAX_CAPACITY = 2 ** 31 - 1;

function capacity(digits: string): number | undefined {
  const value = Number(digits);
  return value <= MAX_CAPACITY ? value : undefined;
}

/** Classifies `name`; `undefined` when it is not a valid resource name of any kind. */
export function parseResourceName(name: string): ResourceName | undefined {
  if (SIMPLE.test(name)) return { kind: "simple", name };
  let match = NUMERIC.exec(name);
  if (match) {
    const total = capacity(match[1]!);
    return total === undefined ? undefined : { kind: "numeric", name, total };
  }
  if (SET.test(name)) return { kind: "set", name, elements: name.split(".") };
  if (HIERARCHICAL.test(name)) {
    return { kind: "hierarchical", name, components: name.substring(1).split("/") };
  }
  match = SEQUENCE.exec(name);
  if (match) {
    const total = capacity(match[2]!);
    if (total === undefined) return undefined;
    return { kind: "sequence", name, total, transactional: match[1] === "S" };
  }
  match = TIMESTAMP.exec(name);
  if (match) {
    const total = capacity(match[2]!);
    return total === undefined ? undefined : { kind: "timestamp", name, format: match[1]!, total };
  }
  return undefined;
}

/**
 * The key of the lock object a name maps to: hierarchical names share one object per root
 * component (`/a/b` and `/a/c` both map to `/a`); every other name is its own key.
 */
export function lockKey(name: ResourceName): string {
  return name.kind === "hierarchical" ? `/${name.components[0]}` : name.name;
}

/**
 * What a user who typed `name`, which is no resource name, needs to know: the kinds of names,
 * and a spelling that is valid when taking out `-` and `_` gives one (`db-backup`: `dbbackup`).
 */
export function resourceNameAdvice(name: string): string {
  const bare = name.replace(/[-_]/g, "");
  const suggestion = bare !== name && SIMPLE.test(bare) ? ` Did you mean '${bare}'?` : "";
  return "a resource name is a letter followed by letters and digits (backup, db2); other kinds: " +
    "R[N] (N units), a.b.c (a set: each command gets one free member, they do not wait for each " +
    "other), /a/b (a hierarchy), _s_R[N] and _S_R[N] (sequences), _t_FORMAT[N] (timestamps)." +
    suggestion;
}
