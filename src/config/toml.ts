/**
 * Config files written in TOML: the groups of the key file are tables and the keys are the same
 * (`[Resource]` then `Timeout = 100`). The result has the shape of a parsed key file, so one
 * reader applies both. Kept apart from keyfile.ts so that smol-toml loads only for TOML files.
 */
import { parse, TomlError, type TomlTable, type TomlValue } from "smol-toml";
import { ConfigSyntaxError, type KeyFile, type KeyFileValue } from "./keyfile.ts";

function isTable(value: TomlValue): value is TomlTable {
  return typeof value === "object" && !Array.isArray(value) && !(value instanceof Date);
}

// The key file text of a TOML value; `undefined` for a table, which no key can hold.
function keyFileText(value: TomlValue): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "bigint") return String(value);
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (typeof value === "number") {
    // Integers arrive as bigint, so this is a float: keep a point in its text so that an
    // integer key refuses `Timeout = 5.0` like it refuses `Timeout=5.0`.
    return Number.isInteger(value) ? value.toFixed(1) : String(value);
  }
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) {
    // A list key (IgnoredSignals) separates elements with ";" in a key file.
    const elements = value.map(keyFileText);
    return elements.every((element) => element !== undefined) ? elements.join(";") : undefined;
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
 * Parses a TOML config file into a {@link KeyFile}. Strings stay as they are, integers become
 * their decimal text, booleans `yes`/`no`, arrays their elements joined by `;` (so
 * `IgnoredSignals = ["SIGTERM", 3]` reads as `SIGTERM;3`). Top-level values outside any table
 * are ignored like unknown groups. Lines are best effort (0 when unknown). Throws
 * {@link ConfigSyntaxError} for a TOML syntax error, with smol-toml's line, and for a table
 * nested in a group.
 */
export function parseTomlConfig(text: string): KeyFile {
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
  const file: KeyFile = new Map();
  for (const [groupName, table] of Object.entries(document)) {
    if (!isTable(table)) continue;
    const group = new Map<string, KeyFileValue>();
    for (const [key, value] of Object.entries(table)) {
      const line = lines.get(`${groupName}\n${key}`) ?? 0;
      const text = keyFileText(value);
      if (text === undefined) {
        throw new ConfigSyntaxError(
          line,
          `key '${key}' in table [${groupName}] holds a table, which no setting accepts`,
        );
      }
      group.set(key, { value: text, line });
    }
    file.set(groupName, group);
  }
  return file;
}
