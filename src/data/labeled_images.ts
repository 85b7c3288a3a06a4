/**
 * The data type everything trains and evaluates on: images and labels as bytes, exactly as the
 * IDX files hold them, and views of a part of a set (no copy).
 *
 * @module
 */
import { ArgumentError, LenetError } from "../errors.ts";
import { count } from "../_arguments.ts";
import { showAs } from "../display_hook.ts";
import type { LabeledImages } from "./types.ts";

export type { LabeledImages } from "./types.ts";

/**
 * Splits the last `fraction` of a set off as validation data, as Keras' `validation_split` does.
 *
 * @param set The full training set.
 * @param fraction Share of examples to hold out, in [0, 1).
 * @returns The two parts (views, no copy).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { splitValidation } from "./labeled_images.ts";
 * const set = { images: new Uint8Array(40), labels: new Uint8Array(10), count: 10, rows: 2, cols: 2 };
 * const { train, validation } = splitValidation(set, 0.2);
 * assert.deepEqual([train.count, validation.count], [8, 2]);
 * ```
 */
export function splitValidation(
  set: LabeledImages,
  fraction: number,
): { train: LabeledImages; validation: LabeledImages } {
  const nVal = Math.round(set.count * fraction);
  return {
    train: takeRange(set, 0, set.count - nVal),
    validation: takeRange(set, set.count - nVal, set.count),
  };
}

/**
 * The examples `start .. end-1` of a set, as views.
 *
 * @param set Any labelled set.
 * @param start First example.
 * @param end One past the last example.
 * @returns The sub-set.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { takeRange } from "./labeled_images.ts";
 * const set = { images: Uint8Array.of(1, 2, 3, 4, 5, 6), labels: Uint8Array.of(7, 8, 9), count: 3, rows: 1, cols: 2 };
 * const tail = takeRange(set, 1, 3);
 * assert.deepEqual([tail.count, [...tail.images], [...tail.labels]], [2, [3, 4, 5, 6], [8, 9]]);
 * ```
 */
export function takeRange(set: LabeledImages, start: number, end: number): LabeledImages {
  checkLabeledSet(set, "takeRange(set)");
  count(start, "takeRange(start)");
  count(end, "takeRange(end)", start);
  if (end > set.count) throw new DataError(`takeRange(end): the set has ${set.count} images, got ${end}`);
  const size = set.rows * set.cols;
  return showable({
    ...set,
    images: set.images.subarray(start * size, end * size),
    labels: set.labels.subarray(start, end),
    count: end - start,
  });
}

/**
 * A set that shows itself in a Jupyter notebook as a grid of its first images and their labels.
 *
 * @param set The set.
 * @returns The same set.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { showable } from "./labeled_images.ts";
 * const set = showable({ images: new Uint8Array(4), labels: Uint8Array.of(1), count: 1, rows: 2, cols: 2 });
 * assert.deepEqual(Object.keys(set), ["images", "labels", "count", "rows", "cols"]); // nothing else seen
 * ```
 */
export function showable(set: LabeledImages): LabeledImages {
  return showAs(set, "images");
}

/** Raised when data do not fit the model, such as a label the model has no output for. */
export class DataError extends LenetError {}

/**
 * Checks that every label is a class the model has: an integer in 0..numClasses-1. One such
 * label would otherwise train silently wrong (no one-hot, a NaN loss).
 *
 * @param labels Class indices.
 * @param numClasses Classes of the model.
 * @throws {DataError} Naming the first bad label and where it is.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkLabels, DataError } from "./labeled_images.ts";
 * checkLabels(Uint8Array.of(0, 9, 3), 10);
 * assert.throws(() => checkLabels(Uint8Array.of(0, 12), 10), DataError);
 * ```
 */
export function checkLabels(labels: ArrayLike<number>, numClasses: number): void {
  if (typeof labels !== "object" || labels === null || typeof labels.length !== "number") {
    throw new DataError(
      `Expected labels as an array or typed array, got ${labels === null ? "null" : typeof labels}`,
    );
  }
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    if (!(Number.isInteger(label) && label >= 0 && label < numClasses)) {
      throw new DataError(
        `Invalid label ${label} at index ${i}: the model has ${numClasses} classes (0 to ${numClasses - 1})`,
      );
    }
  }
}

/**
 * Checks that a value is a labeled set, as a JavaScript caller may hand anything.
 *
 * @param value The argument.
 * @param what The function and argument, as the message names them.
 * @throws {ArgumentError} When it is not a whole set.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkLabeledSet } from "./labeled_images.ts";
 * assert.throws(() => checkLabeledSet({ count: 1 }, "evaluate(set)"), /evaluate\(set\): expected a labeled set/);
 * ```
 */
export function checkLabeledSet(value: unknown, what: string): asserts value is LabeledImages {
  const set = value as Partial<LabeledImages> | null | undefined;
  const whole = set?.images instanceof Uint8Array && set.labels instanceof Uint8Array &&
    [set.count, set.rows, set.cols].every((n) => Number.isSafeInteger(n) && n! >= 0) &&
    set.images.length >= set.count! * set.rows! * set.cols! && set.labels.length >= set.count!;
  if (!whole) {
    throw new ArgumentError(
      `${what}: expected a labeled set ({ images, labels, count, rows, cols }, as loadMnist gives)`,
    );
  }
}

/**
 * Checks that a set can feed a model: at least one image, each of the model's input size.
 *
 * @param set The set.
 * @param inputShape The model's `[height, width, channels]` (one channel: IDX images are gray).
 * @param what The set's role, for the message (e.g. `training set`).
 * @throws {DataError} When the set is empty or its images are of another size.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkImagesFit, DataError } from "./labeled_images.ts";
 * const set = { images: new Uint8Array(2 * 32 * 32), labels: new Uint8Array(2), count: 2, rows: 32, cols: 32 };
 * assert.throws(() => checkImagesFit(set, [28, 28, 1], "test set"), DataError);
 * ```
 */
export function checkImagesFit(set: LabeledImages, inputShape: readonly number[], what: string): void {
  if (set.count < 1) throw new DataError(`The ${what} holds no image`);
  const [h, w, c] = inputShape;
  if (set.rows !== h || set.cols !== w || c !== 1) {
    throw new DataError(
      `The ${what}'s images are ${set.rows}x${set.cols}x1, the model takes ${inputShape.join("x")}`,
    );
  }
}
