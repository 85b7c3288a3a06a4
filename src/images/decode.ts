/**
 * Decoding the pictures people have (PNG or JPEG photos, scans, canvas drawings) into pixels, and
 * those pixels into gray levels; `digit.ts` then makes an MNIST-like digit of them.
 *
 * @module
 */
import jpeg from "npm:jpeg-js@0.4.4";

import { firstLine } from "../errors.ts";
import { readBounded } from "../_bounded_read.ts";
import { ImageError } from "./digit.ts";
import { jpegCost } from "./jpeg.ts";
import { decodePng, isPng } from "./png.ts";

/** The bounds every decoding stays within; each can be raised or lowered through `decodeImage`. */
export interface ImageLimits {
  /**
   * Largest image, in pixels (16 MP: a phone photo is 12), checked from the header before any
   * decoding. Decoding one costs at most about 12 bytes a pixel at its peak, so ~200 MB.
   * @default {16_000_000}
   */
  maxPixels: number;
  /**
   * Most scans a JPEG may have (a progressive JPEG from a camera or an encoder has about 10).
   * @default {1000}
   */
  maxJpegScans: number;
  /**
   * Most 8x8 blocks a JPEG decoder may visit over all its scans: 32 passes over the 750,000
   * blocks of a 16 MP image in full colour (a progressive JPEG from an encoder makes about 5).
   * Visiting a block costs jpeg-js about 22 ns here, so ~0.5 s at most.
   * @default {24_000_000}
   */
  maxJpegBlockVisits: number;
}

/** The default {@linkcode ImageLimits}. */
export const IMAGE_LIMITS: Readonly<ImageLimits> = Object.freeze({
  maxPixels: 16_000_000,
  maxJpegScans: 1000,
  maxJpegBlockVisits: 24_000_000,
});

/** Largest image accepted by default, in pixels: {@linkcode IMAGE_LIMITS}' `maxPixels`. */
export const MAX_PIXELS: number = IMAGE_LIMITS.maxPixels;
/** Largest image file accepted, in bytes. */
export const MAX_IMAGE_BYTES: number = 64 * 1024 * 1024;
/** What a JPEG decoder may allocate, in MB (jpeg-js's own guard, for every frame it meets). */
const JPEG_MAX_MEMORY_MB = 160;

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

function isJpeg(bytes: Uint8Array): boolean {
  return bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

function tooLarge(width: number, height: number, maxPixels: number): ImageError {
  return new ImageError(
    `Image too large: ${width}x${height} exceeds the limit of ${maxPixels.toLocaleString("en-US")} pixels`,
  );
}

/**
 * Decodes a PNG (gray, gray+alpha, RGB, RGBA, palette; 1 to 16 bit; interlaced or not) or a JPEG
 * (baseline or progressive), within {@linkcode ImageLimits}: the size from the header, a PNG's
 * inflated data against what that header needs, a JPEG's scans and block visits from its markers.
 *
 * @param bytes The file's content.
 * @param limits Bounds other than {@linkcode IMAGE_LIMITS}.
 * @returns The decoded samples.
 * @throws {ImageError} When the bytes are not a PNG or JPEG, are corrupt, or pass a limit.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeImage } from "./decode.ts";
 * const image = decodeImage(await Deno.readFile(new URL("../../tests/fixtures/photo_7.jpg", import.meta.url)));
 * assert.equal(image.channels, 3); // RGB
 * assert.equal(image.data.length, image.width * image.height * 3);
 * ```
 */
export function decodeImage(bytes: Uint8Array, limits: Partial<ImageLimits> = {}): RasterImage {
  const { maxPixels, maxJpegScans, maxJpegBlockVisits } = { ...IMAGE_LIMITS, ...limits };
  if (isPng(bytes)) return decodePng(bytes, { maxPixels });
  if (!isJpeg(bytes)) throw new ImageError("Not a PNG or JPEG image");
  const cost = jpegCost(bytes);
  if (cost.width === 0 || cost.height === 0) {
    throw new ImageError(`Empty image: ${cost.width}x${cost.height}`);
  }
  if (cost.width * cost.height > maxPixels) throw tooLarge(cost.width, cost.height, maxPixels);
  if (cost.scans > maxJpegScans) {
    throw new ImageError(`JPEG has too many scans: ${cost.scans} exceeds the limit of ${maxJpegScans}`);
  }
  if (cost.blockVisits > maxJpegBlockVisits) {
    throw new ImageError(
      `JPEG costs too much to decode: its ${cost.scans} scans visit ${
        cost.blockVisits.toLocaleString("en-US")
      } blocks, over the limit of ${maxJpegBlockVisits.toLocaleString("en-US")}`,
    );
  }
  try {
    return fromJpeg(bytes, maxPixels);
  } catch (error) {
    if (error instanceof ImageError) throw error;
    const why = firstLine(error).replace(/[:.\s]+$/, "");
    throw new ImageError(`Corrupt JPEG: ${why}`);
  }
}

function fromJpeg(bytes: Uint8Array, maxPixels: number): RasterImage {
  const image = jpeg.decode(bytes, {
    useTArray: true,
    formatAsRGBA: false,
    maxResolutionInMP: maxPixels / 1e6,
    maxMemoryUsageInMB: JPEG_MAX_MEMORY_MB,
  });
  const channels = image.data.length / (image.width * image.height);
  return { width: image.width, height: image.height, channels, maxValue: 255, data: image.data };
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
 * import { toGray } from "./decode.ts";
 * const gray = toGray({ width: 2, height: 1, channels: 2, maxValue: 255, data: [0, 255, 0, 0] });
 * assert.deepEqual(gray, Float32Array.of(0, 1)); // opaque black, then transparent (white paper)
 * ```
 */
export function toGray(image: RasterImage, into?: Float32Array): Float32Array {
  checkRaster(image);
  const { width, height, channels, maxValue, data } = image;
  const gray = into?.subarray(0, width * height) ?? new Float32Array(width * height);
  if (gray.length !== width * height) {
    throw new RangeError(`toGray needs ${width * height} floats to write into`);
  }
  // a canvas's or a decoder's 8-bit RGBA, the common case, read through one array type (a loop
  // that sees one type runs ~5x faster than one over any ArrayLike); the same arithmetic
  if (channels === 4 && (data instanceof Uint8Array || data instanceof Uint8ClampedArray)) {
    grayOfRgba(new Uint8Array(data.buffer, data.byteOffset, data.length), maxValue, gray);
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
 * Checks a raster as a JavaScript caller may hand it over (a field missing, NaN, a typed array too
 * short), naming the field.
 *
 * @param image The raster.
 * @throws {ImageError} When a field is missing or wrong.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkRaster } from "./decode.ts";
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

function grayOfRgba(data: Uint8Array, maxValue: number, gray: Float32Array): void {
  for (let i = 0, p = 0; i < gray.length; i++, p += 4) {
    const luma = 0.299 * data[p]! + 0.587 * data[p + 1]! + 0.114 * data[p + 2]!;
    const alpha = data[p + 3]! / maxValue;
    gray[i] = alpha * (luma / maxValue) + (1 - alpha);
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
 * import { readImageFile } from "./decode.ts";
 * await assert.rejects(readImageFile("/dev/zero"), ImageError);
 * ```
 */
export function readImageFile(path: string, maxBytes: number = MAX_IMAGE_BYTES): Promise<Uint8Array> {
  return readBounded(path, maxBytes, (reason) => new ImageError(reason));
}
