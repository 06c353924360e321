/**
 * The flom command line (docs/compatibility.md, "Command line", with the README's differences):
 * options end at the first word that is not an option, short options take attached values (`-d0`),
 * and every setting given wins over the config files.
 */
import {
  SETTING_KEYS,
  type SettingInput,
  type SettingKey,
  settingValue,
} from "../config/setting_keys.ts";
import type { Settings } from "../config/settings.ts";
import { parseInteger } from "../config/values.ts";

/** A command line flom cannot run with; the message is the complete line for stderr. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** What the command line asks for. */
export interface CommandLine {
  /** Exactly the settings given, already validated and normalised; they beat every config file. */
  overrides: Partial<Settings>;
  /** `-c FILE`: an extra config file, read after the system and user files. */
  configFile?: string;
  /** The command to run and its arguments (possibly empty). */
  command: string[];
  /** `-h`, `-?`, `--help`, `--help-all`: print the help and nothing else. */
  help: boolean;
  /** `-v`: print the version. */
  version: boolean;
  /** `--signal-list`: print the signals that can be ignored. */
  signalList: boolean;
  /** `--unique-id`: print this host's unique id. */
  uniqueId: boolean;
  /** `-x`: ask the daemon to stop once its current requests are done. */
  quiesceExit: boolean;
  /** `-X`: ask the daemon to stop now; wins over `-x`. */
  immediateExit: boolean;
  /** `--debug-feature NAME`. */
  debugFeature?: string;
  /** `--status`: show the daemon's status and exit. */
  status: boolean;
  /** `--json`: the status as JSON. */
  json: boolean;
  /** `--watch[=MS]`: redraw the status every MS milliseconds. */
  watch?: number;
  /** `--foreground`: run a daemon in this process (for a service manager) instead of a command. */
  foreground: boolean;
  /** `--completions SHELL`: print the completion script for SHELL. */
  completions?: CompletionShell;
  /** Warning lines to print on stderr (a negative quantity). */
  warnings: string[];
}

type FlagAction =
  | "help"
  | "version"
  | "signalList"
  | "uniqueId"
  | "quiesceExit"
  | "immediateExit"
  | "status"
  | "json"
  | "foreground";
type ValueAction = "configFile" | "debugFeature" | "watch" | "completions";

/** The shells `--completions` writes a script for. */
export const COMPLETION_SHELLS = ["bash", "zsh", "fish"] as const;
/** One of {@link COMPLETION_SHELLS}. */
export type CompletionShell = typeof COMPLETION_SHELLS[number];

/** One command-line option: a setting of the table, or one of the command line's own fields. */
export interface OptionSpec {
  /** The one-letter name, without `-`. */
  readonly short?: string;
  /** The long name, without `--`. */
  readonly long: string;
  /** The help line. */
  readonly help: string;
  /**
   * The name of its value in the man page and completions (`FILE`, `MS`, `yes|no`); none for a
   * flag. `FILE`, `PATH`, `DIR`, `IFACE` and `ADDRESS` also say what a shell completes there.
   */
  readonly arg?: string;
  /** What the option sets. */
  readonly target: SettingKey | FlagAction | ValueAction;
}

