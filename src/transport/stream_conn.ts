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
  let offset = 0;
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
 * A StreamListener over a Deno listener. Accepted TCP connections get TCP_NODELAY and keepalive
 * (on/off only: Deno cannot set its timing; tcp_listener.ts can, where node:net can listen).
 */
export function denoStreamListener(listener: Deno.Listener): StreamListener {
  return {
    addr: listener.addr,
    close: () => listener.close(),
    // Unlike close(), Deno's dispose does nothing on a closed listener.
    [Symbol.dispose]: () => listener[Symbol.dispose](),
    async accept() {
      const conn = await listener.accept();
      if (conn.remoteAddr.transport === "tcp") {
        (conn as Deno.TcpConn).setNoDelay(true);
        (conn as Deno.TcpConn).setKeepAlive(true);
      }
      return conn;
    },
  };
}
