import { ClientError, errorMessage } from "../errors.ts";
import { MAX_CLIENT_MESSAGE_BYTES } from "../protocol/messages.ts";
import { RC } from "../protocol/return_codes.ts";
import { MessageStream } from "../transport/message_stream.ts";
import type { StreamConn } from "../transport/stream_conn.ts";

// The original waits this long for the daemon to react; nothing is ever answered.
const SHUTDOWN_WAIT_MS = 1000;

/**
 * Asks the daemon on `conn` to stop: at once (`-X`) or when idle (`-x`). Resolves when the
 * daemon has closed the connection or the wait is over; throws ClientError when the request
 * cannot be sent.
 */
export async function requestShutdown(
  conn: StreamConn,
  options: { immediate: boolean; peerId: string },
): Promise<void> {
  using stream = new MessageStream(conn, MAX_CLIENT_MESSAGE_BYTES);
  try {
    await stream.write({
      kind: "shutdown",
      peerId: options.peerId,
      immediate: options.immediate,
    });
  } catch (error) {
    throw new ClientError(RC.SEND_ERROR, errorMessage(error));
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const waited = new Promise<void>((resolve) => timer = setTimeout(resolve, SHUTDOWN_WAIT_MS));
  const closed = stream.read().then(() => {}, () => {});
  await Promise.race([closed, waited]);
  clearTimeout(timer);
}
