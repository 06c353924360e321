/**
 * The daemon's HTTP side of `--metrics ADDRESS:PORT`: `GET /metrics` answers the Prometheus text,
 * `GET /status` the JSON of `flom --status --json` (not for a TLS daemon, whose status is shown
 * only over TLS, to peers it has checked); anything else is 404. Loaded only by daemons started
 * with `--metrics`.
 */
import { parseHostPort } from "../config/values.ts";
import type { StatusSnapshot } from "../status/snapshot.ts";

/**
 * What the HTTP server shows: the daemon server. The metrics are the daemon's own (Prometheus sums
 * the daemons); the status is what `flom --status` shows (through an etcd-backed daemon, every
 * daemon's requests).
 */
export interface MetricsSource {
  metricsText(): string;
  fullStatus(): Promise<StatusSnapshot>;
}

/** What the HTTP server offers besides the metrics. */
export interface MetricsServerOptions {
  /**
   * Whether `GET /status` answers: not for a TLS daemon, whose status only TLS clients that pass
   * its checks may see (plain HTTP has neither encryption nor client certificates).
   */
  status: boolean;
}

/** A running metrics server; `await using` stops it at the end of its scope. */
export interface MetricsServer extends AsyncDisposable {
  /** Where it listens (the port the system chose for port 0). */
  readonly addr: Deno.NetAddr;
}

const TEXT_FORMAT = "text/plain; version=0.0.4; charset=utf-8";

/**
 * Serves `source` over HTTP on `address` (`ADDRESS:PORT`, as `--metrics` takes it). Throws
 * `RangeError` for an address that is not one, and the runtime's error (`AddrInUse`,
 * `AddrNotAvailable`, `PermissionDenied`, a failed name lookup) when it cannot listen there.
 */
export function serveMetrics(
  address: string,
  source: MetricsSource,
  options: MetricsServerOptions,
): MetricsServer {
  const where = parseHostPort(address);
  if (where === undefined) throw new RangeError(`'${address}' is not ADDRESS:PORT`);
  const server = Deno.serve({
    hostname: where.hostname,
    port: where.port,
    // The default prints "Listening on …" to standard output, the daemon's start report pipe.
    onListen: () => {},
    onError: () => new Response("internal error\n", { status: 500 }),
  }, (request) => answer(request, source, options));
  // Only the daemon's listener keeps it alive; this server stops with it, never holds it up.
  server.unref();
  return {
    addr: server.addr,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

async function answer(
  request: Request,
  source: MetricsSource,
  options: MetricsServerOptions,
): Promise<Response> {
  if (request.method === "GET") {
    const { pathname } = new URL(request.url);
    if (pathname === "/metrics") {
      return new Response(source.metricsText(), { headers: { "content-type": TEXT_FORMAT } });
    }
    if (pathname === "/status" && !options.status) {
      return new Response(
        "not found: a TLS daemon shows its status only over TLS (flom --status with the TLS options)\n",
        { status: 404 },
      );
    }
    if (pathname === "/status") {
      // The text `flom --status --json` prints (src/cli/status.ts).
      return new Response(`${JSON.stringify(await source.fullStatus(), null, 2)}\n`, {
        headers: { "content-type": "application/json" },
      });
    }
  }
  return new Response("not found\n", { status: 404 });
}
