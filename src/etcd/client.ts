/**
 * A small etcd v3 client over the JSON gateway with `fetch`: no gRPC library on a daemon's start
 * (json_gateway.ts maps the bodies). A call goes to one endpoint and moves to the next one when
 * that one cannot be reached or has no leader, so that any single member may die.
 */
import {
  answerOf,
  type Compare,
  EtcdError,
  type KeyValue,
  parseKeepAlive,
  parseLeaseGrant,
  parseRange,
  parseTxn,
  parseWatchMessage,
  rangeBody,
  txnBody,
  type TxnOp,
  type TxnResult,
  watchBody,
  type WatchMessage,
} from "./json_gateway.ts";

export { EtcdError } from "./json_gateway.ts";
export type { KeyValue, TxnOp, TxnResult, WatchMessage } from "./json_gateway.ts";

/** Options of `EtcdClient`. */
export interface EtcdClientOptions {
  /**
   * How many times a call goes round the endpoints before it fails: a leader election takes
   * about a second on a loopback cluster. @default 20
   */
  rounds?: number;
  /** The pause between two rounds, in milliseconds. @default 100 */
  pauseMs?: number;
  /** Carries etcd's TLS: the CA of https endpoints, and a client certificate. */
  httpClient?: Deno.HttpClient;
}

// gRPC's UNAVAILABLE: no leader, leader changed, member stopping; another member may answer.
const UNAVAILABLE = 14;

/** One etcd cluster, reached through any of its members' client URLs. */
export class EtcdClient {
  readonly #endpoints: readonly string[];
  readonly #rounds: number;
  readonly #pauseMs: number;
  readonly #httpClient: Deno.HttpClient | undefined;
  #current = 0;

  constructor(endpoints: readonly string[], options: EtcdClientOptions = {}) {
    if (endpoints.length === 0) throw new RangeError("Cannot reach etcd: no endpoint given");
    this.#endpoints = endpoints;
    this.#rounds = options.rounds ?? 20;
    this.#pauseMs = options.pauseMs ?? 100;
    this.#httpClient = options.httpClient;
  }

  /** The keys of `[key, rangeEnd)` (or `key` alone) and the revision they were read at. */
  async range(key: string, rangeEnd?: string): Promise<{ revision: number; kvs: KeyValue[] }> {
    return parseRange(await this.#call("/v3/kv/range", rangeBody(key, rangeEnd)));
  }

  /** Runs `success` if every compare holds; nothing otherwise. */
  async txn(compare: Compare[], success: TxnOp[]): Promise<TxnResult> {
    return parseTxn(await this.#call("/v3/kv/txn", txnBody(compare, success)));
  }

  /** A new lease of `ttl` seconds: its id (decimal) and the TTL etcd granted. */
  async grantLease(ttl: number): Promise<{ id: string; ttl: number }> {
    return parseLeaseGrant(await this.#call("/v3/lease/grant", { TTL: String(ttl) }));
  }

  /** Renews a lease: the TTL it has again, 0 when it had expired already. */
  async keepAlive(id: string): Promise<number> {
    return parseKeepAlive(await this.#call("/v3/lease/keepalive", { ID: id }));
  }

  /** Revokes a lease: its keys are deleted at once. */
  async revokeLease(id: string): Promise<void> {
    await this.#call("/v3/lease/revoke", { ID: id });
  }

  /**
   * Watches `[key, rangeEnd)` from `startRevision` until `signal` aborts or the stream ends
   * (a member stopping ends it: the caller watches again from where it was).
   */
  async *watch(
    key: string,
    rangeEnd: string,
    startRevision: number,
    signal: AbortSignal,
  ): AsyncGenerator<WatchMessage> {
    const response = await this.#post("/v3/watch", watchBody(key, rangeEnd, startRevision), signal);
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let pending = "";
    try {
      while (true) {
        const { value, done } = await reader.read();
        if (done) return;
        pending += value;
        let end: number;
        while ((end = pending.indexOf("\n")) >= 0) {
          const line = pending.slice(0, end).trim();
          pending = pending.slice(end + 1);
          if (line !== "") yield parseWatchMessage(JSON.parse(line));
        }
      }
    } finally {
      await reader.cancel().catch(() => {});
    }
  }

  async #call(path: string, body: unknown): Promise<Record<string, unknown>> {
    const response = await this.#post(path, body);
    const json = await response.json();
    return answerOf(json);
  }

  /** POSTs to the current endpoint, moving on to the others while none answers usably. */
  async #post(path: string, body: unknown, signal?: AbortSignal): Promise<Response> {
    const text = JSON.stringify(body);
    let lastError: unknown;
    for (let attempt = 0; attempt < this.#rounds * this.#endpoints.length; attempt++) {
      signal?.throwIfAborted();
      if (attempt > 0 && attempt % this.#endpoints.length === 0) {
        await new Promise((resolve) => setTimeout(resolve, this.#pauseMs));
      }
      const endpoint = this.#endpoints[this.#current]!;
      try {
        const response = await fetch(endpoint + path, {
          method: "POST",
          body: text,
          headers: { "content-type": "application/json" },
          ...(signal === undefined ? {} : { signal }),
          ...(this.#httpClient === undefined ? {} : { client: this.#httpClient }),
        });
        if (response.ok) return response;
        const json = await response.json().catch(() => ({}));
        const error = new EtcdError(
          `etcd at ${endpoint} answered ${response.status}: ${json.message ?? json.error ?? ""}`,
          json.code,
        );
        if (response.status < 500 && json.code !== UNAVAILABLE) throw error;
        lastError = error;
      } catch (error) {
        if (signal?.aborted || (error instanceof EtcdError && error !== lastError)) throw error;
        lastError = error;
      }
      this.#current = (this.#current + 1) % this.#endpoints.length;
    }
    throw lastError instanceof EtcdError ? lastError : new EtcdError(
      `Cannot reach etcd at ${this.#endpoints.join(",")}: ${failureText(lastError)}`,
      undefined,
    );
  }
}

// fetch's "fetch failed" says why only in its cause (a refused connection, a certificate).
function failureText(error: unknown): string {
  const cause = error instanceof Error ? error.cause : undefined;
  return cause === undefined ? String(error) : `${error}: ${failureText(cause)}`;
}
