import { ReasonError } from "../protocol/return_codes.ts";

/**
 * A TLS failure with the original's reason code (`RC`: -22, -400..-413), which the client
 * prints as `flom_client_<step>: ret_cod=<rc> (<text>)` and a daemon puts in its start report.
 * Kept apart from tls.ts so that code which only has to recognise the failure never loads
 * node:tls.
 */
export class TlsError extends ReasonError {
  override name = "TlsError";
}
