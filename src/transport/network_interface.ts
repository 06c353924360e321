/** Whether `name` is a network interface with an IPv6 address (what `-n` needs). */
export function hasIpv6Address(name: string): boolean {
  return Deno.networkInterfaces().some((iface) => iface.name === name && iface.family === "IPv6");
}

/**
 * `address` with the zone `%iface` that IPv6 link-local addresses need to be usable, when it is
 * such an address without one; anything else unchanged.
 */
export function withZone(address: string, iface: string | undefined): string {
  return iface !== undefined && /^fe[89ab][0-9a-f]:/i.test(address) && !address.includes("%")
    ? `${address}%${iface}`
    : address;
}
