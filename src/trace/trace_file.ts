import { parseTraceMask, Tracer } from "./trace.ts";
import { encodeUtf8 } from "../protocol/binary_string.ts";
import { writeAllSync } from "../transport/stream_conn.ts";

/** Where a process's trace lines go (docs/compatibility.md, "Tracing"). */
export interface TraceDestination {
  /** `-T`/`-t`: a file, truncated unless `append`; opened even when the mask is 0. */
  file?: string;
  append: boolean;
  /** Used when there is no file; undefined: tracing off (a daemon without `-t`). */
  fallback?: (line: string) => void;
}

/**
 * The process's tracer: mask from FLOM_TRACE_MASK, lines to the trace file or the fallback.
 * A file that cannot be opened keeps the fallback, as the original does.
 */
export function openTracer(destination: TraceDestination): Tracer {
  let write = destination.fallback;
  if (destination.file !== undefined) {
    try {
      const file = Deno.openSync(destination.file, {
        create: true,
        write: true,
        append: destination.append,
        truncate: !destination.append,
      });
      write = (line) => writeAllSync(file, encodeUtf8(line));
    } catch {
      // Keep the previous destination.
    }
  }
  const mask = write === undefined ? 0 : parseTraceMask(Deno.env.get("FLOM_TRACE_MASK"));
  return new Tracer(mask, write ?? (() => {}), {
    now: () => performance.timeOrigin + performance.now(),
    pid: Deno.pid,
  });
}
