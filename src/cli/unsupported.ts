import type { Settings } from "../config/settings.ts";
import type { CommandLine } from "./options.ts";

// Features of the original that this version does not have yet, each with the settings that
// ask for it. Refusing them is better than silently doing something else.
const FEATURES: { what: string; asked: (settings: Settings, cli: CommandLine) => boolean }[] = [
  {
    what: "the status file system (-m, --mount-point-vfs)",
    asked: (s) => s.mountPointVfs !== undefined,
  },
];

/** The message for the first requested feature this version lacks, if any. */
export function unsupportedFeature(settings: Settings, cli: CommandLine): string | undefined {
  const feature = FEATURES.find((feature) => feature.asked(settings, cli));
  return feature && `flom: ${feature.what} is not supported by this version yet`;
}
