/**
 * Asks a daemon for its status snapshot over one connection: the request (a message the
 * original's daemon refuses by closing the connection), then the answer's header and the JSON
 * document up to the end of the stream (docs/protocol-extensions.md).
 */
import { ClientError, errorMessage, ReasonError } from "../errors.ts";
import { decodeMessage, encodeMessage } from "../protocol/codec.ts";
import { RC } from "../protocol/return_codes.ts";
import type { StatusSnapshot } from "../status/snapshot.ts";
import { type StreamConn, writeAll } from "../transport/stream_conn.ts";
import { startTimer } from "../transport/timer.ts";

/** The daemon closed the connection without an answer: it has no status view. */
export class NoStatusViewError extends Error {
  override name = "NoStatusViewError";
  /**
   * The connection was plain: a daemon that uses TLS hangs up on it too, so the user may have
   * left out the TLS options.
   */
  readonly plain: boolean;

  constructor(plain: boolean) {
    super("this daemon does not offer a status view (FLoM 1.7.2 or older?)");
    this.plain = plain;
  }
}

// A daemon answers at once; what stays silent this long is not a flom daemon.
const ANSWER_LIMIT_MS = 5000;

const END_OF_HEADER = new TextEncoder().encode("</msg>");

/**
 * The status of the daemon on `conn`, which this closes. Throws NoStatusViewError when the
 * daemon closes the connection unanswered, and ClientError for a broken or silent conversation.
 */
export async function requestStatus(conn: StreamConn, peerId: string): Promise<StatusSnapshot> {
  try {
    await writeAll(conn, encodeMessage({ kind: "status", peerId, format: "json" }));
    const bytes = await readToEnd(conn);
    if (bytes.length === 0) throw new NoStatusViewError(conn.peerCommonName === undefined);
    const end = indexOf(bytes, END_OF_HEADER);
    if (end < 0) throw new ClientError(RC.PROTOCOL_ERROR, "the status answer has no header");
    const header = decodeMessage(bytes.subarray(0, end + END_OF_HEADER.length));
    if (header.kind !== "statusAnswer") {
      throw new ClientError(RC.PROTOCOL_ERROR, `unexpected ${header.kind} message`);
    }
    const body = bytes.subarray(end + END_OF_HEADER.length);
    if (body.length !== header.bytes) {
      throw new ClientError(
        RC.RECV_ERROR,
        `the status answer announced ${header.bytes} bytes and brought ${body.length}`,
      );
    }
    return JSON.parse(new TextDecoder().decode(body)) as StatusSnapshot;
  } catch (error) {
    if (error instanceof NoStatusViewError || error instanceof ClientError) throw error;
    if (error instanceof ReasonError) throw new ClientError(error.rc, error.message);
    throw new ClientError(RC.RECV_ERROR, errorMessage(error));
  } finally {
    conn.close();
  }
}

async function readToEnd(conn: StreamConn): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  let silent = false;
  const timer = startTimer(ANSWER_LIMIT_MS, () => {
    silent = true;
    conn.close();
  });
  try {
    for (;;) {
      const chunk = new Uint8Array(64 * 1024);
      let count: number | null;
      try {
        count = await conn.read(chunk);
      } catch (error) {
        if (silent) break;
        throw error;
      }
      if (count === null) break;
      chunks.push(chunk.subarray(0, count));
      length += count;
      // Once the daemon has started answering, the rest comes at its pace.
      timer.cancel();
    }
  } finally {
    timer.cancel();
  }
  if (silent && length === 0) {
    throw new ClientError(
      RC.NETWORK_TIMEOUT,
      `no answer to the status request within ${
        ANSWER_LIMIT_MS / 1000
      } s: what listens there does not answer like a flom daemon`,
      { explain: true },
    );
  }
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}

function indexOf(bytes: Uint8Array, pattern: Uint8Array): number {
  // The header is the first few hundred bytes.
  const limit = Math.min(bytes.length, 1024) - pattern.length;
  outer: for (let at = 0; at <= limit; at++) {
    for (let i = 0; i < pattern.length; i++) {
      if (bytes[at + i] !== pattern[i]) continue outer;
    }
    return at;
  }
  return -1;
}
