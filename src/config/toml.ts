/**
 * Config files written in TOML: the groups of the key file are tables and the keys are the same
 * (`[Resource]` then `Timeout = 100`). Values keep their TOML type, and the one reader of
 * setting values applies them like a key file's text. Kept apart from keyfile.ts so that
 * smol-toml loads only for TOML files.
 */
import { parse, TomlError, type TomlTable, type TomlValue } from "smol-toml";
import type { ConfigDocument, ConfigValue } from "./config_file.ts";
import { ConfigSyntaxError } from "./keyfile.ts";
import type { SettingInput } from "./setting_keys.ts";

function isTable(value: TomlValue): value is TomlTable {
  return typeof value === "object" && !Array.isArray(value) && !(value instanceof Date);
}

// A TOML value as a setting input; `undefined` for what no setting can hold (a table, a list of
// tables or lists). Integers arrive as bigint: beyond a double's precision they are out of any
// setting's range anyway. A float keeps its text with a point (`5.0`), so that an integer setting
// refuses it as it refuses `Timeout=5.0` in a key file; a date keeps its ISO text.
function settingInput(value: TomlValue): SettingInput | undefined {
  if (typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "number") return Number.isInteger(value) ? value.toFixed(1) : String(value);
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) {
    const elements = value.map(settingInput);
    return elements.every((element) => typeof element === "string" || typeof element === "number")
      ? elements as (string | number)[]
      : undefined;
  }
  return undefined;
}

// Best effort: the line of each `key =` under each `[table]` header, keyed "table\nkey".
function keyLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  let table = "";
  text.split("\n").forEach((line, index) => {
    const header = /^\s*\[\s*("[^"]*"|[A-Za-z0-9_-]+)\s*\]/.exec(line);
    const key = /^\s*("[^"]*"|'[^']*'|[A-Za-z0-9_-]+)\s*=/.exec(line);
    if (header) table = unquote(header[1]!);
    else if (key) lines.set(`${table}\n${unquote(key[1]!)}`, index + 1);
  });
  return lines;
}

function unquote(name: string): string {
  return /^["']/.test(name) ? name.slice(1, -1) : name;
}

/**
 * Parses a TOML config file into a {@link ConfigDocument}: strings, integers, booleans and lists
 * of strings and integers (`IgnoredSignals = ["SIGTERM", 3]`) keep their type. Top-level values
 * outside any table are ignored like unknown groups. Lines are best effort (0 when unknown).
 * Throws {@link ConfigSyntaxError} for a TOML syntax error, with smol-toml's line, and for a
 * table, or a list of anything but strings and integers, in a group.
 */
export function parseTomlConfig(text: string): ConfigDocument {
  let document: TomlTable;
  try {
    document = parse(text, { integersAsBigInt: true });
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    // smol-toml's message is "Invalid TOML document: <problem>" then a code excerpt.
    const problem = error.message.split("\n")[0]!.replace(/^Invalid TOML document: /, "");
    throw new ConfigSyntaxError(error.line, `${problem} (column ${error.column})`);
  }
  const lines = keyLines(text);
  const file = new Map<string, Map<string, ConfigValue>>();
  for (const [groupName, table] of Object.entries(document)) {
    if (!isTable(table)) continue;
    const group = new Map<string, ConfigValue>();
    for (const [key, value] of Object.entries(table)) {
      const line = lines.get(`${groupName}\n${key}`) ?? 0;
      const input = settingInput(value);
      if (input === undefined) {
        const what = Array.isArray(value) ? "a list of tables or lists" : "a table";
        throw new ConfigSyntaxError(
          line,
          `key '${key}' in table [${groupName}] holds ${what}, which no setting accepts`,
        );
      }
      group.set(key, { value: input, line });
    }
    file.set(groupName, group);
  }
  return file;
}
