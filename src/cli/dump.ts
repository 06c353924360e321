/** The verbose configuration dump (docs/compatibility.md, "Command line"). */
import { SETTING_KEYS, type SettingKey } from "../config/setting_keys.ts";
import { defaultSettings, type Settings } from "../config/settings.ts";
import { signalName } from "../config/values.ts";

function dumpValue(settings: Settings, entry: SettingKey): string {
  switch (entry.type) {
    case "string":
    case "path":
    case "directory":
      return `'${settings[entry.field] ?? ""}'`;
    case "integer":
    case "lockMode":
      return String(settings[entry.field]);
    case "yesno":
      return settings[entry.field] ? "1" : "0";
    case "signals":
      return `'${settings[entry.field].map(signalName).join(";")}'`;
  }
}

/**
 * The 29 lines `-V` prints, one per setting of the original in config file order
 * (`[Trace]/DaemonTraceFile='…'` to `[TLS]/TlsCheckPeerId=0`), each ending in a newline: strings
 * quoted (unset ones as `''`), yes/no as 0/1, the lock mode as its number, signals as names joined
 * by `;`. Then a line for each of flom's own settings that is set to other than its default
 * (`[Daemon]/MetricsAddress='…'`, `[Etcd]/LeaseTTL=3`).
 */
export function formatSettingsDump(settings: Settings): string {
  const defaults = defaultSettings();
  return SETTING_KEYS.filter((entry) =>
    entry.extension !== true || settings[entry.field] !== defaults[entry.field]
  ).map((entry) => `[${entry.group}]/${entry.key}=${dumpValue(settings, entry)}\n`).join("");
}
