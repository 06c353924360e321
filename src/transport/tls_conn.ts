import type { TLSSocket } from "node:tls";
import { RC } from "../protocol/return_codes.ts";
import type { StreamConn } from "./stream_conn.ts";
import { TlsError } from "./tls_error.ts";

/**
 * A node:tls socket, its handshake done, as a StreamConn. Reads pull from the socket's buffer
 * (paused mode) instead of receiving "data" events, so a peer that sends faster than flom
 * reads is held back by TCP flow control, as with a Deno.Conn. One read at a time, as
 * MessageStream does.
 */
export class TlsConn implements StreamConn {
  readonly remoteAddr: Deno.Addr;
  readonly #socket: TLSSocket;
  readonly #commonName: string | undefined;
  // Decrypted bytes that did not fit into the caller's last buffer.
  #pending: Uint8Array | undefined;
  #ended = false;
  #error: Error | undefined;
  #wake: (() => void) | undefined;

  /** `transport` is the one under the TLS socket: node:tls does not tell. */
  constructor(socket: TLSSocket, transport: "unix" | "tcp") {
    this.#socket = socket;
    this.remoteAddr = transport === "unix"
      ? { transport, path: "" }
      : { transport, hostname: socket.remoteAddress ?? "", port: socket.remotePort ?? 0 };
    this.#commonName = commonNameOf(socket);
    const wake = () => {
      const resolve = this.#wake;
      this.#wake = undefined;
      resolve?.();
    };
    socket.on("readable", wake);
    socket.on("end", () => {
      this.#ended = true;
      wake();
    });
    socket.on("close", () => {
      this.#ended = true;
      wake();
    });
    // Without a listener an error event would be thrown; it is reported by the next read.
    socket.on("error", (error) => {
      this.#error = error;
      wake();
    });
  }

  /** The CN of the certificate the peer authenticated with. */
  peerCommonName(): string | undefined {
    return this.#commonName;
  }

  peerCertificateFields(): { subject: string; issuer: string } | undefined {
    const certificate = this.#socket.getPeerCertificate();
    if (certificate?.subject === undefined) return undefined;
    // Node's Certificate type names only some fields; emailAddress is there when present.
    const fields = (name: object) => fieldsOf(name as Partial<Record<string, string | string[]>>);
    return { subject: fields(certificate.subject), issuer: fields(certificate.issuer) };
  }

  /** Reads decrypted bytes; null at the end of the stream; TlsError (-409) when it breaks. */
  async read(buffer: Uint8Array): Promise<number | null> {
    let chunk = this.#pending;
    this.#pending = undefined;
    while (chunk === undefined) {
      const data: Uint8Array | null = this.#socket.read();
      if (data !== null) {
        chunk = data;
      } else if (this.#error !== undefined) {
        throw new TlsError(RC.SSL_READ_ERROR, this.#error.message);
      } else if (this.#ended) {
        return null;
      } else {
        await new Promise<void>((resolve) => this.#wake = resolve);
      }
    }
    const count = Math.min(buffer.length, chunk.length);
    buffer.set(chunk.subarray(0, count));
    if (count < chunk.length) this.#pending = chunk.subarray(count);
    return count;
  }

  /** Writes all of `data`; resolves once it is encrypted and handed to the socket. */
  write(data: Uint8Array): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#socket.write(data, (error) => error ? reject(error) : resolve(data.length));
    });
  }

  /** Sends TLS close_notify and the end of the stream; the peer may still send. */
  closeWrite(): Promise<void> {
    return new Promise((resolve) => {
      if (this.#socket.destroyed) return resolve();
      // A socket destroyed meanwhile never finishes its end(): its close ends the wait too.
      this.#socket.once("close", () => resolve());
      this.#socket.end(() => resolve());
    });
  }

  close(): void {
    this.#socket.destroy();
  }
}

// The distinguished-name fields the original logs, in its order.
const LOGGED_FIELDS = ["C", "ST", "L", "O", "OU", "emailAddress", "CN"] as const;

function fieldsOf(name: Partial<Record<string, string | string[]>> | undefined): string {
  return LOGGED_FIELDS.map((field) => {
    const value = name?.[field];
    return `${field}=${(Array.isArray(value) ? value[0] : value) ?? "{null}"}`;
  }).join("/");
}

/** The first CN of the peer certificate's subject (OpenSSL's lookup by NID returns the first). */
function commonNameOf(socket: TLSSocket): string | undefined {
  const commonName: unknown = socket.getPeerCertificate()?.subject?.CN;
  const first = Array.isArray(commonName) ? commonName[0] : commonName;
  return typeof first === "string" ? first : undefined;
}