const ACTION_OPTIONS: readonly OptionSpec[] = [
  { short: "h", long: "help", help: "Show help options", target: "help" },
  { short: "v", long: "version", help: "Print package info and exit", target: "version" },
  {
    short: "c",
    long: "config-file",
    help: "User configuration file name",
    arg: "FILE",
    target: "configFile",
  },
  {
    long: "signal-list",
    help: "Print the list of signals that can be ignored and exit",
    target: "signalList",
  },
  {
    short: "x",
    long: "quiesce-exit",
    help: "Start daemon termination completing current requests",
    target: "quiesceExit",
  },
  {
    short: "X",
    long: "immediate-exit",
    help: "Start daemon termination immediately and interrupting current requests",
    target: "immediateExit",
  },
  { long: "unique-id", help: "Print unique ID and exit", target: "uniqueId" },
  {
    long: "debug-feature",
    help: "Debug execution, specify the debug feature to execute",
    arg: "NAME",
    target: "debugFeature",
  },
  // flom's own options, after the original's in the help.
  {
    long: "status",
    help: "Show who holds and who waits for what in the daemon, and exit (never starts a daemon)",
    target: "status",
  },
  {
    long: "json",
    help: "With --status: print one JSON document (its schema is in the README)",
    target: "json",
  },
  {
    long: "watch",
    help:
      "With --status: redraw every MS milliseconds (--watch=MS, default 1000) until interrupted",
    arg: "MS",
    target: "watch",
  },
  {
    long: "foreground",
    help:
      "Run one daemon in this process, without detaching, logging to stderr, until SIGTERM (for systemd)",
    target: "foreground",
  },
  {
    long: "completions",
    help: "Print the completion script of SHELL (bash, zsh, fish) and exit",
    arg: "SHELL",
    target: "completions",
  },
];

/** The `--watch` interval when none is given. */
export const DEFAULT_WATCH_MS = 1000;

/** Every option, the settings' ones taken from {@link SETTING_KEYS}; help.ts orders them. */
export const OPTIONS: readonly OptionSpec[] = [
  ...ACTION_OPTIONS,
  ...SETTING_KEYS.map((key) => ({ ...key.option, target: key })),
];

const BY_SHORT = new Map<string, OptionSpec>(
  OPTIONS.flatMap((spec) => spec.short ? [[spec.short, spec] as const] : []),
);
const BY_LONG = new Map<string, OptionSpec>(OPTIONS.map((spec) => [spec.long, spec]));
// GLib's other spellings of the help option.
const HELP = BY_LONG.get("help")!;
BY_SHORT.set("?", HELP);
BY_LONG.set("help-all", HELP);

function takesValue(spec: OptionSpec): boolean {
  if (typeof spec.target === "string") {
    return spec.target === "configFile" || spec.target === "debugFeature" ||
      spec.target === "completions";
  }
  return spec.target.option.flag !== true;
}

// `--watch` takes its interval attached (`--watch=500`) or as the next word when that is a
// number; alone, it watches every second.
function watchInterval(value: string | undefined, shown: string): number {
  if (value === undefined) return DEFAULT_WATCH_MS;
  if (!/^[0-9]+$/.test(value) || Number(value) < 1 || Number(value) > 2 ** 31 - 1) {
    throw new UsageError(
      `${shown}: '${value}' is not an interval: give milliseconds, 1 or more`,
    );
  }
  return Number(value);
}

function completionShell(value: string, shown: string): CompletionShell {
  const shell = COMPLETION_SHELLS.find((shell) => shell === value);
  if (shell === undefined) {
    throw new UsageError(
      `${shown}: '${value}' is not a shell flom completes: give ${COMPLETION_SHELLS.join(", ")}`,
    );
  }
  return shell;
}

function usage(message: string): UsageError {
  return new UsageError(`option parsing failed: ${message}`);
}

