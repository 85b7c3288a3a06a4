/**
 * A decoded picture (its samples, as any decoder or a canvas gives them) and its gray levels: what
 * every path from a file or a canvas to the digit shares. No codec here, so the decoding process,
 * predict and the page load none they do not use (`decode.ts` holds the in-process codecs).
 *
 * @module
 */
import { readBounded } from "../_bounded_read.ts";
import { digitOf, ImageError, type PreparedDigit, prepareDigit } from "./digit.ts";
import { grayOfRgba, prepareRgba } from "./_preparation.ts";
import { ArgumentError } from "../errors.ts";

/** Largest image file accepted, in bytes. */
export const MAX_IMAGE_BYTES: number = 64 * 1024 * 1024;

/** A decoded image: `channels` values per pixel (gray, gray+alpha, RGB or RGBA), 0..`maxValue`. */
export interface RasterImage {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA. */
  channels: number;
  /** Largest sample value: 255 for 8-bit, 65535 for 16-bit. */
  maxValue: number;
  /** Samples, row-major, interleaved. */
  data: ArrayLike<number>;
}

/**
 * Gray levels in [0, 1], with any alpha flattened onto white paper (so a canvas drawing, dark
 * strokes on a transparent background, becomes dark strokes on white).
 *
 * @param image Decoded samples.
 * @param into Where to write, at least one float per pixel (its first `width * height` are
 *   used); by default a new array.
 * @returns One float per pixel, 0 black, 1 white.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toGray } from "./raster.ts";
 * const gray = toGray({ width: 2, height: 1, channels: 2, maxValue: 255, data: [0, 255, 0, 0] });
 * assert.deepEqual(gray, Float32Array.of(0, 1)); // opaque black, then transparent (white paper)
 * ```
 */
export function toGray(image: RasterImage, into?: Float32Array): Float32Array {
  checkRaster(image);
  const { width, height, channels, maxValue, data } = image;
  const gray = into?.subarray(0, width * height) ?? new Float32Array(width * height);
  if (gray.length !== width * height) {
    throw new ArgumentError(`toGray(into): needs ${width * height} floats to write into, has ${gray.length}`);
  }
  // a canvas's or a decoder's 8-bit RGBA, the common case: in WebAssembly, with the same arithmetic
  if (channels === 4 && (data instanceof Uint8Array || data instanceof Uint8ClampedArray)) {
    grayOfRgba(data, width, height, maxValue, gray);
    return gray;
  }
  const hasAlpha = channels === 2 || channels === 4;
  for (let i = 0; i < width * height; i++) {
    const p = i * channels;
    const luma = channels >= 3 ? 0.299 * data[p]! + 0.587 * data[p + 1]! + 0.114 * data[p + 2]! : data[p]!;
    const alpha = hasAlpha ? data[p + channels - 1]! / maxValue : 1;
    gray[i] = alpha * (luma / maxValue) + (1 - alpha);
  }
  return gray;
}

/**
 * Prepares the digit of a decoded picture, as {@linkcode prepareDigit} does with its gray levels
 * (8-bit RGBA, a canvas's, goes to WebAssembly as it is: its gray levels and the digit in one call).
 *
 * @param image Decoded samples.
 * @returns The 28x28 input and what was done.
 * @throws {ImageError} When a field of the raster is wrong, or the picture is blank.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { prepareRaster } from "./raster.ts";
 * const data = new Uint8Array(60 * 60 * 4).fill(255); // white paper
 * for (let y = 10; y < 50; y++) for (let x = 27; x < 33; x++) data.fill(0, 4 * (y * 60 + x), 4 * (y * 60 + x) + 3);
 * const { inverted, box } = prepareRaster({ width: 60, height: 60, channels: 4, maxValue: 255, data });
 * assert.equal(inverted, true);
 * assert.deepEqual(box, [27, 10, 6, 40]);
 * ```
 */
export function prepareRaster(image: RasterImage): PreparedDigit {
  checkRaster(image);
  const { width, height, channels, maxValue, data } = image;
  if (channels === 4 && (data instanceof Uint8Array || data instanceof Uint8ClampedArray)) {
    return digitOf(() => prepareRgba(data, width, height, maxValue), width, height);
  }
  return prepareDigit(toGray(image), width, height);
}

/**
 * Checks a raster as a JavaScript caller may hand it over (a field missing, NaN, a typed array too
 * short), naming the field.
 *
 * @param image The raster.
 * @throws {ImageError} When a field is missing or wrong.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkRaster } from "./raster.ts";
 * const data = new Uint8Array(4);
 * assert.throws(() => checkRaster({ width: 2, height: 2, channels: 1, data } as never), /image\.maxValue/);
 * checkRaster({ width: 2, height: 2, channels: 1, maxValue: 255, data });
 * ```
 */
export function checkRaster(image: RasterImage): void {
  const bad = (field: string, expected: string, got: unknown) =>
    new ImageError(
      `Invalid image${field}: expected ${expected}, got ${
        got !== null && typeof got === "object" ? typeof got : got
      }`,
    );
  if (typeof image !== "object" || image === null) throw bad("", "a raster object", image);
  const { width, height, channels, maxValue, data } = image;
  for (const [field, value] of [["width", width], ["height", height]] as const) {
    if (!Number.isInteger(value) || value < 1) throw bad(`.${field}`, "a positive integer", value);
  }
  if (![1, 2, 3, 4].includes(channels)) throw bad(".channels", "1, 2, 3 or 4", channels);
  if (!(Number.isFinite(maxValue) && maxValue > 0)) {
    throw bad(".maxValue", "a positive number (255 for 8-bit samples)", maxValue);
  }
  if (typeof data?.length !== "number") throw bad(".data", "an array of samples", data);
  if (data.length < width * height * channels) {
    throw bad(".data", `${width * height * channels} samples (width x height x channels)`, `${data.length}`);
  }
}

/**
 * Reads an image file, refusing anything but a regular file of at most `maxBytes`.
 *
 * @param path The file.
 * @param maxBytes The largest file accepted.
 * @returns Its bytes, for {@linkcode decodeImage}.
 * @throws {ImageError} When the file is missing, not a regular file, or too large.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ImageError } from "./digit.ts";
 * import { readImageFile } from "./raster.ts";
 * await assert.rejects(readImageFile("/dev/zero"), ImageError);
 * ```
 */
export function readImageFile(path: string, maxBytes: number = MAX_IMAGE_BYTES): Promise<Uint8Array> {
  return readBounded(path, maxBytes, (reason) => new ImageError(reason));
}
