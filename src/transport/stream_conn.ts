/**
 * The part of a byte-stream connection that flom uses. A Deno.Conn is one; a TLS socket is
 * adapted to it, so that framing, the daemon and the client never depend on the transport.
 */
export interface StreamConn {
  /** Reads into `buffer`; resolves with the byte count, or null at the end of the stream. */
  read(buffer: Uint8Array): Promise<number | null>;
  /** Writes some of `data`; resolves with the byte count written. */
  write(data: Uint8Array): Promise<number>;
  /** Half-closes: the peer reads the end of the stream, and may still send. */
  closeWrite(): Promise<void>;
  close(): void;
  /** The peer's address (for logs); a UNIX socket's peer has an empty path. */
  readonly remoteAddr: Deno.Addr;
  /**
   * The common name (CN) of the certificate the peer authenticated with: present on TLS
   * connections only (undefined when that certificate has no CN).
   */
  peerCommonName?(): string | undefined;
  /**
   * The peer certificate's subject and issuer as the original logs them (FLM011I, FLM012I):
   * `C=…/ST=…/L=…/O=…/OU=…/emailAddress=…/CN=…`, `{null}` for a missing field. TLS only.
   */
  peerCertificateFields?(): { subject: string; issuer: string } | undefined;
}

/** Writes all of `bytes`, which may take several writes. */
export async function writeAll(conn: StreamConn, bytes: Uint8Array): Promise<void> {
  // Nearly every write is whole at once: no view is made for it.
  let offset = bytes.length === 0 ? 0 : await conn.write(bytes);
  while (offset < bytes.length) offset += await conn.write(bytes.subarray(offset));
}

/** Writes all of `bytes` to a file (standard output, a trace file), blocking. */
export function writeAllSync(
  file: { writeSync(bytes: Uint8Array): number },
  bytes: Uint8Array,
): void {
  let offset = 0;
  while (offset < bytes.length) offset += file.writeSync(bytes.subarray(offset));
}

/** The accepting side of a stream transport; `using` closes it at the end of its scope. */
export interface StreamListener extends Disposable {
  /** The next connection; rejects once the listener is closed. */
  accept(): Promise<StreamConn>;
  /** Stops listening (a UNIX socket's file is removed once a pending accept has ended). */
  close(): void;
  /** Closes, unless closed already. */
  [Symbol.dispose](): void;
  readonly addr: Deno.Addr;
}

/**
 * Thrown by a listener's accept() when the process is out of descriptors. The listener keeps a
 * spare one for that moment: it frees it, accepts the waiting connection on it and, when it
 * cannot have another spare, closes that connection at once, so that its client reads the end of
 * the stream now instead of waiting unanswered in the listen backlog; the connections already
 * open are served on.
 */
export class OutOfDescriptors extends Error {
  constructor(cause: unknown) {
    super(`Cannot accept a connection: ${cause instanceof Error ? cause.message : cause}`, {
      cause,
    });
    this.name = "OutOfDescriptors";
  }
}

/**
 * A StreamListener over a Deno listener. Accepted TCP connections get TCP_NODELAY and keepalive
 * (on/off only: Deno cannot set its timing; tcp_listener.ts can, where node:net can listen).
 * Out of descriptors, it refuses connections (OutOfDescriptors), as node's listeners do.
 */
export function denoStreamListener(listener: Deno.Listener): StreamListener {
  let spare = openSpareDescriptor();
  // Where no spare can be had even at the start (no /dev/null), connections are served as they
  // come and, out of descriptors, wait in the backlog.
  const refusesWithoutSpare = spare !== undefined;
  let closed = false;
  const dropSpare = () => {
    closed = true;
    spare?.close();
    spare = undefined;
  };
  // Out of descriptors, accept fails whether a connection waits or not: the one taken on the
  // spare descriptor may come later, when descriptors are free again, and is then served.
  const acceptOnSpare = async (failure: unknown): Promise<Deno.Conn> => {
    spare ??= openSpareDescriptor();
    if (spare === undefined) throw failure;
    spare.close();
    spare = undefined;
    let conn: Deno.Conn;
    try {
      conn = await listener.accept();
    } finally {
      if (!closed) spare = openSpareDescriptor();
    }
    if (closed) {
      conn.close();
      throw new Deno.errors.BadResource("the listener is closed");
    }
    return conn;
  };
  // A connection is served only while the spare is held. One accepted without it (on the spare's
  // own descriptor, or on one freed after the spare could not be reopened) would keep the
  // descriptor the spare needs, and every connection after it would wait unanswered instead of
  // being refused: it is refused itself, and its descriptor becomes the spare.
  const keepSpare = (conn: Deno.Conn, failure: unknown): Deno.Conn => {
    if (spare !== undefined || closed || !refusesWithoutSpare) return conn;
    spare = openSpareDescriptor();
    if (spare !== undefined) return conn;
    conn.close();
    spare = openSpareDescriptor();
    throw new OutOfDescriptors(failure ?? "no descriptor left for the spare");
  };
  return {
    addr: listener.addr,
    close() {
      dropSpare();
      listener.close();
    },
    [Symbol.dispose]() {
      dropSpare();
      // Unlike close(), Deno's dispose does nothing on a closed listener.
      listener[Symbol.dispose]();
    },
    async accept() {
      let conn: Deno.Conn;
      // The system's words for running out, logged with the refusal when there are any.
      let failure: unknown;
      try {
        conn = await listener.accept();
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code !== "EMFILE" && code !== "ENFILE") throw error;
        failure = error;
        conn = await acceptOnSpare(error);
      }
      keepSpare(conn, failure);
      if (conn.remoteAddr.transport === "tcp") {
        (conn as Deno.TcpConn).setNoDelay(true);
        (conn as Deno.TcpConn).setKeepAlive(true);
      }
      return conn;
    },
  };
}

/** The descriptor a listener frees to refuse a connection; undefined when none can be had. */
function openSpareDescriptor(): Deno.FsFile | undefined {
  try {
    return Deno.openSync("/dev/null");
  } catch {
    return undefined;
  }
}
