/**
 * flom for TypeScript programs: lock a resource in a flom daemon (the same daemons and wire
 * protocol as the `flom` command and the original FLoM), do the work, unlock.
 *
 * ```ts
 * import { lock, LockError, RC } from "./mod.ts";
 * try {
 *   await using held = await lock({ resource: "backup", timeout: 5000 });
 *   // ... the work; the lock is released when `held` goes out of scope
 * } catch (error) {
 *   if (error instanceof LockError && error.rc === RC.NETWORK_TIMEOUT) console.error("busy");
 *   else throw error;
 * }
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
/**
 * The original's reason codes by name, for `LockError.rc`: `RC.LOCK_BUSY` (4, busy and no
 * waiting), `RC.NETWORK_TIMEOUT` (9, the timeout expired), `RC.LOCK_CANT_WAIT` (5),
 * `RC.LOCK_IMPOSSIBLE` (6), `RC.INVALID_RESOURCE_NAME` (-14), `RC.CONNECT_ERROR` (-105, no
 * daemon), and every other code of FLoM 1.7.2.
 */
export { RC } from "./src/protocol/return_codes.ts";
