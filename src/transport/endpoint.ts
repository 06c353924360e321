import { withZone } from "./network_interface.ts";
import type { StreamConn } from "./stream_conn.ts";

/** Where a daemon listens and a client connects: a UNIX socket path or a TCP address. */
export type Endpoint =
  | { transport: "unix"; path: string }
  | { transport: "tcp"; hostname: string; port: number };

/** Human-readable form for messages and traces. */
export function describeEndpoint(endpoint: Endpoint): string {
  return endpoint.transport === "unix"
    ? endpoint.path
    : `${
      endpoint.hostname.includes(":") ? `[${endpoint.hostname}]` : endpoint.hostname
    }/${endpoint.port}`;
}

/** A host name that cannot be resolved (the original's getaddrinfo failure, -110). */
export class AddressLookupError extends Error {
  override name = "AddressLookupError";
}

/** Options of connectEndpoint. */
export interface ConnectEndpointOptions {
  /**
   * Gives up when aborted: a TCP connection attempt (a name lookup, an unanswered SYN) stops,
   * and connectEndpoint rejects with the signal's reason. @default never aborted
   */
  signal?: AbortSignal;
}

/** Opens a stream connection; TCP connections get TCP_NODELAY like the original's. */
export async function connectEndpoint(
  endpoint: Endpoint,
  options: ConnectEndpointOptions = {},
): Promise<StreamConn> {
  const { signal } = options;
  signal?.throwIfAborted();
  if (endpoint.transport === "unix") {
    // A UNIX socket accepts or refuses at once: there is no wait to cut short.
    return await Deno.connect({ transport: "unix", path: endpoint.path });
  }
  try {
    const conn = await Deno.connect({
      hostname: endpoint.hostname,
      port: endpoint.port,
      ...(signal === undefined ? {} : { signal }),
    });
    conn.setNoDelay(true);
    return conn;
  } catch (error) {
    signal?.throwIfAborted();
    throw asLookupError(error);
  }
}

/**
 * Deno reports a failed name resolution as a plain Error; give it its own class so that callers
 * can tell it from a refused connection.
 */
export function asLookupError(error: unknown): unknown {
  return error instanceof Error && error.constructor === Error &&
      error.message.includes("failed to lookup address")
    ? new AddressLookupError(error.message)
    : error;
}

/** The endpoint fields of the settings, in the original's order of precedence. */
export interface EndpointSettings {
  socketName?: string;
  unicastAddress?: string;
  unicastPort: number;
  networkInterface?: string;
}

/**
 * The stream endpoint the settings name: the UNIX socket if one is set, else the TCP address;
 * `undefined` when only multicast discovery can tell. Ports wrap at 16 bits as glibc does with
 * the original's `%u` port strings (`-p 99999` is 34463).
 */
export function endpointFor(settings: EndpointSettings): Endpoint | undefined {
  if (settings.socketName !== undefined) return { transport: "unix", path: settings.socketName };
  if (settings.unicastAddress !== undefined) {
    return {
      transport: "tcp",
      hostname: withZone(settings.unicastAddress, settings.networkInterface),
      port: settings.unicastPort,
    };
  }
  return undefined;
}
