// The host's D-Bus machine id, as libdbus finds it; the original reads it on every use.
const MACHINE_ID_FILES = ["/var/lib/dbus/machine-id", "/etc/machine-id"];

/**
 * The unique id of this host (32 lowercase hex digits): the `peerid` of every request and the
 * CN expected by the TLS peer-id check; `undefined` when no machine-id file is readable (a
 * request then carries an empty peer id, which the protocol allows). `files` are searched in
 * order (tests name their own); the first one with an id wins.
 */
export function readUniqueId(files: readonly string[] = MACHINE_ID_FILES): string | undefined {
  for (const path of files) {
    try {
      const id = Deno.readTextFileSync(path).trim();
      if (id !== "") return id;
    } catch {
      // Try the next location, as libdbus does.
    }
  }
  return undefined;
}

/** The files searched for the unique id, for error messages. */
export const UNIQUE_ID_FILES: readonly string[] = MACHINE_ID_FILES;
