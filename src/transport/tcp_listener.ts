import * as net from "node:net";
import type { Endpoint } from "./endpoint.ts";
import { NodeSocketConn } from "./node_conn.ts";
import { listenNode, NodeListener } from "./node_listener.ts";
import type { StreamListener } from "./stream_conn.ts";

/**
 * Listens on a TCP endpoint with node:net rather than Deno.listen: only a node socket lets the
 * keepalive idle time be set (TCP_KEEPIDLE), which decides how soon the daemon notices that a
 * client's host died while holding a lock. Accepted connections get TCP_NODELAY and keepalive
 * after `keepaliveIdleSeconds` without traffic. Rejects as Deno.listen does.
 */
export async function listenTcp(
  endpoint: Endpoint & { transport: "tcp" },
  keepaliveIdleSeconds: number,
): Promise<StreamListener> {
  const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true });
  const listener = new NodeListener(server);
  server.on("connection", (socket: net.Socket) => {
    socket.setNoDelay(true);
    socket.setKeepAlive(true, keepaliveIdleSeconds * 1000);
    listener.arrived(new NodeSocketConn(socket, "tcp"));
  });
  await listenNode(server, endpoint);
  return listener;
}
