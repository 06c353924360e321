import { UNABLE_TO_EXECUTE } from "../exec/run_command.ts";

/** flom's exit statuses besides the command's own (docs/compatibility.md, "Exit statuses and messages"). */
export const EXIT = {
  OK: 0,
  /** A debug feature (`--debug-feature`) failed, or has an unknown name. */
  DEBUG_FEATURE_FAILED: 1,
  /** The resource does not exist, `-e no`, and the requester cannot wait (`-o 0`). */
  REQUESTER_CANT_WAIT: 96,
  /** No command given, or it cannot be executed. */
  UNABLE_TO_EXECUTE,
  /** Busy with `-o 0`, or the `-o N` timeout expired. */
  RESOURCE_BUSY: 98,
  /** Every other failure. */
  GENERIC_ERROR: 99,
} as const;
