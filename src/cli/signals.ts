/** The `--signal-list` output (docs/compatibility.md, "Command line"). */
import { SIGNAL_NAMES } from "../config/values.ts";

/**
 * The signals that `--ignore-signal` accepts, as the original prints them: `N) NAME` and a tab
 * for each, four to a line, and a final newline.
 */
export function signalListText(): string {
  const entries = SIGNAL_NAMES.map((name, index) => {
    const number = index + 1;
    return `${number}) ${name}\t${number % 4 === 0 ? "\n" : ""}`;
  });
  return `${entries.join("")}\n`;
}
