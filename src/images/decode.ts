/**
 * Decoding the pictures people have (PNG or JPEG photos, scans, canvas drawings) into pixels, and
 * those pixels into gray levels; `digit.ts` then makes an MNIST-like digit of them.
 *
 * @module
 */
import { decode as decodePng } from "npm:fast-png@8.0.0";
import jpeg from "npm:jpeg-js@0.4.4";

import { readBounded } from "../_bounded_read.ts";
import { ImageError } from "./digit.ts";

/**
 * Largest image accepted, in pixels (16 MP: a phone photo is 12), checked from the header before
 * any decoding: decoding one costs about 12 bytes a pixel at its peak, so at most ~200 MB.
 */
export const MAX_PIXELS = 16_000_000;
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

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function isPng(bytes: Uint8Array): boolean {
  return PNG_SIGNATURE.every((b, i) => bytes[i] === b);
}

function isJpeg(bytes: Uint8Array): boolean {
  return bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

/** Width and height from the PNG IHDR chunk or the JPEG SOF marker, without decoding. */
function headerSize(bytes: Uint8Array): { width: number; height: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (isPng(bytes)) {
    // the first chunk must be IHDR (13 bytes): its size is the one the decoder will use
    const ihdr = bytes.length >= 33 && view.getUint32(8) === 13 &&
      String.fromCharCode(...bytes.subarray(12, 16)) === "IHDR";
    if (!ihdr) throw new ImageError("Corrupt PNG: the first chunk is not IHDR");
    return { width: view.getUint32(16), height: view.getUint32(20) };
  }
  for (let i = 2; i + 9 < bytes.length;) {
    if (bytes[i] !== 0xff) throw new ImageError("Corrupt JPEG: bad marker");
    const marker = bytes[i + 1]!;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: view.getUint16(i + 5), width: view.getUint16(i + 7) };
    }
    i += 2 + view.getUint16(i + 2);
  }
  throw new ImageError("Truncated JPEG: no frame header");
}

/**
 * Decodes a PNG (gray, gray+alpha, RGB, RGBA, palette; 1 to 16 bit; interlaced or not) or a JPEG,
 * refusing images over {@linkcode MAX_PIXELS} from their header alone.
 *
 * @param bytes The file's content.
 * @param maxPixels Largest accepted width x height.
 * @returns The decoded samples.
 * @throws {ImageError} When the bytes are not a PNG or JPEG, are corrupt, or the image is too big.
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
export function decodeImage(bytes: Uint8Array, maxPixels = MAX_PIXELS): RasterImage {
  if (!isPng(bytes) && !isJpeg(bytes)) throw new ImageError("Not a PNG or JPEG image");
  const { width, height } = headerSize(bytes);
  if (width === 0 || height === 0) throw new ImageError(`Empty image: ${width}x${height}`);
  if (width * height > maxPixels) {
    throw new ImageError(
      `Image too large: ${width}x${height} exceeds the limit of ${maxPixels.toLocaleString("en-US")} pixels`,
    );
  }
  try {
    return isPng(bytes) ? fromPng(bytes) : fromJpeg(bytes, maxPixels);
  } catch (error) {
    if (error instanceof ImageError) throw error;
    const kind = isPng(bytes) ? "PNG" : "JPEG";
    const why = (error as Error).message.split("\n")[0]!.replace(/[:.\s]+$/, "");
    throw new ImageError(`Corrupt ${kind}: ${why}`);
  }
}

/** Samples of 1, 2 or 4 bits come packed, each row padded to a byte; one sample per element here. */
function unpackSamples(
  packed: ArrayLike<number>,
  width: number,
  height: number,
  channels: number,
  depth: number,
) {
  if (depth >= 8) return packed;
  const perRow = width * channels, rowBytes = Math.ceil(perRow * depth / 8), mask = (1 << depth) - 1;
  const out = new Uint8Array(perRow * height);
  for (let y = 0; y < height; y++) {
    for (let i = 0; i < perRow; i++) {
      const bit = i * depth;
      out[y * perRow + i] = (packed[y * rowBytes + (bit >> 3)]! >> (8 - depth - (bit & 7))) & mask;
    }
  }
  return out;
}

function fromPng(bytes: Uint8Array): RasterImage {
  const png = decodePng(bytes);
  const { width, height } = png;
  const samples = unpackSamples(png.data, width, height, png.palette ? 1 : png.channels, png.depth);
  if (png.palette) {
    const palette = png.palette;
    const hasAlpha = palette.some((entry) => entry.length === 4);
    const channels = hasAlpha ? 4 : 3;
    const data = new Uint8Array(width * height * channels);
    const indices = samples;
    for (let i = 0; i < width * height; i++) {
      const entry = palette[indices[i]!] ?? [0, 0, 0, 255];
      for (let c = 0; c < channels; c++) data[i * channels + c] = entry[c] ?? 255;
    }
    return { width, height, channels, maxValue: 255, data };
  }
  return { width, height, channels: png.channels, maxValue: (1 << png.depth) - 1, data: samples };
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
export function toGray(image: RasterImage): Float32Array {
  const { width, height, channels, maxValue, data } = image;
  const gray = new Float32Array(width * height);
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
