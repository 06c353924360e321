/**
 * What the man page and the shell completions say about each option, drawn from the one option
 * table (options.ts OPTIONS, config/setting_keys.ts SETTING_KEYS) in the order of `--help`: its
 * names, value, help line, configuration key, default (config/settings.ts defaultSettings()),
 * the values a shell offers and what else it completes there.
 */
import { defaultSocketName } from "../config/check.ts";
import { DEFAULT_RESOURCE_NAME, defaultSettings } from "../config/settings.ts";
import type { SettingKey } from "../config/setting_keys.ts";
import { SIGNAL_NAMES } from "../config/values.ts";
import { LOCK_MODE_SHORT_NAMES } from "../resources/lock_mode.ts";
import { DEBUG_FEATURE_NAMES } from "./debug_features.ts";
import { optionsInHelpOrder } from "./help.ts";
import { COMPLETION_SHELLS, DEFAULT_WATCH_MS, type OptionSpec } from "./options.ts";

/** What a shell completes as an option's value besides a fixed list. */
export type ValueCompletion = "file" | "directory" | "host" | "interface";

/** One option as the man page and the completions describe it. */
export interface OptionDoc {
  readonly short?: string;
  readonly long: string;
  readonly help: string;
  /** The value's name (`FILE`, `MS`); none for a flag. */
  readonly arg?: string;
  /** The value may be left out (`--watch`, `--watch=MS`). */
  readonly optionalArg: boolean;
  /** Where `--help` lists it: the help option, FLoM 1.7.2's options, or flom's own. */
  readonly section: "help" | "original" | "flom";
  /** The configuration file group and key (`[Resource] Name`). */
  readonly configKey?: string;
  /** The value used when it is not given. */
  readonly defaultValue?: string;
  /** The values a shell offers. */
  readonly values?: readonly string[];
  /** What else a shell completes as its value. */
  readonly completes?: ValueCompletion;
}

const COMPLETES_BY_ARG: Readonly<Record<string, ValueCompletion>> = {
  FILE: "file",
  PATH: "file",
  DIR: "directory",
  ADDRESS: "host",
  IFACE: "interface",
};

/** Every option, in the order of `--help`. */
export function optionDocs(): OptionDoc[] {
  return optionsInHelpOrder().map(({ spec, section }) => {
    const key = typeof spec.target === "string" ? undefined : spec.target;
    const values = valuesOf(spec, key);
    const defaultValue = defaultOf(spec, key);
    const completes = spec.arg === undefined ? undefined : COMPLETES_BY_ARG[spec.arg];
    return {
      ...(spec.short === undefined ? {} : { short: spec.short }),
      long: spec.long,
      help: spec.help,
      ...(spec.arg === undefined ? {} : { arg: spec.arg }),
      optionalArg: spec.target === "watch",
      section,
      ...(key === undefined ? {} : { configKey: `[${key.group}] ${key.key}` }),
      ...(defaultValue === undefined ? {} : { defaultValue }),
      ...(values === undefined ? {} : { values }),
      ...(completes === undefined ? {} : { completes }),
    };
  });
}

function valuesOf(spec: OptionSpec, key: SettingKey | undefined): readonly string[] | undefined {
  if (spec.target === "debugFeature") return DEBUG_FEATURE_NAMES;
  if (spec.target === "completions") return COMPLETION_SHELLS;
  if (key === undefined || key.option.flag) return undefined;
  switch (key.type) {
    case "yesno":
      return ["yes", "no"];
    case "lockMode":
      return LOCK_MODE_SHORT_NAMES;
    case "signals":
      return SIGNAL_NAMES;
    default:
      return undefined;
  }
}

function defaultOf(spec: OptionSpec, key: SettingKey | undefined): string | undefined {
  if (spec.target === "watch") return String(DEFAULT_WATCH_MS);
  if (key === undefined) return undefined;
  const value = defaultSettings()[key.field];
  switch (key.type) {
    case "yesno":
      return value ? "yes" : "no";
    case "lockMode":
      return LOCK_MODE_SHORT_NAMES[value as number];
    case "integer":
      return String(value);
    case "signals":
      return undefined;
  }
  // Texts without a default but two: the resource name, and the socket computed per user when
  // no address is given.
  if (key.field === "resourceName") return DEFAULT_RESOURCE_NAME;
  if (key.field === "socketName") return defaultSocketName("<login>");
  return value === undefined ? undefined : String(value);
}
