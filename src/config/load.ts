import { errorMessage } from "../errors.ts";
import { RC, strerror } from "../protocol/return_codes.ts";
import { SETTING_KEYS } from "./setting_keys.ts";
import { ConfigError, defaultSettings, type Settings } from "./settings.ts";
import { hasIpv6Address } from "../transport/network_interface.ts";

/** The system-wide configuration file (the original's `<sysconfdir>/flom.conf`). */
export const SYSTEM_CONFIG_FILE = "/etc/flom.conf";

/** Where configuration comes from, besides the built-in defaults. */
export interface ConfigSources {
  /** The user's home directory: `<home>/.flom` is read when it exists. */
  home: string | undefined;
  /** `-c FILE`: must exist. */
  configFile?: string;
  /** Values given on the command line: they always win. */
  overrides: Partial<Settings>;
}

/**
 * Builds the effective settings: built-in defaults < system file < user file < `-c` file <
 * command line. A file whose name ends in `.toml` is read as TOML. Returns the settings and
 * the warnings to print; throws ConfigError with one line to print.
 */
export async function loadSettings(
  sources: ConfigSources,
): Promise<{ settings: Settings; warnings: string[] }> {
  const settings = defaultSettings();
  const warnings: string[] = [];
  const files = [
    { path: SYSTEM_CONFIG_FILE, required: false },
    ...(sources.home === undefined ? [] : [{ path: `${sources.home}/.flom`, required: false }]),
    ...(sources.configFile === undefined ? [] : [{ path: sources.configFile, required: true }]),
  ];
  for (const { path, required } of files) {
    const text = readConfigText(path, required);
    if (text === undefined) continue;
    // Most hosts have no configuration file: its parsers stay off their start-up path.
    const { applyConfigText } = await import("./config_file.ts");
    warnings.push(...await applyConfigText(settings, text, path));
  }
  Object.assign(settings, sources.overrides);
  await resolvePaths(settings);
  // The original silently drops an interface that has no IPv6 address.
  if (settings.networkInterface !== undefined && !hasIpv6Address(settings.networkInterface)) {
    delete settings.networkInterface;
  }
  return { settings, warnings };
}

// Synchronous: a small local file, read before anything else can run, and the asynchronous
// operation costs a short-lived client more on its first use.
function readConfigText(path: string, required: boolean): string | undefined {
  try {
    return Deno.readTextFileSync(path);
  } catch (error) {
    if (!required && error instanceof Deno.errors.NotFound) return undefined;
    // Deno's message ends with the operation and the path, which the line already names.
    const reason = errorMessage(error).replace(/: \w+ '.*'$/, "");
    throw new ConfigError(`Cannot read configuration file '${path}': ${reason}`);
  }
}

/**
 * Replaces the file settings (the TLS files, the status file system's mount point) by their
 * absolute paths, resolved against the current directory, as the original stores them, so that a
 * daemon (whose directory is `/`) finds them too. Throws {@link ConfigError} for a file that does
 * not exist, and for a mount point that is no directory this user can open (the original's two
 * lines).
 */
export async function resolvePaths(settings: Settings): Promise<void> {
  for (const entry of SETTING_KEYS) {
    if (entry.type !== "path" && entry.type !== "directory") continue;
    const value = settings[entry.field];
    if (value === undefined) continue;
    try {
      settings[entry.field] = await Deno.realPath(value);
      if (entry.type === "directory") {
        // What opendir() checks: a directory, and the right to list it.
        for await (const _ of Deno.readDir(settings[entry.field]!)) break;
      }
    } catch {
      throw new ConfigError(
        entry.type === "directory"
          ? `${entry.option.long}: '${value}' is an invalid value\n` +
            `flom_client_connect: ret_cod=${RC.OPENDIR_ERROR} (${strerror(RC.OPENDIR_ERROR)})`
          : `${entry.option.long}: '${value}' is not a valid value`,
      );
    }
  }
}
