/** Whether `name` is a network interface with an IPv6 address (what `-n` needs). */
export function hasIpv6Address(name: string): boolean {
  return Deno.networkInterfaces().some((iface) => iface.name === name && iface.family === "IPv6");
}

/**
 * `address` with the zone `%iface` that IPv6 link-local addresses need to be usable, when it is
 * such an address without one; anything else unchanged.
 */
export function withZone(address: string, iface: string | undefined): string {
  return iface !== undefined && needsZone(address) ? `${address}%${iface}` : address;
}

function needsZone(address: string): boolean {
  return /^fe[89ab][0-9a-f]:/i.test(address) && !address.includes("%");
}

/**
 * A link-local `address` that came from the network (a discovery reply's source, or the address
 * it advertises) with the zone of the link it was heard on, when no `-n` names one: the
 * interface that owns the address (a daemon on this host), else the first interface other than
 * loopback that has a link-local address of its own. The original reads the interface from the
 * received datagram; Deno's sockets do not say it.
 */
export function zonedFromNetwork(address: string, iface: string | undefined): string {
  if (iface !== undefined || !needsZone(address)) return withZone(address, iface);
  const linkLocal = Deno.networkInterfaces().filter((entry) =>
    entry.family === "IPv6" && needsZone(entry.address)
  );
  const owner = linkLocal.find((entry) => entry.address.toLowerCase() === address.toLowerCase());
  const link = owner ?? linkLocal.find((entry) => entry.name !== "lo");
  return withZone(address, link?.name);
}
