/**
 * A failure of the client's conversation with the daemon, with the original's reason code
 * (`RC`), which the CLI prints as `flom_client_<step>: ret_cod=<rc> (<text>)`.
 */
export class ClientError extends Error {
  readonly rc: number;

  constructor(rc: number, detail?: string) {
    super(detail ?? `reason code ${rc}`);
    this.name = "ClientError";
    this.rc = rc;
  }
}
