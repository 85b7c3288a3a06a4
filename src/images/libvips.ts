/**
 * Decoding photos with libvips, through sharp's WebAssembly build (`@img/sharp-wasm32`): JPEG,
 * PNG, WebP, GIF (first frame), TIFF and AVIF; EXIF orientation applied; large pictures shrunk
 * while they load (a JPEG's DCT is decoded at 1/2 to 1/8 scale), so a 100 MP photo never exists at
 * full size. libvips is fuzzed upstream (OSS-Fuzz); its own limit on pixels is the bound, checked
 * by the decoder that allocates them.
 *
 * This module runs only in the decoding process (`_decode_process.ts`), never in a caller's: it
 * gives sharp a process environment of its own (sharp's WebAssembly runtime copies the whole
 * environment into libvips, which would need every `--allow-env`), and it is always the same
 * build: the native one would need `--allow-ffi`, which that process is never given.
 *
 * @module
 */
import process from "node:process";
import { ImageError } from "./digit.ts";
import { type PictureFormat, readFormat } from "./formats.ts";
import type { RasterImage } from "./raster.ts";

import type { Sharp } from "../npm/sharp.d.ts";
import { messageOf } from "../errors.ts";

/** A picture as libvips gave it, upright and at most `maxSide` on its longer side. */
export interface LibvipsPicture extends RasterImage {
  /** Width of the whole picture, upright, before shrinking. */
  fullWidth: number;
  /** Height of the whole picture, upright, before shrinking. */
  fullHeight: number;
  /** The file's format. */
  format: PictureFormat;
}

/** How `decodeWithLibvips` may decode. */
export interface LibvipsOptions {
  /** Largest picture accepted, width x height, as libvips counts it before decoding. */
  maxPixels: number;
  /** The longer side of the picture handed back; larger pictures are shrunk to it. */
  maxSide: number;
}

let loaded: Promise<Sharp> | undefined;

/**
 * Loads sharp's WebAssembly build once, with one libvips thread and no cache (each picture is
 * decoded once; a cache only holds memory).
 *
 * @returns sharp.
 *
 * @example
 * ```ts ignore
 * import { loadLibvips } from "./libvips.ts";
 * const sharp = await loadLibvips(); // only in the decoding process: it replaces process.env
 * ```
 */
export function loadLibvips(): Promise<Sharp> {
  loaded ??= (async () => {
    // The wasm runtime reads VIPS_CONCURRENCY and copies every variable into libvips: give it
    // only that one. This process is ours alone (the decoding process), so nothing else is hidden.
    (process as { env: Record<string, string> }).env = { VIPS_CONCURRENCY: "1" };
    const { default: sharp } = await import("../npm/sharp.ts");
    if (!sharp.versions.emscripten) throw new Error("sharp loaded its native build, not the WebAssembly one");
    sharp.cache(false);
    sharp.concurrency(1);
    return sharp;
  })();
  return loaded;
}

/**
 * Decodes a picture file upright (EXIF orientation applied) and shrunk to at most `maxSide`
 * pixels on its longer side; a picture within that size comes back as stored, sample for sample.
 *
 * @param bytes The file's content.
 * @param options The pixel limit and the size handed back.
 * @returns The samples (8 or 16 bits; gray, gray+alpha, RGB or RGBA) and the full picture's size.
 * @throws {ImageError} When the file is not a picture read here, is too large, or cannot be decoded.
 *
 * @example
 * ```ts ignore
 * import { decodeWithLibvips } from "./libvips.ts";
 * const bytes = await Deno.readFile("photo.jpg"); // only in the decoding process
 * const picture = await decodeWithLibvips(bytes, { maxPixels: 120e6, maxSide: 512 });
 * ```
 */
export async function decodeWithLibvips(bytes: Uint8Array, options: LibvipsOptions): Promise<LibvipsPicture> {
  const format = readFormat(bytes);
  const sharp = await loadLibvips();
  const { maxPixels, maxSide } = options;
  const input = () => sharp(bytes, { limitInputPixels: maxPixels, failOn: "error", pages: 1 });
  let meta;
  try {
    // the header only: libvips's own pixel limit applies where pixels are decoded, below
    meta = await sharp(bytes, { limitInputPixels: false, pages: 1 }).metadata();
  } catch (error) {
    throw unreadable(format, error);
  }
  // EXIF orientations 5-8 turn the picture a quarter: its upright width is its stored height
  const turned = (meta.orientation ?? 1) >= 5;
  const fullWidth = turned ? meta.height : meta.width, fullHeight = turned ? meta.width : meta.height;
  if (fullWidth * fullHeight > maxPixels) throw tooLarge(fullWidth, fullHeight, maxPixels);
  const shrink = Math.max(fullWidth, fullHeight) > maxSide;
  let pipeline = input().rotate();
  // shrinking mixes pixels, which is right only on opaque ones: lay any transparency on white
  // paper first, as toGray() does
  if (shrink) {
    pipeline = pipeline.flatten({ background: "#ffffff" })
      .resize(maxSide, maxSide, { fit: "inside", kernel: "lanczos3" });
  }
  // the samples as stored: gray stays gray and 16 bits stay 16 (sharp's default is 8-bit sRGB)
  // (gray with alpha is read as RGBA: libvips's gray output drops the alpha)
  const wideInput = meta.depth === "ushort", grayInput = meta.channels === 1;
  pipeline = pipeline.toColourspace(
    grayInput ? (wideInput ? "grey16" : "b-w") : (wideInput ? "rgb16" : "srgb"),
  );
  try {
    const { data, info } = await pipeline.raw({ depth: wideInput ? "ushort" : "uchar" })
      .toBuffer({ resolveWithObject: true });
    const wide = data.length === 2 * info.width * info.height * info.channels; // 16-bit samples
    const samples = wide
      ? new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2)
      : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    return {
      width: info.width,
      height: info.height,
      channels: info.channels,
      maxValue: wide ? 65535 : 255,
      data: samples,
      fullWidth,
      fullHeight,
      format,
    };
  } catch (error) {
    throw unreadable(format, error);
  }
}

function tooLarge(width: number, height: number, maxPixels: number): ImageError {
  return new ImageError(
    `Image too large: ${width}x${height} exceeds the limit of ${maxPixels.toLocaleString("en-US")} pixels ` +
      "(raise it: PictureLimits.maxPixels, or predict --max-pixels)",
  );
}

// libvips says what is wrong in its own words ("VipsJpeg: Premature end of input file"); its
// pixel limit is ours, reworded as the size check above words it.
function unreadable(format: PictureFormat, error: unknown): ImageError {
  const why = messageOf(error).split("\n")[0]!.replace(/[:.\s]+$/, "");
  if (/pixel limit/i.test(why)) {
    return new ImageError(
      `Image too large: ${why} (raise it: PictureLimits.maxPixels, or predict --max-pixels)`,
    );
  }
  return new ImageError(`Cannot decode this ${format.toUpperCase()}: ${why}`);
}
