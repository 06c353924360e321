import { ClientError, errorMessage } from "../errors.ts";
import type { Account } from "../client/account.ts";
import { connectDaemon, SocketOwnerError } from "../client/connect.ts";
import { lockRequestOf, LockSession, reportCommand } from "../client/lock_session.ts";
import type { StreamConn } from "../transport/stream_conn.ts";
import type { ClientIdentity, WaitInfo } from "../protocol/messages.ts";
import { checkSettings } from "../config/check.ts";
import { loadSettings } from "../config/load.ts";
import { signalName } from "../config/values.ts";
import { ConfigError, type Settings } from "../config/settings.ts";
import { runCommand } from "../exec/run_command.ts";
import { RC, strerror } from "../protocol/return_codes.ts";
import { encodeUtf8 } from "../protocol/binary_string.ts";
import { writeAllSync } from "../transport/stream_conn.ts";
import { readUniqueId, UNIQUE_ID_FILES } from "../transport/unique_id.ts";
import { TraceModule, type Tracer } from "../trace/trace.ts";
import { openTracer } from "../trace/trace_file.ts";
import { EXIT } from "./exit_status.ts";
import { type CommandLine, parseCommandLine, UsageError } from "./options.ts";

/** Where the CLI writes; injected by tests of `run`. */
export interface Console {
  out(text: string): void;
  err(text: string): void;
}

const STANDARD_CONSOLE: Console = {
  out: (text) => writeAllSync(Deno.stdout, encodeUtf8(text)),
  err: (text) => writeAllSync(Deno.stderr, encodeUtf8(text)),
};

/**
 * The flom command: parses `argv`, loads the configuration, then shows help/version/lists or a
 * completion script, runs a debug feature, requests a daemon shutdown, runs a daemon in this
 * process (`--foreground`), or locks the resource, runs the command and unlocks.
 * Returns the exit status (docs/compatibility.md, "Exit statuses and messages"); never exits the
 * process itself.
 */
