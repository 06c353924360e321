/**
 * flom's one error model: every failure that flom reports with one of the original's reason codes
 * (`ret_cod=<rc>`, the `RC` table of src/protocol/return_codes.ts) is a {@link ReasonError},
 * named for where it happened. Kept free of imports so that every layer can throw and recognise
 * them without loading anything (TLS errors without node:tls).
 */

/** A failure with one of the original's reason codes. */
export class ReasonError extends Error {
  /** One of `RC`, e.g. `RC.MSG_DESERIALIZE_ERROR`. */
  readonly rc: number;

  constructor(rc: number, message: string, options?: ErrorOptions) {
    super(message, options);
    this.rc = rc;
  }
}

/** A message that cannot be framed or decoded. */
export class ProtocolError extends ReasonError {
  override name = "ProtocolError";
}

/**
 * A failure of the client's conversation with the daemon, which the CLI prints as
 * `flom_client_<step>: ret_cod=<rc> (<text>)`.
 */
export class ClientError extends ReasonError {
  override name = "ClientError";
  /** Why, in words, when the reason code alone would leave the user guessing. */
  readonly explanation: string | undefined;

  constructor(rc: number, detail?: string, options: { explain?: boolean } = {}) {
    super(rc, detail ?? `reason code ${rc}`);
    this.explanation = options.explain ? detail : undefined;
  }
}

/**
 * A TLS failure (`RC`: -22, -400..-413), which the client prints as
 * `flom_client_<step>: ret_cod=<rc> (<text>)` and a daemon puts in its start report.
 */
export class TlsError extends ReasonError {
  override name = "TlsError";
}

/** The text of anything thrown: its message when it is an Error. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
