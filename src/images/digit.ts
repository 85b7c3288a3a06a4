/**
 * From any grayscale picture of one digit to the 28x28 the model expects, the way MNIST's own
 * images were made: the paper's level read from the picture's border, ink white on black, other
 * marks cleared (ruled lines, specks, the margin), cropped to the ink, scaled to fit 20x20 keeping
 * the aspect ratio, and placed in 28x28 with its centre of mass at the centre. The steps run in
 * WebAssembly (`wasm/prepare.c`, which says why each step is as it is), one call per picture.
 *
 * @module
 */
import { ArgumentError, LenetError, messageOf } from "../errors.ts";
import { count, floats } from "../_arguments.ts";
import { type Preparation, prepareGray } from "./_preparation.ts";

/** Raised when a file is not an image we read, or holds nothing that looks like a digit. */
export class ImageError extends LenetError {}

// a JavaScript caller's wrong argument, named, before the preparation indexes into it
function checkGrayArguments(gray: Float32Array, width: number, height: number): void {
  floats(gray, "prepareDigit(gray)");
  count(width, "prepareDigit(width)", 1);
  count(height, "prepareDigit(height)", 1);
  if (gray.length < width * height) {
    throw new ArgumentError(
      `prepareDigit(gray): expected width x height = ${width * height} floats, got ${gray.length}`,
    );
  }
}

/** The prepared digit and what preparation found. */
export interface PreparedDigit {
  /** 28x28 floats in [0, 1], white ink on black, row-major. */
  pixels: Float32Array;
  /** True when the picture was dark ink on light paper and was inverted. */
  inverted: boolean;
  /** The ink's bounding box in the original picture: x, y, width, height. */
  box: [number, number, number, number];
}

/**
 * Runs a preparation and gives its digit, or the error of a blank picture, or of one too large for
 * a WebAssembly memory (4 GB: the preparation needs ~12 bytes a pixel, a picture of ~300 MP).
 *
 * @param prepare The preparation of one picture.
 * @param width Its width.
 * @param height Its height.
 * @returns The digit.
 * @throws {ImageError} When the picture is blank, or too large.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { digitOf } from "./digit.ts";
 * assert.throws(() => digitOf(() => ({ blank: true, contrast: 0.04 }), 10, 10), /contrast 0\.04/);
 * ```
 */
export function digitOf(prepare: () => Preparation, width: number, height: number): PreparedDigit {
  let found: Preparation;
  try {
    found = prepare();
  } catch (error) {
    // the module traps (unreachable) where its memory cannot grow; anything else is a fault
    const full = error instanceof WebAssembly.RuntimeError && /unreachable/.test(messageOf(error));
    if (!full && !(error instanceof RangeError)) throw error;
    throw new ImageError(`A ${width}x${height} picture is too large to prepare: ${messageOf(error)}`);
  }
  if (found.blank) {
    throw new ImageError(`No digit found: the image is blank (contrast ${found.contrast.toFixed(2)})`);
  }
  const { pixels, inverted, box } = found;
  return { pixels, inverted, box };
}

/**
 * Prepares a grayscale picture of one digit as MNIST's images were prepared.
 *
 * @param gray Gray levels in [0, 1] (0 black), row-major, as {@linkcode toGray} gives.
 * @param width Picture width.
 * @param height Picture height.
 * @returns The 28x28 input and what was done.
 * @throws {ImageError} When the picture is blank.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { prepareDigit } from "./digit.ts";
 * const gray = new Float32Array(100 * 60).fill(1); // white paper
 * for (let y = 10; y < 50; y++) for (let x = 45; x < 55; x++) gray[y * 100 + x] = 0; // a dark bar: "1"
 * const { pixels, inverted, box } = prepareDigit(gray, 100, 60);
 * assert.equal(inverted, true);
 * assert.deepEqual(box, [45, 10, 10, 40]);
 * assert.equal(pixels[14 * 28 + 14], 1); // white ink at the centre of the 28x28
 * ```
 */
export function prepareDigit(gray: Float32Array, width: number, height: number): PreparedDigit {
  checkGrayArguments(gray, width, height);
  return digitOf(() => prepareGray(gray, width, height), width, height);
}
