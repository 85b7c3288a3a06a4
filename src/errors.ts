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
