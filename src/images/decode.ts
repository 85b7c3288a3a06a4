/**
 * Decoding PNG and JPEG files into pixels in the caller's process, synchronously (our PNG decoder,
 * jpeg-js); `raster.ts` turns pixels into gray levels and `digit.ts` makes an MNIST-like digit of
 * them. Photos from people go through `PictureDecoder` (libvips, in a process of its own) instead.
 *
 * @module
 */
import jpeg from "../npm/jpeg_js.ts";

import { firstLine } from "../errors.ts";
import { ImageError } from "./digit.ts";
import { bytes as checkBytes, object } from "../_arguments.ts";
import { jpegCost } from "./jpeg.ts";
import { decodePng, isPng } from "./png.ts";
import type { RasterImage } from "./raster.ts";

export { checkRaster, MAX_IMAGE_BYTES, type RasterImage, readImageFile, toGray } from "./raster.ts";

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
/** What a JPEG decoder may allocate, in MB (jpeg-js's own guard, for every frame it meets). */
const JPEG_MAX_MEMORY_MB = 160;

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
  checkBytes(bytes, "decodeImage(bytes)");
  const { maxPixels, maxJpegScans, maxJpegBlockVisits } = {
    ...IMAGE_LIMITS,
    ...object(limits, "decodeImage(limits)"),
  };
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
