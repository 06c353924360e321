/**
 * The commented example `/etc/flom.conf` that packages install (a configuration file the package
 * manager keeps when it was changed), generated from the option table: every group and key, each
 * with its help line and option, commented out with its default value where it has one.
 */
import { SETTING_KEYS } from "../config/setting_keys.ts";
import { optionDocs } from "./option_docs.ts";

/** The text of the example. */
export function exampleConfig(): string {
  const docs = new Map(optionDocs().map((doc) => [doc.long, doc]));
  const groups = [...new Set(SETTING_KEYS.map((key) => key.group))];
  const lines = [
    "# /etc/flom.conf: the system configuration of flom, read by every flom on this host (and by",
    "# the flom.service daemon) before ~/.flom and the -c file; the command line overrides them all.",
    "# Each key below is commented out, with its default where it has one: remove the leading #",
    "# of a key to set it. Names are case sensitive; an unknown one is ignored with a warning.",
    "# See flom(1), CONFIGURATION and OPTIONS.",
  ];
  for (const group of groups) {
    lines.push("", `[${group}]`);
    for (const key of SETTING_KEYS.filter((key) => key.group === group)) {
      const doc = docs.get(key.option.long)!;
      const option = doc.short === undefined ? `--${doc.long}` : `-${doc.short}, --${doc.long}`;
      const own = key.extension ? " (flom's own: FLoM 1.7.2 does not read it)" : "";
      lines.push(`# ${doc.help} (${option})${own}`);
      // A value only where the default can be written as one: the socket's is computed per
      // user, and the resource's, `_RESOURCE`, is no name a file or an option may give.
      const shownOnly = key.field === "socketName" || key.field === "resourceName";
      const value = shownOnly ? "" : (doc.defaultValue ?? "");
      if (shownOnly) lines.push(`# default: ${doc.defaultValue}`);
      lines.push(`#${key.key}=${value}`);
    }
  }
  return `${lines.join("\n")}\n`;
}
