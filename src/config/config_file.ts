/**
 * A parsed config file and how it applies: the document shape shared by key files and TOML
 * files, the reader that picks the syntax by file name, and the application of the known keys
 * with one-line errors and warnings. Pure; loaded only when a host has a config file.
 */
import { ConfigSyntaxError, parseKeyFile } from "./keyfile.ts";
import { ConfigError, type Settings } from "./settings.ts";
import { displayInput, SETTING_KEYS, type SettingInput, settingValue } from "./setting_keys.ts";
import { quoteValue } from "./values.ts";

/** One value of a config file, with the 1-based line it came from (0: unknown). */
export interface ConfigValue {
  value: SettingInput;
  line: number;
}

/** Groups (tables) by name, each holding its keys by name. Names are case sensitive. */
export type ConfigDocument = ReadonlyMap<string, ReadonlyMap<string, ConfigValue>>;

/**
 * Parses the text of the config file `path`: TOML when the name ends in `.toml`, else the key
 * file syntax. Throws {@link ConfigError} naming the file and line of a syntax error; for a key
 * file that fails and looks like TOML, the error says so.
 */
export async function parseConfigFile(text: string, path: string): Promise<ConfigDocument> {
  try {
    if (path.endsWith(".toml")) {
      // smol-toml stays off the start-up path of everybody who does not use TOML.
      const { parseTomlConfig } = await import("./toml.ts");
      return parseTomlConfig(text);
    }
    return parseKeyFile(text);
  } catch (error) {
    if (error instanceof ConfigSyntaxError) throw invalidConfigFile(path, error);
    throw error;
  }
}

/**
 * {@link applyConfigFile} on the text of a file; a key file that fails and looks like TOML gets
 * a hint on its error.
 */
export async function applyConfigText(
  settings: Settings,
  text: string,
  path: string,
): Promise<string[]> {
  try {
    return applyConfigFile(settings, await parseConfigFile(text, path), path);
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

/** Whether `text` is a TOML document with at least one table: only a failed file pays for it. */
async function looksLikeToml(text: string): Promise<boolean> {
  const { parseTomlConfig } = await import("./toml.ts");
  try {
    return parseTomlConfig(text).size > 0;
  } catch {
    return false;
  }
}

function location(path: string, line: number): string {
  return line > 0 ? `'${path}' line ${line}` : `'${path}'`;
}

/**
 * Applies the known keys of a parsed config file onto `settings` (mutating it), in the order of
 * {@link SETTING_KEYS}; unknown groups and keys are ignored with a warning each, and any group may
 * be missing (the original demands [Resource], [Daemon] and [Network]). `path` only names the file
 * in messages. Returns warning lines. Throws {@link ConfigError} at the first refused value, whose
 * message names the file, line, key and value; the keys read before it stay applied, as in the
 * original.
 */
export function applyConfigFile(settings: Settings, file: ConfigDocument, path: string): string[] {
  const warnings: string[] = [];
  for (const entry of SETTING_KEYS) {
    const found = file.get(entry.group)?.get(entry.key);
    if (found === undefined) continue;
    const where = location(path, found.line);
    const keyWarnings: string[] = [];
    try {
      Object.assign(
        settings,
        settingValue(entry, found.value, { syntax: "keyfile", warnings: keyWarnings }),
      );
    } catch (error) {
      if (!(error instanceof SyntaxError || error instanceof RangeError)) throw error;
      throw new ConfigError(
        `flom: invalid configuration in ${where}: key '${entry.key}' in group [${entry.group}] has a value that cannot be interpreted: ${
          quoteValue(displayInput(found.value))
        }`,
        { cause: error },
      );
    }
    warnings.push(...keyWarnings.map((warning) => `flom: warning in ${where}: ${warning}`));
  }
  return [...warnings, ...unknownKeyWarnings(file, path)];
}

const KNOWN_KEYS: ReadonlyMap<string, readonly string[]> = SETTING_KEYS.reduce(
  (groups, { group, key }) => groups.set(group, [...(groups.get(group) ?? []), key]),
  new Map<string, string[]>(),
);

/**
 * A warning for each group and key the original would silently ignore (a typing mistake loses
 * the setting), with the known name it is closest to. The rest of the file applies as usual.
 */
function unknownKeyWarnings(file: ConfigDocument, path: string): string[] {
  const warnings: string[] = [];
  for (const [group, keys] of file) {
    const known = KNOWN_KEYS.get(group);
    const first = Math.min(...[...keys.values()].map(({ line }) => line));
    if (known === undefined) {
      const guess = closestName(group, [...KNOWN_KEYS.keys()]);
      const [key] = keys.keys();
      warnings.push(
        `flom: warning in ${location(path, Number.isFinite(first) ? first : 0)}: ` +
          `key '${key}' in unknown group [${group}] is ignored, with the rest of the group` +
          (guess === undefined ? "" : ` (did you mean [${guess}]?)`),
      );
      continue;
    }
    for (const [key, { line }] of keys) {
      if (known.includes(key)) continue;
      const guess = closestName(key, known) ?? closestName(key, [...KNOWN_KEYS.values()].flat());
      warnings.push(
        `flom: warning in ${location(path, line)}: unknown key '${key}' in group [${group}] ` +
          `is ignored${guess === undefined ? "" : ` (did you mean ${guess}?)`}`,
      );
    }
  }
  return warnings;
}

/** The candidate that `name` most likely misspells: same letters in another case, or at most two edits away. */
function closestName(name: string, candidates: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  const sameLetters = candidates.find((candidate) => candidate.toLowerCase() === lower);
  if (sameLetters !== undefined) return sameLetters;
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best;
}

/** Levenshtein distance: insertions, deletions and substitutions. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * The {@link ConfigError} for a config file that does not parse, worded like the value errors of
 * {@link applyConfigFile}: `flom: invalid configuration in '<path>' line N: <problem>`.
 */
export function invalidConfigFile(path: string, error: ConfigSyntaxError): ConfigError {
  return new ConfigError(
    `flom: invalid configuration in ${location(path, error.line)}: ${error.detail}`,
    { cause: error },
  );
}
