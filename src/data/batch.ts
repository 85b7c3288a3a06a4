/**
 * Turning bytes into what the network eats: pixels scaled to [0, 1] and labels one-hot encoded.
 *
 * @module
 */
import { checkLabels } from "./labeled_images.ts";
import { ArgumentError } from "../errors.ts";
import { bytes, floats } from "../_arguments.ts";

/** Largest value of an 8-bit pixel: the divisor that maps bytes onto [0, 1]. */
export const PIXEL_MAX = 255;

/**
 * Scales 8-bit pixels to float32 in [0, 1] (`p / 255`).
 *
 * @param pixels Bytes, any number of images back to back.
 * @param out Where to write; allocated when omitted. Must hold `pixels.length` floats.
 * @returns `out`, filled.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { normalizePixels } from "./batch.ts";
 * assert.deepEqual(normalizePixels(new Uint8Array([0, 51, 255])), Float32Array.of(0, 0.2, 1));
 * ```
 */
export function normalizePixels(
  pixels: Uint8Array,
  out?: Float32Array,
): Float32Array {
  bytes(pixels, "normalizePixels(pixels)");
  out = out === undefined ? new Float32Array(pixels.length) : floats(out, "normalizePixels(out)");
  if (out.length < pixels.length) {
    throw new ArgumentError(
      `normalizePixels(out): too small: needs ${pixels.length} floats, has ${out.length}`,
    );
  }
  for (let i = 0; i < pixels.length; i++) out[i] = pixels[i]! / PIXEL_MAX;
  return out;
}

/**
 * Encodes class indices as one-hot float32 rows.
 *
 * @param labels One class index per example.
 * @param numClasses Width of each row.
 * @returns `labels.length * numClasses` floats, row `i` holding a single 1 at `labels[i]`.
 * @throws {DataError} When a label is not a class: an integer below `numClasses`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { oneHot } from "./batch.ts";
 * assert.deepEqual(oneHot(new Uint8Array([2, 0]), 3), Float32Array.of(0, 0, 1, 1, 0, 0));
 * ```
 */
export function oneHot(labels: ArrayLike<number>, numClasses = 10): Float32Array {
  checkLabels(labels, numClasses);
  const out = new Float32Array(labels.length * numClasses);
  for (let i = 0; i < labels.length; i++) out[i * numClasses + labels[i]!] = 1;
  return out;
}

/**
 * Gathers the images at `indices` into one normalised batch, and their one-hot labels.
 *
 * @param images Bytes of all images, back to back.
 * @param labels Class index of every image.
 * @param indices Which images form the batch, in order.
 * @param imageSize Pixels per image (784 for MNIST).
 * @param numClasses Width of the one-hot rows.
 * @returns Pixels in [0, 1] (`indices.length * imageSize`) and one-hot labels.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gatherBatch } from "./batch.ts";
 * const b = gatherBatch(new Uint8Array([0, 255, 255, 0]), new Uint8Array([1, 0]), [1], 2, 2);
 * assert.deepEqual([b.x, b.y], [Float32Array.of(1, 0), Float32Array.of(1, 0)]);
 * ```
 */
export function gatherBatch(
  images: Uint8Array,
  labels: Uint8Array,
  indices: ArrayLike<number>,
  imageSize: number,
  numClasses = 10,
): { x: Float32Array; y: Float32Array } {
  const x = new Float32Array(indices.length * imageSize);
  const picked = new Uint8Array(indices.length);
  for (let b = 0; b < indices.length; b++) {
    const i = indices[b]!;
    normalizePixels(images.subarray(i * imageSize, (i + 1) * imageSize), x.subarray(b * imageSize));
    picked[b] = labels[i]!;
  }
  return { x, y: oneHot(picked, numClasses) };
}

/**
 * Gathers the raw bytes of the images at `indices`, and their labels as class indices: a batch
 * for `FusedTrainer.step`, which scales the pixels itself.
 *
 * @param images Bytes of all images, back to back.
 * @param labels Class index of every image.
 * @param indices Which images form the batch, in order.
 * @param imageSize Pixels per image (784 for MNIST).
 * @returns `indices.length * imageSize` bytes and `indices.length` labels.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gatherBytes } from "./batch.ts";
 * const b = gatherBytes(new Uint8Array([0, 255, 7, 9]), new Uint8Array([1, 0]), [1, 0], 2);
 * assert.deepEqual([b.pixels, b.labels], [Uint8Array.of(7, 9, 0, 255), Int32Array.of(0, 1)]);
 * ```
 */
export function gatherBytes(
  images: Uint8Array,
  labels: Uint8Array,
  indices: ArrayLike<number>,
  imageSize: number,
): { pixels: Uint8Array; labels: Int32Array } {
  const pixels = new Uint8Array(indices.length * imageSize), picked = new Int32Array(indices.length);
  for (let b = 0; b < indices.length; b++) {
    const i = indices[b]!;
    pixels.set(images.subarray(i * imageSize, (i + 1) * imageSize), b * imageSize);
    picked[b] = labels[i]!;
  }
  return { pixels, labels: picked };
}
