/**
 * The flom(1) man page, in roff (man macros). Its options come from the option table through
 * option_docs.ts, in the order of `--help`, each with its configuration key and default; its
 * differences from FLoM 1.7.2 are the README's list, handed in as Markdown items. scripts/man.ts
 * writes it (`deno task man`); packages install it.
 */
import { type OptionDoc, optionDocs } from "./option_docs.ts";

/** What the page needs besides the option table. */
export interface ManPageSource {
  /** flom's version. */
  version: string;
  /** The README's "Differences from FLoM 1.7.2", one Markdown list item each. */
  differences: string[];
}

/** The whole page. */
export function manPage({ version, differences }: ManPageSource): string {
  const docs = optionDocs();
  const section = (name: OptionDoc["section"]) => docs.filter((doc) => doc.section === name);
  return [
    // No hyphenation (HY, which the man macros reapply at each paragraph), ragged right: option
    // and variable names stay whole.
    ".nr HY 0",
    `.TH FLOM 1 "" "flom ${version}" "User Commands"`,
    ".nh",
    ".ad l",
    ".SH NAME",
    "flom \\- Free Lock Manager for Deno: run a command while it holds a lock",
    ".SH SYNOPSIS",
    ".B flom",
    "[\\fIOPTION\\fR...] [\\fB\\-\\-\\fR] \\fICOMMAND\\fR [\\fIARG\\fR...]",
    ".br",
    ".B flom",
    "[\\fIOPTION\\fR...] \\fB\\-x\\fR | \\fB\\-X\\fR | \\fB\\-\\-status\\fR | \\fB\\-\\-foreground\\fR",
    ".br",
    ".B flom",
    "\\fB\\-h\\fR | \\fB\\-v\\fR | \\fB\\-\\-signal\\-list\\fR | \\fB\\-\\-unique\\-id\\fR |" +
    " \\fB\\-\\-completions\\fR \\fISHELL\\fR",
    ".SH DESCRIPTION",
    paragraph(
      "`flom -r RES -- cmd args` locks the resource `RES`, runs `cmd args`, releases the lock and " +
        "exits with the command's status. Locks live in a small daemon that flom starts on " +
        "demand on a per-user UNIX socket (`/tmp/flom-<login>`), or that runs on one host and " +
        "serves others over TCP, found by address (`-a`) or by UDP multicast discovery (`-A`), " +
        "optionally over mutually authenticated TLS. The daemon exits `-d` milliseconds after " +
        "its last client (default 5000), or at once with `flom -X`.",
    ),
    paragraph(
      "flom re-implements FLoM 1.7.2 by Christian Ferrari: the same options, configuration " +
        "keys, exit statuses, messages and wire protocol, so that C clients (libflom programs, " +
        "the C `flom`) and flom's daemon work together, and the other way round. Where it " +
        "deliberately behaves otherwise, it is listed under DIFFERENCES FROM FLoM 1.7.2.",
    ),
    paragraph(
      "Options end at `--` or at the first word that is not an option: `flom -r x ls -l` runs " +
        "`ls -l`. Long options take `--name value` or `--name=value`; short ones `-d 0` or " +
        "`-d0`. Integers may be written in decimal, `0x` hexadecimal or `0` octal. yes/no " +
        "values accept `yes`, `no`, `y`, `n`, `true`, `false` in any case. The command line " +
        "overrides the configuration files.",
    ),
    ".SH OPTIONS",
    ...section("help").map(optionItem),
    ".SS Options of FLoM 1.7.2",
    ...section("original").map(optionItem),
    ".SS flom's own options (not in FLoM 1.7.2)",
    ...section("flom").map(optionItem),
    ".SH RESOURCES",
    paragraph("The resource's name (`-r`) selects its kind:"),
    ...items([
      [
        "`RES` (letters and digits, starting with a letter)",
        "simple: a lock in one of six modes (`-l`).",
      ],
      ["`RES[N]`", "numeric: `-q Q` of `N` units."],
      [
        "`a.b.c`",
        "set: one free member, which is appended as the command's last argument and given in `FLOM_RESOURCE_ELEMENT`.",
      ],
      [
        "`/a/b/c`",
        "hierarchical: a lock that conflicts with its ancestors and descendants, not its siblings.",
      ],
      [
        "`_s_RES[N]`, `_S_RES[N]`",
        "sequence: the next number (`_S_` returns it to the pool when the command fails).",
      ],
      [
        "`_t_FORMAT[N]`",
        "timestamp: a unique strftime(3) timestamp (`#f`...`#ffffff` for fractions of a second).",
      ],
    ]),
    ".SH LOCK MODES",
    paragraph(
      "`-l` takes a short or long name in any case: `NL` (NullLock), `CR` (ConcurrentRead), " +
        "`CW` (ConcurrentWrite), `PR` (ProtectedRead), `PW` (ProtectedWrite), `EX` (Exclusive, " +
        "the default). Two locks coexist when the DLM compatibility matrix allows it: NL with " +
        "every mode; CR with all but EX; CW with NL, CR, CW; PR with NL, CR, PR; PW with NL, CR; " +
        "EX with NL only.",
    ),
    ".SH CONFIGURATION",
    paragraph(
      "Read in this order, each overriding the previous: `/etc/flom.conf`, `~/.flom`, the `-c` " +
        "file; the command line overrides them all. They are key files: `[Group]` headers and " +
        "`Key=Value` lines, with the groups and keys named under OPTIONS; `#` starts a comment. " +
        "A `-c` file whose name ends in `.toml` is read as TOML with the same groups and keys. " +
        "An unknown group or key is ignored with a warning; a bad value is an error (exit 99).",
    ),
    ".PP",
    ".EX",
    "[Resource]",
    "Name=backup",
    "Timeout=5000",
    "[Daemon]",
    "Lifespan=\\-1",
    ".EE",
    ".SH EXIT STATUS",
    ...items([
      ["the command's", "the command ran; 128+N when signal N killed it."],
      ["96", "the resource does not exist, `-e no`, and `-o 0` forbids waiting for it."],
      ["97", "no command given, or it cannot be executed."],
      ["98", "the resource is busy (`-o 0`) or the `-o` timeout expired."],
      [
        "99",
        "any other error: a bad option or configuration, no daemon reachable, a lock that is impossible, a daemon that cannot start, a lock an etcd-backed daemon lost while the command ran (the command got SIGTERM).",
      ],
    ]),
    paragraph("Every error message goes to standard error."),
    ".SH ENVIRONMENT",
    ...items([
      [
        "`FLOM_TRACE_MASK`",
        "trace modules, as in the original (`0x8` the client's steps, `0x100000` TLS and the debug features): to standard error, or to the `-T` file; a daemon traces only into its `-t` file, or to standard error with `--foreground`.",
      ],
      ["`FLOM_RESOURCE_NAME`", "set for the command: the name of the locked resource."],
      [
        "`FLOM_RESOURCE_ELEMENT`",
        "set for the command when the resource hands out an element (a set member, a sequence number, a timestamp): the same value that is appended as its last argument.",
      ],
      [
        "`FLOM_FENCING_TOKEN`",
        "set for the command when flom's daemon granted the lock: a decimal number greater than every token the daemon, or an earlier one, gave before, for storage that refuses writes of a holder that has lost its lock since.",
      ],
      ["`HOME`", "where `~/.flom` is looked for."],
      ["`NO_COLOR`", "set: `flom --status` prints no colours on a terminal."],
      [
        "`JOURNAL_STREAM`",
        "set (by systemd): `flom --foreground` starts each message with its syslog priority for the journal.",
      ],
    ]),
    ".SH FILES",
    ...items([
      ["`/etc/flom.conf`, `~/.flom`", "the system and user configuration files."],
      ["`/tmp/flom-<login>`", "the default socket of a user's daemon (owner only)."],
      [
        "`<socket>.lock`",
        "next to a UNIX socket: serialises the start of daemons on that socket; it may be removed when no daemon runs.",
      ],
      [
        "`/tmp/flom-multicast-<namespace>-<group>-<port>.lock`",
        "held by a daemon found only by discovery; it may be removed when no daemon runs.",
      ],
      [
        "`/usr/lib/systemd/system/flom.service`",
        "(packages) runs one network daemon for the host in the foreground (`systemctl edit flom` sets its options in `FLOM_ARGS`).",
      ],
    ]),
    ".SH EXAMPLES",
    paragraph("Run a backup unless one is already running (exit 98 at once when busy):"),
    example("flom -r backup -o 0 -- rsync -a /srv/ /backup/"),
    paragraph("Readers share a lock that a writer takes alone:"),
    example("flom -r db -l PR -- ./report.sh", "flom -r db -l EX -- ./migrate.sh"),
    paragraph("At most four jobs at once, each taking one unit of a numeric resource:"),
    example("flom -r 'jobs[4]' -- make -j2"),
    paragraph("A daemon on host mojan that runs until stopped, and clients anywhere:"),
    example(
      "flom -a 192.168.1.2 -A 239.255.0.1 -d -1 -- true",
      "flom -a mojan -d 0 -- ls",
      "flom -A 239.255.0.1 -d 0 -- ls",
      "flom -a 192.168.1.2 -X",
    ),
    paragraph("Who holds and who waits for what:"),
    example("flom --status", "flom --status --watch 500 -r db"),
    paragraph("Completion for the running shell:"),
    example("source <(flom --completions bash)"),
    ".SH DIFFERENCES FROM FLoM 1.7.2",
    ...differences.flatMap((item) => [".IP \\(bu 2", inline(item)]),
    ".SH SEE ALSO",
    "The README of flom for the status views, metrics, TLS set-up and the TypeScript API; the " +
    "original: https://github.com/tiian/flom",
    ".SH COPYRIGHT",
    "Copyright (c) 2026, the flom for Deno authors. License GPL\\-2.0\\-or\\-later: GNU General " +
    "Public License, version 2 or any later version. flom re-implements FLoM 1.7.2, Copyright " +
    "(c) 2013\\-2024, Christian Ferrari.",
    "",
  ].join("\n");
}

