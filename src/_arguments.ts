/**
 * Checks of a public function's arguments, for JavaScript callers (TypeScript's types are gone at
 * run time): each returns the value with its type, or throws an {@linkcode ArgumentError} that
 * names the function and the argument (`what`) and says what it got.
 *
 * @module
 */
import { ArgumentError } from "./errors.ts";

/** What a value is, in a few words, for an error message. */
function got(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  if (typeof value === "object") return "an object";
  return `a ${typeof value} (${String(value).slice(0, 40)})`;
}

const wrong = (what: string, expected: string, value: unknown) =>
  new ArgumentError(`${what}: expected ${expected}, got ${got(value)}`);

/**
 * A `Float32Array`.
 *
 * @param value The argument.
 * @param what The function and argument, as the message names them.
 * @returns The array.
 * @throws {ArgumentError} When it is not one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { floats } from "./_arguments.ts";
 * assert.throws(() => floats([0, 1], "f(pixels)"), /f\(pixels\): expected a Float32Array, got an array of 2/);
 * ```
 */
export function floats(value: unknown, what: string): Float32Array {
  if (!(value instanceof Float32Array)) throw wrong(what, "a Float32Array", value);
  return value;
}

/**
 * A `Uint8Array` (a file's bytes).
 *
 * @param value The argument.
 * @param what The function and argument.
 * @returns The bytes.
 * @throws {ArgumentError} When it is not one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bytes } from "./_arguments.ts";
 * assert.throws(() => bytes("abc", "f(bytes)"), /expected a Uint8Array, got a string \(abc\)/);
 * ```
 */
export function bytes(value: unknown, what: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw wrong(what, "a Uint8Array", value);
  return value;
}

/**
 * A whole number of at least `min`.
 *
 * @param value The argument.
 * @param what The function and argument.
 * @param min The smallest accepted.
 * @returns The number.
 * @throws {ArgumentError} When it is not one (NaN, a fraction, a string, below `min`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { count } from "./_arguments.ts";
 * assert.equal(count(3, "f(n)"), 3);
 * assert.throws(() => count(NaN, "f(n)"), /f\(n\): expected a whole number of at least 0, got a number \(NaN\)/);
 * ```
 */
export function count(value: unknown, what: string, min = 0): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
    throw wrong(what, `a whole number of at least ${min}`, value);
  }
  return value;
}

/**
 * A finite number above 0.
 *
 * @param value The argument.
 * @param what The function and argument.
 * @returns The number.
 * @throws {ArgumentError} When it is not one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { positive } from "./_arguments.ts";
 * assert.throws(() => positive(-1, "f(ms)"), /expected a number above 0/);
 * ```
 */
export function positive(value: unknown, what: string): number {
  if (typeof value !== "number" || !(value > 0) || !Number.isFinite(value)) {
    throw wrong(what, "a number above 0", value);
  }
  return value;
}

/**
 * An object (an options object, or a required one): an absent options object is `{}`; `null`, an
 * array or a primitive is refused, and an absent required one.
 *
 * @param value The argument.
 * @param what The function and argument.
 * @param required Whether it must be there (else absent is `{}`).
 * @returns The object.
 * @throws {ArgumentError} When it is not an object.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { object } from "./_arguments.ts";
 * assert.deepEqual(object(undefined, "f(options)"), {});
 * assert.throws(() => object(null as unknown as object, "f(options)"), /f\(options\): expected an object, got null/);
 * ```
 */
export function object<T extends object>(
  value: T | undefined,
  what: string,
  required = false,
): T | Record<never, never> {
  if (value === undefined && !required) return {};
  if (value === null || typeof value !== "object" || Array.isArray(value) || ArrayBuffer.isView(value)) {
    throw wrong(what, "an object", value);
  }
  return value;
}

/**
 * A file path or a `file:` URL.
 *
 * @param value The argument.
 * @param what The function and argument.
 * @returns The path or URL.
 * @throws {ArgumentError} When it is neither.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pathLike } from "./_arguments.ts";
 * assert.throws(() => pathLike(3, "f(dir)"), /f\(dir\): expected a path or a URL, got a number \(3\)/);
 * ```
 */
export function pathLike(value: unknown, what: string): string | URL {
  if (!(typeof value === "string" && value !== "") && !(value instanceof URL)) {
    throw wrong(what, "a path or a URL", value);
  }
  return value;
}

/**
 * A string.
 *
 * @param value The argument.
 * @param what The function and argument.
 * @returns The string.
 * @throws {ArgumentError} When it is not one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { text } from "./_arguments.ts";
 * assert.throws(() => text(null, "f(svg)"), /expected a string, got null/);
 * ```
 */
export function text(value: unknown, what: string): string {
  if (typeof value !== "string") throw wrong(what, "a string", value);
  return value;
}

/**
 * An array.
 *
 * @param value The argument.
 * @param what The function and argument.
 * @returns The array.
 * @throws {ArgumentError} When it is not one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { list } from "./_arguments.ts";
 * assert.throws(() => list(3, "f(digits)"), /expected an array, got a number \(3\)/);
 * ```
 */
export function list(value: unknown, what: string): readonly unknown[] {
  if (!Array.isArray(value)) throw wrong(what, "an array", value);
  return value;
}
