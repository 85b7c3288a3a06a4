// The one place where a WebAssembly module's untyped exports become a typed interface: every name
// the interface declares is checked present at load (the record of names is complete because its
// type says so), so a module built from other C fails there, not on its first call.
import { LenetError } from "./errors.ts";

/**
 * The exports of an instance as `T`, after checking that each of `names` is exported.
 *
 * @param instance The instantiated module.
 * @param names Every export `T` declares (the type makes the record complete).
 * @param what The module's name, for the error.
 * @returns The exports, typed.
 */
export function exportsOf<T extends object>(
  instance: WebAssembly.Instance,
  names: Record<keyof T, true>,
  what: string,
): T {
  const exports: object = instance.exports;
  const missing = Object.keys(names).filter((name) => !(name in exports));
  if (missing.length > 0) throw new LenetError(`${what} lacks the exports ${missing.join(", ")}: rebuild it`);
  return exports as T;
}
