import type { Settings } from "../config/settings.ts";
import type { CommandLine } from "./options.ts";

// The debug features of the original that this version lacks; the others run (their names
// are case-insensitive), and an unknown name fails silently, as in the original.
const UNSUPPORTED_DEBUG_FEATURES = new Set(["ipv6.multicast.server", "ipv6.multicast.client"]);

// Features of the original that this version does not have yet, each with the settings that
// ask for it. Refusing them is better than silently doing something else.
const FEATURES: { what: string; asked: (settings: Settings, cli: CommandLine) => boolean }[] = [
  {
    what: "the status file system (-m, --mount-point-vfs)",
    asked: (s) => s.mountPointVfs !== undefined,
  },
  {
    what: "IPv6 multicast (--debug-feature=ipv6.multicast.server, ipv6.multicast.client)",
    asked: (_, cli) => UNSUPPORTED_DEBUG_FEATURES.has(cli.debugFeature?.toLowerCase() ?? ""),
  },
];

/** The message for the first requested feature this version lacks, if any. */
export function unsupportedFeature(settings: Settings, cli: CommandLine): string | undefined {
  const feature = FEATURES.find((feature) => feature.asked(settings, cli));
  return feature && `flom: ${feature.what} is not supported by this version yet`;
}