/**
 * Parses `argv` (without the program name). Long options take `--name value` or `--name=value`;
 * short ones `-o 5` or `-o5`, and flags cluster (`-Vx`, `-Vd 0`). A value is the next word even
 * when it starts with `-`. A flag given a value (`--quiesce-exit=1`) ignores it. `--` ends the
 * options and is dropped; otherwise the options end at the first other word (a lone `-`
 * included), and the rest is the command verbatim. A repeated option keeps its last value, except
 * `--ignore-signal`, which adds up. Help stops the parsing where it appears, so only errors before
 * it count. Values are checked after the whole line is read, in the order of
 * {@link SETTING_KEYS}, and not at all for `--version`, `--signal-list` and `--unique-id`,
 * which the original prints before applying any option.
 *
 * Throws {@link UsageError}: `option parsing failed: Unknown option -z` and the other GLib texts,
 * or the original's message for a refused value (`lock-mode: 'XX' is an invalid value`).
 */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  const line: CommandLine = {
    overrides: {},
    command: [],
    help: false,
    version: false,
    signalList: false,
    uniqueId: false,
    quiesceExit: false,
    immediateExit: false,
    status: false,
    json: false,
    foreground: false,
    warnings: [],
  };
  const given = new Map<SettingKey, SettingInput>();
  let index = 0;

  // Records one option; without an attached value it consumes the next word (advancing `index`).
  const take = (spec: OptionSpec, shown: string, attached: string | undefined): void => {
    let value: string | undefined;
    if (takesValue(spec)) {
      value = attached ?? argv[++index];
      if (value === undefined) throw usage(`Missing argument for ${shown}`);
    }
    const target = spec.target;
    if (typeof target !== "string") {
      given.set(target, optionInput(target, value, shown, given.get(target)));
    } else if (target === "configFile" || target === "debugFeature") {
      if (value !== undefined) line[target] = value;
    } else if (target === "completions") {
      line.completions = completionShell(value!, shown);
    } else if (target === "watch") {
      const next = attached ?? (/^[0-9]+$/.test(argv[index + 1] ?? "") ? argv[++index] : undefined);
      line.watch = watchInterval(next, shown);
    } else {
      line[target] = true;
    }
  };

  for (; index < argv.length && !line.help; index++) {
    const word = argv[index]!;
    if (word === "--") {
      index++;
      break;
    }
    if (word.startsWith("--")) {
      const equals = word.indexOf("=");
      const name = equals < 0 ? word.slice(2) : word.slice(2, equals);
      const spec = BY_LONG.get(name);
      if (spec === undefined) throw usage(`Unknown option ${word}`);
      take(spec, `--${name}`, equals < 0 ? undefined : word.slice(equals + 1));
    } else if (word.startsWith("-") && word !== "-") {
      for (let at = 1; at < word.length && !line.help; at++) {
        const spec = BY_SHORT.get(word[at]!);
        if (spec === undefined) throw usage(`Unknown option ${word}`);
        const attached = word.slice(at + 1);
        if (takesValue(spec) && attached !== "") {
          take(spec, `-${word[at]}`, attached);
          break;
        }
        take(spec, `-${word[at]}`, undefined);
      }
    } else {
      break;
    }
  }
  if (line.help) return line;
  line.command = argv.slice(index);
  if ((line.json || line.watch !== undefined) && !line.status) {
    throw new UsageError("--json and --watch go with --status");
  }
  if (line.status && line.command.length > 0) {
    throw new UsageError(`--status runs no command: '${line.command[0]}' given`);
  }
  if (line.foreground && line.command.length > 0) {
    throw new UsageError(`--foreground runs a daemon, no command: '${line.command[0]}' given`);
  }
  if (line.version || line.signalList || line.uniqueId || line.completions) return line;

  for (const key of SETTING_KEYS) {
    const input = given.get(key);
    if (input === undefined) continue;
    try {
      Object.assign(
        line.overrides,
        settingValue(key, input, { syntax: "option", warnings: line.warnings }),
      );
    } catch (error) {
      if (error instanceof RangeError) throw new UsageError(error.message, { cause: error });
      throw error;
    }
  }
  return line;
}

/**
 * The value of one setting option as given: a flag (`-V`) is yes, an integer is parsed here
 * because GLib converts integers while parsing, so that their errors come before any value
 * check, and `--ignore-signal` adds to the words `earlier` holds.
 */
function optionInput(
  key: SettingKey,
  value: string | undefined,
  shown: string,
  earlier: SettingInput | undefined,
): SettingInput {
  if (value === undefined) return true;
  if (key.type === "integer") return integerOption(value, shown);
  if (key.type === "signals") return [...(Array.isArray(earlier) ? earlier : []), value];
  return value;
}

function integerOption(value: string, shown: string): number {
  try {
    return parseInteger(value, "option");
  } catch (error) {
    // GLib's quotes are “ ”, which the original in the C locale prints as "?": plain ones here.
    if (error instanceof RangeError) {
      throw usage(`Integer value "${value}" for ${shown} out of range`);
    }
    throw usage(`Cannot parse integer value "${value}" for ${shown}`);
  }
}
