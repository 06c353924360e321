/**
 * The GKeyFile syntax of flom's config files (docs/compatibility.md, "Configuration"), parsed from
 * text: `[Group]` headers, `Key=Value` lines, `#` comments and blank lines.
 */

/** One value of a key file, after escapes, with the 1-based line it came from (0: unknown). */
export interface KeyFileValue {
  value: string;
  line: number;
}

/** Groups by name, each holding its keys by name. Names are case sensitive. */
export type KeyFile = Map<string, Map<string, KeyFileValue>>;

/** A config file that cannot be parsed; `line` is 1-based, 0 when the parser cannot tell. */
export class ConfigSyntaxError extends SyntaxError {
  override name = "ConfigSyntaxError";
  /** The line of the error, 1-based; 0 when unknown. */
  readonly line: number;
  /** The problem, without the position. */
  readonly detail: string;

  /** Builds the message `line N: detail` (just `detail` when the line is unknown). */
  constructor(line: number, detail: string) {
    super(line > 0 ? `line ${line}: ${detail}` : detail);
    this.line = line;
    this.detail = detail;
  }
}

const ESCAPES: Readonly<Record<string, string>> = {
  s: " ",
  n: "\n",
  t: "\t",
  r: "\r",
  "\\": "\\",
};

function unescape(raw: string, line: number): string {
  return raw.replace(/\\(.?)/gs, (_, char: string) => {
    const replacement = ESCAPES[char];
    if (replacement === undefined) {
      throw new ConfigSyntaxError(
        line,
        char === "" ? "escape character at end of line" : `invalid escape sequence '\\${char}'`,
      );
    }
    return replacement;
  });
}

// GLib's g_ascii_isspace(), not Unicode white space.
const LEADING_BLANKS = /^[ \t\n\v\f\r]+/;
const TRAILING_BLANKS = /[ \t\n\v\f\r]+$/;
// A group header may be followed by blanks only; the name may not hold brackets.
const GROUP = /^\[([^\[\]]+)\][ \t]*$/;

/**
 * Parses a key file. Blanks around a key and before a value are ignored; blanks at the end of a
 * value are kept (`SocketName=/tmp/x y  ` keeps both spaces, as the original does). Values get
 * the escapes `\s` `\n` `\t` `\r` `\\`; a repeated key keeps its last value; a repeated group
 * header continues that group. Throws {@link ConfigSyntaxError} naming the line for a line that
 * is none of the above, a key before any group, or a bad escape.
 */
export function parseKeyFile(text: string): KeyFile {
  const file: KeyFile = new Map();
  let group: Map<string, KeyFileValue> | undefined;
  text.split("\n").forEach((rawLine, index) => {
    const line = index + 1;
    const content = rawLine.replace(/\r$/, "").replace(LEADING_BLANKS, "");
    if (content === "" || content.startsWith("#")) return;
    const header = GROUP.exec(content);
    if (header) {
      const name = header[1]!;
      group = file.get(name) ?? new Map();
      file.set(name, group);
      return;
    }
    const equals = content.indexOf("=");
    // Without "=", or with nothing before it, the line is no key-value pair.
    const key = equals > 0 ? content.slice(0, equals).replace(TRAILING_BLANKS, "") : "";
    if (key === "") {
      throw new ConfigSyntaxError(
        line,
        "expected a [Group] header, a Key=Value pair or a # comment",
      );
    }
    if (group === undefined) {
      throw new ConfigSyntaxError(line, `key '${key}' comes before any [Group] header`);
    }
    const value = unescape(content.slice(equals + 1).replace(LEADING_BLANKS, ""), line);
    group.set(key, { value, line });
  });
  return file;
}
