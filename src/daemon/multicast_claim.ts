/**
 * One discovery daemon per multicast group, port and network stack on a host. A daemon that
 * only has a group listens on a port of its own choosing, so nothing stops two clients that
 * start at once from starting two daemons, whose clients would then lock apart. A lock file
 * held for the daemon's life decides: the second daemon gives way, and its client finds the
 * first one by discovery.
 */

// How long to wait for the lock before deciding that another daemon holds it: taking a free
// lock is a matter of microseconds.
const CLAIM_WAIT_MS = 200;

/**
 * Takes the host's claim to answer discovery on `group`/`port`; resolves with the held lock file
 * (released when the process ends), or undefined when another daemon holds the claim.
 */
export async function claimMulticastGroup(
  group: string,
  port: number,
): Promise<Deno.FsFile | undefined> {
  const path = `/tmp/flom-multicast-${networkStack()}-${
    group.replaceAll(/[^0-9A-Za-z.]/g, "_")
  }-${port}.lock`;
  // Daemons of different users share the claim: open what another user created, read-only.
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch {
    file = await Deno.open(path, { read: true, write: true, create: true, mode: 0o666 });
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const held = new Promise<false>((resolve) => timer = setTimeout(resolve, CLAIM_WAIT_MS, false));
  const claimed = await Promise.race([file.lock(true).then(() => true), held]);
  clearTimeout(timer);
  if (claimed) return file;
  // The pending lock call ends with the process, which is about to exit.
  return undefined;
}

/** The network namespace, so that namespaces sharing /tmp (tests, containers) claim apart. */
function networkStack(): string {
  try {
    return /\[(\d+)\]/.exec(Deno.readLinkSync("/proc/self/ns/net"))?.[1] ?? "host";
  } catch {
    return "host";
  }
}