export async function run(argv: string[], console: Console = STANDARD_CONSOLE): Promise<number> {
  let cli: CommandLine;
  try {
    cli = parseCommandLine(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.err(`${error.message}\n`);
    return EXIT.GENERIC_ERROR;
  }
  for (const warning of cli.warnings) console.err(`${warning}\n`);
  if (cli.help) {
    const { helpText } = await import("./help.ts");
    console.out(helpText());
    return EXIT.OK;
  }
  if (cli.completions !== undefined) {
    const { completionScript } = await import("./completions.ts");
    console.out(completionScript(cli.completions));
    return EXIT.OK;
  }
  if (cli.version || cli.signalList) {
    // What only these options print stays off the lock path's start-up.
    const [{ versionText }, { VERSION }, { signalListText }] = await Promise.all([
      import("./help.ts"),
      import("./version.ts"),
      import("./signals.ts"),
    ]);
    if (cli.version) console.out(versionText(VERSION));
    if (cli.signalList) console.out(signalListText());
    return EXIT.OK;
  }
  if (cli.uniqueId) {
    const id = readUniqueId();
    if (id === undefined) {
      console.err(`Cannot read the unique id: none of ${UNIQUE_ID_FILES.join(", ")} is readable\n`);
      return EXIT.GENERIC_ERROR;
    }
    console.out(`${id}\n`);
    return EXIT.OK;
  }

  let settings: Settings;
  let privateSocket: boolean;
  // Read once, and only when needed: without HOME, or for the default socket.
  let account: Promise<Account> | undefined;
  const accountOnce = () =>
    account ??= import("../client/account.ts").then(({ currentAccount }) => currentAccount());
  try {
    const loaded = await loadSettings({
      home: Deno.env.get("HOME") ?? (await accountOnce()).home,
      ...(cli.configFile === undefined ? {} : { configFile: cli.configFile }),
      overrides: cli.overrides,
    });
    for (const warning of loaded.warnings) console.err(`${warning}\n`);
    if (loaded.settings.verbose) {
      const { formatSettingsDump } = await import("./dump.ts");
      console.out(formatSettingsDump(loaded.settings));
    }
    const checked = await checkSettings(loaded.settings, async () => (await accountOnce()).login);
    privateSocket = checked.privateSocket;
    for (const warning of checked.warnings) console.err(`${warning}\n`);
    settings = checked.settings;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.err(`${error.message}\n`);
    return EXIT.GENERIC_ERROR;
  }

  if (cli.foreground) {
    // Only a service's daemon loads the daemon into the CLI's process.
    const { runForeground } = await import("../daemon/foreground.ts");
    return await runForeground({ settings, privateSocket }, console.err);
  }
  const tracer = openTracer({
    ...(settings.commandTraceFile === undefined ? {} : { file: settings.commandTraceFile }),
    append: settings.appendTraceFile,
    fallback: console.err,
  });
  if (cli.status) {
    const { showStatus } = await import("./status.ts");
    return await showStatus(settings, {
      privateSocket,
      tracer,
      json: cli.json,
      ...(cli.watch === undefined ? {} : { watch: cli.watch }),
      terminal: Deno.stdout.isTerminal(),
    }, console);
  }
  if (cli.debugFeature !== undefined) {
    // Only the few who debug load it.
    const { runDebugFeature } = await import("./debug_features.ts");
    return await runDebugFeature(cli.debugFeature, settings, tracer, console.out);
  }
  if (cli.quiesceExit || cli.immediateExit) {
    return await shutdown(settings, { privateSocket, tracer }, cli.immediateExit, console);
  }
  if (cli.command.length === 0) {
    console.err("No command to execute!\n");
    return EXIT.UNABLE_TO_EXECUTE;
  }
  return await lockAndRun(settings, { privateSocket, tracer, argv, command: cli.command }, console);
}

async function shutdown(
  settings: Settings,
  { privateSocket, tracer }: { privateSocket: boolean; tracer: Tracer },
  immediate: boolean,
  console: Console,
): Promise<number> {
  console.out(`Starting FLoM daemon ${immediate ? "immediate" : "quiesce"} shutdown...\n`);
  try {
    const conn = await connectDaemon({
      settings,
      privateSocket,
      autoStart: false,
      argv: [],
      tracer,
      ...verboseOf(settings, console),
    });
    const { requestShutdown } = await import("../client/shutdown.ts");
    await requestShutdown(conn, { immediate, peerId: readUniqueId() ?? "" });
    return EXIT.OK;
  } catch (error) {
    return reportFailure(error, "flom_client_connect", console);
  }
}

async function lockAndRun(
  settings: Settings,
  call: { privateSocket: boolean; tracer: Tracer; argv: string[]; command: string[] },
  console: Console,
): Promise<number> {
  let conn: StreamConn;
  try {
    conn = await connectDaemon({
      settings,
      privateSocket: call.privateSocket,
      autoStart: true,
      argv: call.argv,
      tracer: call.tracer,
      ...verboseOf(settings, console),
    });
  } catch (error) {
    return reportFailure(error, "flom_client_connect", console);
  }
  // Closed gracefully on every way out that did not abort it: when this function returns, the
  // daemon has processed the unlock.
  await using session = new LockSession(conn, call.tracer, {
    checkPeerId: settings.tlsCheckPeerId,
  });

  let element: string | undefined;
  let fencingToken: string | undefined;
  // With -V, the line saying who blocks the request; printed before the command runs.
  let waitReport: Promise<void> | undefined;
  try {
    const result = await session.lock({
      // The name was validated with the options: a request can always be built.
      ...lockRequestOf(settings)!,
      client: clientIdentity(settings, call.command),
      watchLoss: true,
      ...(settings.verbose
        ? {
          onWait: (wait: WaitInfo) => {
            // Only a -V client that has to wait loads the formatting.
            waitReport = import("../status/format_status.ts").then(({ waitLine }) =>
              console.out(`${waitLine(settings.resourceName, wait)}\n`)
            );
          },
        }
        : {}),
    });
    await waitReport;
    if (result.status === "timeout") {
      session.abort();
      console.err(
        `The lock was not obtained because timeout (${settings.resourceTimeout} milliseconds) expired\n`,
      );
      return EXIT.RESOURCE_BUSY;
    }
    if (result.status === "refused") return reportRefusal(result.rc, console);
    element = result.element;
    fencingToken = result.fencingToken;
  } catch (error) {
    session.abort();
    return reportFailure(error, "flom_client_lock", console);
  }

  if (element !== undefined && settings.verbose) console.out(`Locked element is '${element}'\n`);
  // An etcd-backed daemon that could not keep its lease says so: the command must stop, since
  // the lock may be another's already.
  const lost = new AbortController();
  let lostReason: string | undefined;
  session.lockLost().then((reason) => {
    if (reason === undefined) return;
    lostReason = reason;
    lost.abort();
  });
  // Our daemon on this host keeps the lock for the command should this process die first.
  let commandReport: Promise<void> | undefined;
  // Only our daemon gives a token, and only a daemon on this host can watch the command.
  const reportedLock = settings.socketName === undefined ? undefined : fencingToken;
  const status = await runCommand(call.command, {
    ...(element === undefined ? {} : { element }),
    env: {
      FLOM_RESOURCE_NAME: settings.resourceName,
      ...(element === undefined ? {} : { FLOM_RESOURCE_ELEMENT: element }),
      ...(fencingToken === undefined ? {} : { FLOM_FENCING_TOKEN: fencingToken }),
    },
    ...(reportedLock === undefined ? {} : {
      onStart: (pid: number) => {
        commandReport = reportCommandOf(settings, call, { fencingToken: reportedLock, pid });
      },
    }),
    warn: (line) => console.err(`${line}\n`),
    ignoredSignals: settings.ignoredSignals.map((number) => ({ number, name: signalName(number) })),
    stop: { signal: lost.signal, graceMs: settings.lostLockGrace },
    tracer: call.tracer,
  });
  await commandReport;
  if (lostReason !== undefined) {
    session.abort();
    console.err(`flom: lock on '${settings.resourceName}' lost: ${lostReason}\n`);
    return EXIT.GENERIC_ERROR;
  }
  try {
    // A failed command rolls back what it took (only transactional sequences care).
    await session.unlock(status !== 0);
  } catch (error) {
    session.abort();
    return reportFailure(error, "flom_client_unlock", console);
  }
  return status;
}

/** Sends the command report on a connection of its own; a failure only loses the protection. */
async function reportCommandOf(
  settings: Settings,
  call: { privateSocket: boolean; tracer: Tracer },
  report: { fencingToken: string; pid: number },
): Promise<void> {
  try {
    const conn = await connectDaemon({
      settings,
      privateSocket: call.privateSocket,
      autoStart: false,
      argv: [],
      tracer: call.tracer,
    });
    await reportCommand(conn, { ...report, peerId: readUniqueId() ?? "" });
  } catch (error) {
    call.tracer.trace(
      TraceModule.CLIENT,
      `flom_client_lock: the command could not be reported: ${errorMessage(error)}`,
    );
  }
}

/**
 * Who this client is, for the daemon's status views: its process id and the command's program,
 * and its host name when the daemon may be on another host.
 */
function clientIdentity(settings: Settings, command: string[]): ClientIdentity {
  const program = command[0]?.split("/").pop();
  return {
    pid: Deno.pid,
    ...(settings.socketName === undefined ? { host: Deno.hostname() } : {}),
    ...(program === undefined || program === "" ? {} : { program: program.slice(0, 64) }),
  };
}

/** The verbose sink for connecting: discovery progress lines on stdout with `-V`. */
function verboseOf(settings: Settings, console: Console) {
  return settings.verbose ? { verbose: (line: string) => console.out(`${line}\n`) } : {};
}

function reportRefusal(rc: number, console: Console): number {
  switch (rc) {
    case RC.LOCK_BUSY:
      console.err("Resource already locked, the lock cannot be obtained\n");
      return EXIT.RESOURCE_BUSY;
    case RC.LOCK_CANT_WAIT:
      console.err("The resource could be available in the future, but the requester can't wait\n");
      return EXIT.REQUESTER_CANT_WAIT;
    case RC.LOCK_IMPOSSIBLE:
      console.err("Resource will never satisfy the request, the lock cannot be obtained\n");
      return EXIT.GENERIC_ERROR;
    default:
      console.err(`flom_client_lock: ret_cod=${rc} (${strerror(rc)})\n`);
      return EXIT.GENERIC_ERROR;
  }
}

function reportFailure(error: unknown, step: string, console: Console): number {
  if (error instanceof ClientError) {
    console.err(`${step}: ret_cod=${error.rc} (${strerror(error.rc)})\n`);
    if (error.explanation !== undefined) console.err(`flom: ${error.explanation}\n`);
    return EXIT.GENERIC_ERROR;
  }
  if (error instanceof SocketOwnerError) {
    console.err(`${error.message}\n`);
    return EXIT.GENERIC_ERROR;
  }
  throw error;
}
