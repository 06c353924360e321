/**
 * The configuration check run once all layers are applied (docs/compatibility.md, "Configuration"),
 * by the CLI and the `mod.ts` API alike: refuses contradictory settings, decides the endpoint's
 * default (the per-user socket), and coerces the lock mode and quantity to what the resource kind
 * supports.
 */
import { LockMode } from "../resources/lock_mode.ts";
import { parseResourceName, requestParameter, RESOURCE_TYPE_NUMBER } from "../resources/names.ts";
import { ConfigError, type Settings } from "./settings.ts";
import { invalidResourceName, SOCKET_NAME_MAX_BYTES, utf8Length } from "./values.ts";

/** The result of {@link checkSettings}. */
export interface CheckedSettings {
  /** A copy of the input with the default socket and the coercions applied. */
  settings: Settings;
  /** One-line warnings about coerced values; only when `settings.verbose`, as in the original. */
  warnings: string[];
  /**
   * No endpoint was configured anywhere, so the socket is the computed per-user one: created
   * owner-only by a daemon, and refused by a client when another user owns it.
   */
  privateSocket: boolean;
}

/** The default socket `/tmp/flom-<login>`, cut to fit sun_path without splitting a character. */
export function defaultSocketName(login: string): string {
  let name = `/tmp/flom-${login}`;
  while (utf8Length(name) > SOCKET_NAME_MAX_BYTES) name = [...name].slice(0, -1).join("");
  return name;
}

/**
 * Checks `settings` for running. When neither a socket nor an address is set, the socket is the
 * per-user `/tmp/flom-<login>`; `login` gives the user's login name (`nobody` when unknown) and
 * is only called then, since looking an account up costs a short-lived client. Throws
 * {@link ConfigError} for a socket together with a unicast or multicast address, for a peer-id
 * check without all three TLS files, and for one or two TLS files without the others (a
 * deliberate difference: the original silently goes without TLS), for an etcd certificate without
 * its key or the reverse, and for an invalid resource name.
 */
export async function checkSettings(
  settings: Settings,
  login: () => string | Promise<string>,
): Promise<CheckedSettings> {
  const checked = { ...settings };
  const warnings: string[] = [];
  if (
    checked.socketName !== undefined &&
    (checked.unicastAddress !== undefined || checked.multicastAddress !== undefined)
  ) {
    throw new ConfigError(
      "ERROR: flom can not be configured for local (UNIX socket) and network (TCP-UDP/IP) communication at the same time.",
    );
  }
  const tlsFiles = [checked.tlsCertificate, checked.tlsPrivateKey, checked.tlsCaCertificate]
    .filter((file) => file !== undefined).length;
  if (checked.tlsCheckPeerId && tlsFiles < 3) {
    throw new ConfigError(
      "ERROR: TLS check peer id can not be specified without full TLS configuration.",
    );
  }
  if (tlsFiles > 0 && tlsFiles < 3) {
    throw new ConfigError(
      "Cannot use TLS: --tls-certificate, --tls-private-key and --tls-ca-certificate must be given together",
    );
  }
  if ((checked.etcdCertificate === undefined) !== (checked.etcdPrivateKey === undefined)) {
    throw new ConfigError(
      "Cannot use etcd's client certificate authentication: --etcd-certificate and --etcd-private-key must be given together",
    );
  }
  const name = parseResourceName(checked.resourceName);
  if (name === undefined) throw new ConfigError(invalidResourceName(checked.resourceName));
  const type = RESOURCE_TYPE_NUMBER[name.kind];
  const parameter = requestParameter(name.kind);
  if (checked.lockMode !== LockMode.Exclusive && parameter !== "mode") {
    warnings.push(
      `This resource type (${type}) support only exclusive lock mode; specified value (${checked.lockMode}) will be ignored`,
    );
    checked.lockMode = LockMode.Exclusive;
  }
  if (checked.resourceQuantity !== 1 && parameter !== "quantity") {
    warnings.push(
      `This resource type (${type}) does not support quantity lock option; specified value (${checked.resourceQuantity}) will be ignored`,
    );
    checked.resourceQuantity = 1;
  }
  const privateSocket = checked.socketName === undefined &&
    checked.unicastAddress === undefined && checked.multicastAddress === undefined;
  if (privateSocket) checked.socketName = defaultSocketName(await login());
  return { settings: checked, warnings: checked.verbose ? warnings : [], privateSocket };
}