function optionItem(doc: OptionDoc): string {
  const names = [
    ...(doc.short === undefined ? [] : [`\\fB-${doc.short}\\fR`]),
    `\\fB--${doc.long}\\fR`,
  ].map(escapeDashes).join(", ");
  const value = doc.arg === undefined
    ? ""
    : doc.optionalArg
    ? `[=\\fI${escapeText(doc.arg)}\\fR]`
    : ` \\fI${escapeText(doc.arg)}\\fR`;
  const details = [
    ...(doc.configKey === undefined ? [] : [`Configuration key \`${doc.configKey}\``]),
    ...(doc.defaultValue === undefined ? [] : [`default \`${doc.defaultValue}\``]),
    ...(doc.values === undefined || doc.long === "ignore-signal"
      ? []
      : [`values ${doc.values.map((value) => `\`${value}\``).join(", ")}`]),
  ];
  return [
    ".TP",
    `${names}${value}`,
    inline(sentence(doc.help)),
    ...(details.length === 0 ? [] : [".br", inline(sentence(details.join("; ")))]),
  ].join("\n");
}

function sentence(text: string): string {
  const capital = text.charAt(0).toUpperCase() + text.slice(1);
  return capital.endsWith(".") ? capital : `${capital}.`;
}

function paragraph(markdown: string): string {
  return `.PP\n${inline(markdown)}`;
}

function items(entries: [string, string][]): string[] {
  return entries.flatMap(([tag, text]) => [".TP", inline(tag), inline(text)]);
}

function example(...lines: string[]): string {
  return [".PP", ".EX", ...lines.map((line) => escapeLine(escapeDashes(escapeText(line)))), ".EE"]
    .join("\n");
}

/**
 * Markdown inline text as roff: `code` in bold, links as their text, emphasis dropped; dashes,
 * backslashes and characters outside ASCII escaped; line breaks joined.
 */
export function inline(markdown: string): string {
  const text = markdown.replaceAll(/\s*\n\s*/g, " ").trim()
    .replaceAll(/\[([^\]]+)\]\([^)]+\)/g, "$1")
    .replaceAll(/\*\*([^*]+)\*\*/g, "$1");
  const parts = text.split("`");
  const roff = parts.map((part, index) => {
    const escaped = escapeDashes(escapeText(part));
    return index % 2 === 1 ? `\\fB${escaped}\\fR` : escaped;
  }).join("");
  return escapeLine(roff);
}

// Backslashes first, then characters groff may not read as they are.
function escapeText(text: string): string {
  return [...text.replaceAll("\\", "\\e")].map((char) => {
    const code = char.codePointAt(0)!;
    return code < 0x80 ? char : `\\[u${code.toString(16).toUpperCase().padStart(4, "0")}]`;
  }).join("");
}

function escapeDashes(text: string): string {
  return text.replaceAll("-", "\\-");
}

// A line that starts with a dot or an apostrophe would be a request.
function escapeLine(line: string): string {
  return /^[.']/.test(line) ? `\\&${line}` : line;
}
