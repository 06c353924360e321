import { errorMessage } from "../protocol/return_codes.ts";
import { applyConfigFile, ConfigError, invalidConfigFile, SETTING_KEYS } from "./layer.ts";
import { defaultSettings, type Settings } from "./settings.ts";
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
    try {
      warnings.push(...applyConfigFile(settings, await parseConfigText(text, path), path));
    } catch (error) {
      if (error instanceof ConfigError && !path.endsWith(".toml") && await looksLikeToml(text)) {
        throw new ConfigError(
          `${error.message} (the file looks like TOML, which flom reads only from files named *.toml)`,
          { cause: error },
        );
      }
      throw error;
    }
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

/** Whether `text` is a TOML document with at least one table: only a failed file pays for it. */
async function looksLikeToml(text: string): Promise<boolean> {
  const { parseTomlConfig } = await import("./toml.ts");
  try {
    return parseTomlConfig(text).size > 0;
  } catch {
    return false;
  }
}

async function parseConfigText(text: string, path: string) {
  // Most hosts have no configuration file: the parsers stay off their start-up path.
  const { ConfigSyntaxError, parseKeyFile } = await import("./keyfile.ts");
  try {
    if (path.endsWith(".toml")) {
      // TOML support stays off the start-up path of everybody who does not use it.
      const { parseTomlConfig } = await import("./toml.ts");
      return parseTomlConfig(text);
    }
    return parseKeyFile(text);
  } catch (error) {
    if (error instanceof ConfigSyntaxError) throw invalidConfigFile(path, error);
    throw error;
  }
}

// The original stores file settings (the TLS files) as absolute paths, resolved against the
// caller's directory, so that a daemon (whose directory is `/`) finds them too.
async function resolvePaths(settings: Settings): Promise<void> {
  for (const entry of SETTING_KEYS) {
    if (entry.type !== "path") continue;
    const value = settings[entry.field];
    if (value === undefined) continue;
    try {
      settings[entry.field] = await Deno.realPath(value);
    } catch {
      throw new ConfigError(`${entry.option.long}: '${value}' is not a valid value`);
    }
  }
}
