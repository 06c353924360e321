import { ReasonError } from "../protocol/return_codes.ts";

/**
 * A failure of the client's conversation with the daemon, with the original's reason code
 * (`RC`), which the CLI prints as `flom_client_<step>: ret_cod=<rc> (<text>)`.
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
