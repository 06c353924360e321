import type { Server } from "node:net";
import { AddressLookupError, type Endpoint } from "./endpoint.ts";
import type { StreamConn, StreamListener } from "./stream_conn.ts";

/** The accepting side of a node server: connections queue until accept() takes them. */
export class NodeListener implements StreamListener {
  readonly #server: Server;
  #ready: StreamConn[] = [];
  #waiting: PromiseWithResolvers<StreamConn>[] = [];
  #closed = false;

  constructor(server: Server) {
    this.#server = server;
  }

  get addr(): Deno.Addr {
    const address = this.#server.address();
    return typeof address === "string" || address === null
      ? { transport: "unix", path: address ?? "" }
      : { transport: "tcp", hostname: address.address, port: address.port };
  }

  arrived(conn: StreamConn): void {
    const waiter = this.#waiting.shift();
    if (this.#closed) conn.close();
    else if (waiter === undefined) this.#ready.push(conn);
    else waiter.resolve(conn);
  }

  accept(): Promise<StreamConn> {
    const conn = this.#ready.shift();
    if (conn !== undefined) return Promise.resolve(conn);
    if (this.#closed) return Promise.reject(new Deno.errors.BadResource("listener closed"));
    const waiter = Promise.withResolvers<StreamConn>();
    this.#waiting.push(waiter);
    return waiter.promise;
  }

  /** Stops listening (a UNIX socket's file is removed) and drops unaccepted connections. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#server.close();
    for (const conn of this.#ready.splice(0)) conn.close();
    for (const waiter of this.#waiting.splice(0)) {
      waiter.reject(new Deno.errors.BadResource("listener closed"));
    }
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * Starts `server` listening on `endpoint`. Rejects with Deno.errors.AddrInUse when the address
 * is taken, AddressLookupError for an unknown host name, as Deno.listen would.
 */
export async function listenNode(server: Server, endpoint: Endpoint): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error) => reject(asListenError(error)));
    server.listen(
      endpoint.transport === "unix"
        ? { path: endpoint.path }
        : { host: endpoint.hostname, port: endpoint.port },
      () => resolve(),
    );
  });
  // Once listening, a failed accept (out of descriptors) loses that client only.
  server.removeAllListeners("error").on("error", () => {});
}

/** node's error codes of a failed listen, as Deno.listen reports them. */
function asListenError(error: Error): Error {
  const { code } = error as Error & { code?: string };
  if (code === "EADDRINUSE") return new Deno.errors.AddrInUse(error.message);
  return isLookupFailure(code) ? new AddressLookupError(error.message) : error;
}

/** Whether a node error code means that a host name could not be resolved. */
export function isLookupFailure(code: string | undefined): boolean {
  return code === "ENOTFOUND" || code === "EAI_AGAIN" || code === "EAI_FAIL" ||
    code === "EAI_NONAME";
}
