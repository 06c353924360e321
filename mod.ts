/**
 * flom for TypeScript programs: lock a resource in a flom daemon (the same daemons and wire
 * protocol as the `flom` command and the original FLoM), do the work, unlock.
 *
 * ```ts
 * import { lock } from "./mod.ts";
 * await using held = await lock({ resource: "backup", timeout: 5000 });
 * // ... the work; the lock is released when `held` goes out of scope
 * ```
 * @module
 */
export {
  type Lock,
  lock,
  LockError,
  type LockModeName,
  type LockOptions,
} from "./src/client/api.ts";
