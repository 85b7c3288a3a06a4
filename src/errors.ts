/**
 * The one base class of every error this module throws on purpose: catch `LenetError` to tell a
 * problem with the input (a bad file, flag or configuration) from a bug. Each subclass names its
 * kind of problem, and its `name` is its class name.
 *
 * @module
 */

/**
 * An error this module raised on purpose, with a one-line message naming the bad input.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LenetError } from "./errors.ts";
 * class ShapeError extends LenetError {}
 * const error = new ShapeError("Invalid shape: expected [28, 28], got [3]");
 * assert.ok(error instanceof LenetError);
 * assert.equal(error.name, "ShapeError");
 * ```
 */
export class LenetError extends Error {
  /**
   * Creates the error; its `name` is the class's own.
   *
   * @param message What is wrong, naming the input.
   * @param options The `cause`, when another error led to this one.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * The first line of an error's message (or of what was thrown): what a message of ours quotes
 * from a library's error, whose later lines are its stack or its context.
 *
 * @param error What was thrown.
 * @returns Its message's first line.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { firstLine } from "./errors.ts";
 * assert.equal(firstLine(new SyntaxError("Unexpected token\n    at JSON.parse")), "Unexpected token");
 * assert.equal(firstLine("plain"), "plain");
 * ```
 */
export function firstLine(error: unknown): string {
  return messageOf(error).split("\n")[0]!;
}

/**
 * The message of what was thrown: an error's (or an error-like object's) `message`, else the
 * thrown value as a string.
 *
 * @param error What was thrown.
 * @returns Its message.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { messageOf } from "./errors.ts";
 * assert.equal(messageOf(new RangeError("too big")), "too big");
 * assert.equal(messageOf({ message: "from another realm" }), "from another realm");
 * assert.equal(messageOf(42), "42");
 * ```
 */
export function messageOf(error: unknown): string {
  if (
    typeof error === "object" && error !== null && "message" in error && typeof error.message === "string"
  ) {
    return error.message;
  }
  return String(error);
}

/**
 * A public function's argument is not what its type says: a JavaScript caller's missing field,
 * `NaN`, wrong length or wrong type. The message names the function and the argument or field.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ArgumentError, LenetError } from "./errors.ts";
 * const error = new ArgumentError("classify(pixels): expected a Float32Array, got a number (3)");
 * assert.ok(error instanceof LenetError);
 * ```
 */
export class ArgumentError extends LenetError {}
