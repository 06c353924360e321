import { TlsError } from "../errors.ts";
import type { TLSSocket } from "node:tls";
import { RC } from "../protocol/return_codes.ts";
import { NodeSocketConn } from "./node_conn.ts";

/** A node:tls socket, its handshake done, as a StreamConn that knows its peer's certificate. */
export class TlsConn extends NodeSocketConn {
  readonly #commonName: string | undefined;

  constructor(socket: TLSSocket, transport: "unix" | "tcp") {
    super(socket, transport);
    this.#commonName = commonNameOf(socket);
  }

  /** The CN of the certificate the peer authenticated with. */
  peerCommonName(): string | undefined {
    return this.#commonName;
  }

  peerCertificateFields(): { subject: string; issuer: string } | undefined {
    const certificate = (this.socket as TLSSocket).getPeerCertificate();
    if (certificate?.subject === undefined) return undefined;
    // Node's Certificate type names only some fields; emailAddress is there when present.
    const fields = (name: object) => fieldsOf(name as Partial<Record<string, string | string[]>>);
    return { subject: fields(certificate.subject), issuer: fields(certificate.issuer) };
  }

  /** A broken TLS stream is the original's SSL_read failure (-409). */
  protected override readError(error: Error): Error {
    return new TlsError(RC.SSL_READ_ERROR, error.message);
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
