/**
 * PNG decoding bounded by what it allocates. The chunks are read first (IHDR first and only once,
 * PLTE and tRNS where the format puts them, IDAT consecutive, nothing critical unknown), ancillary
 * chunks are skipped unread (a compressed colour profile or text is never inflated), and the image
 * data is inflated in small slices that stop the moment it passes the size the header implies.
 * Unfiltering and Adam7 interlacing (every bit depth) follow the PNG specification, section 9.
 *
 * fast-png 8.0.0, the newest, decodes the last IHDR it meets, inflates everything before checking
 * a size, decompresses iCCP profiles eagerly and mis-reads interlaced images of 1, 2 and 4 bits;
 * hence this file, with fflate (fast-png's own inflater) doing the inflating.
 *
 * @module
 */
import { Unzlib } from "../npm/fflate.ts";
import { ImageError } from "./digit.ts";
import { messageOf } from "../errors.ts";

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** The image header (IHDR), as read. */
export interface PngHeader {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** Bits per sample: 1, 2, 4, 8 or 16. */
  depth: number;
  /** 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA. */
  colorType: number;
  /** Whether the rows come in Adam7's seven passes. */
  interlaced: boolean;
}

/** A decoded PNG: samples, one per channel per pixel, palette and transparency resolved. */
export interface PngImage {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA. */
  channels: number;
  /** Largest sample value: 1, 3, 15, 255 or 65535. */
  maxValue: number;
  /** Samples, row-major, interleaved. */
  data: Uint8Array | Uint16Array;
}

/** Limits of {@linkcode decodePng}. */
export interface PngLimits {
  /** Largest width x height accepted, checked from the one IHDR before anything is inflated. */
  maxPixels: number;
}

/** Samples per pixel of each colour type, and the bit depths PNG allows for it. */
const COLOR_TYPES: Record<number, { channels: number; depths: number[] }> = {
  0: { channels: 1, depths: [1, 2, 4, 8, 16] },
  2: { channels: 3, depths: [8, 16] },
  3: { channels: 1, depths: [1, 2, 4, 8] },
  4: { channels: 2, depths: [8, 16] },
  6: { channels: 4, depths: [8, 16] },
};

/** Adam7's passes: first column and row, then steps. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

/** Input fed to the inflater at a time: deflate expands at most ~1032x, so ~4 MB past the bound. */
const INFLATE_SLICE = 4096;

interface Chunks {
  header: PngHeader;
  palette?: Uint8Array;
  transparency?: Uint8Array;
  data: Uint8Array[];
}

/**
 * Whether the bytes start with the PNG signature.
 *
 * @param bytes A file's content.
 * @returns True for a PNG.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isPng } from "./png.ts";
 * assert.equal(isPng(Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)), true);
 * ```
 */
export function isPng(bytes: Uint8Array): boolean {
  return SIGNATURE.every((b, i) => bytes[i] === b);
}

// Every chunk in order: its type and data (a view into `bytes`). Stops after IEND.
function* chunksOf(bytes: Uint8Array): Generator<{ type: string; data: Uint8Array }> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = SIGNATURE.length;
  while (true) {
    if (at + 12 > bytes.length) throw new ImageError("Truncated PNG: no IEND chunk");
    const length = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    if (!/^[A-Za-z]{4}$/.test(type)) throw new ImageError("Corrupt PNG: a chunk type is not four letters");
    if (length > bytes.length - at - 12) throw new ImageError(`Truncated PNG: the ${type} chunk is cut off`);
    yield { type, data: bytes.subarray(at + 8, at + 8 + length) };
    if (type === "IEND") return;
    at += 12 + length;
  }
}

function readHeader(data: Uint8Array): PngHeader {
  if (data.length !== 13) throw new ImageError("Corrupt PNG: IHDR is not 13 bytes");
  const view = new DataView(data.buffer, data.byteOffset, 13);
  const [width, height] = [view.getUint32(0), view.getUint32(4)];
  const [depth, colorType, compression, filter, interlace] = data.subarray(8, 13);
  if (width === 0 || height === 0) throw new ImageError(`Empty image: ${width}x${height}`);
  if (!COLOR_TYPES[colorType!]?.depths.includes(depth!)) {
    throw new ImageError(`Corrupt PNG: colour type ${colorType} with bit depth ${depth}`);
  }
  if (compression !== 0 || filter !== 0 || interlace! > 1) {
    throw new ImageError("Corrupt PNG: unknown compression, filter or interlace method");
  }
  return { width, height, depth: depth!, colorType: colorType!, interlaced: interlace === 1 };
}

// The chunks that make the image, checked against the order the specification gives them; the
// size is checked the moment IHDR is read.
function readChunks(bytes: Uint8Array, maxPixels: number): Chunks {
  let header: PngHeader | undefined, palette: Uint8Array | undefined, transparency: Uint8Array | undefined;
  const data: Uint8Array[] = [];
  let dataEnded = false;
  for (const { type, data: body } of chunksOf(bytes)) {
    if (!header && type !== "IHDR") throw new ImageError("Corrupt PNG: the first chunk is not IHDR");
    if (data.length > 0 && type !== "IDAT") dataEnded = true;
    switch (type) {
      case "IHDR":
        if (header) throw new ImageError("Corrupt PNG: more than one IHDR chunk");
        header = readHeader(body);
        if (header.width * header.height > maxPixels) {
          throw new ImageError(
            `Image too large: ${header.width}x${header.height} exceeds the limit of ${
              maxPixels.toLocaleString("en-US")
            } pixels`,
          );
        }
        break;
      case "PLTE":
        if (palette || data.length > 0) throw new ImageError("Corrupt PNG: PLTE repeated or after IDAT");
        if (body.length === 0 || body.length % 3 !== 0 || body.length > 3 * 256) {
          throw new ImageError(`Corrupt PNG: a palette of ${body.length} bytes`);
        }
        palette = body;
        break;
      case "tRNS":
        if (transparency || data.length > 0) throw new ImageError("Corrupt PNG: tRNS repeated or after IDAT");
        transparency = body;
        break;
      case "IDAT":
        if (dataEnded) throw new ImageError("Corrupt PNG: IDAT chunks are not consecutive");
        data.push(body);
        break;
      default:
        // ancillary chunks (lowercase first letter) are skipped unread; a critical one we do not
        // know would change what the pixels mean
        if (type !== "IEND" && type.charCodeAt(0) < 97) {
          throw new ImageError(`Unsupported PNG: unknown critical chunk ${type}`);
        }
    }
  }
  if (data.length === 0) throw new ImageError("Corrupt PNG: no image data (IDAT)");
  if (header!.colorType === 3 && !palette) throw new ImageError("Corrupt PNG: a palette image without PLTE");
  return { header: header!, palette, transparency, data };
}

/** Bytes of one filtered row of `width` pixels, its filter byte excluded. */
function rowBytes(header: PngHeader, width: number): number {
  return Math.ceil(width * COLOR_TYPES[header.colorType]!.channels * header.depth / 8);
}

/** The passes of the image: Adam7's seven, or one of the whole image; empty passes left out. */
function passesOf(
  header: PngHeader,
): { x0: number; y0: number; dx: number; dy: number; w: number; h: number }[] {
  const { width, height } = header;
  const layout = header.interlaced ? ADAM7 : [[0, 0, 1, 1] as const];
  return layout.map(([x0, y0, dx, dy]) => ({
    x0,
    y0,
    dx,
    dy,
    w: Math.ceil((width - x0) / dx),
    h: Math.ceil((height - y0) / dy),
  })).filter((p) => p.w > 0 && p.h > 0);
}

/**
 * The exact size of a PNG's inflated image data: every pass's rows, each with its filter byte.
 *
 * @param header The image header.
 * @returns Bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { inflatedSize } from "./png.ts";
 * assert.equal(inflatedSize({ width: 28, height: 28, depth: 8, colorType: 0, interlaced: false }), 28 * 29);
 * ```
 */
export function inflatedSize(header: PngHeader): number {
  return passesOf(header).reduce((n, p) => n + p.h * (1 + rowBytes(header, p.w)), 0);
}

/** Inflates the IDAT stream into exactly `size` bytes, stopping as soon as it would pass them. */
function inflateBounded(parts: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let filled = 0;
  const inflater = new Unzlib((chunk) => {
    if (chunk.length > size - filled) {
      throw new ImageError(`Corrupt PNG: the image data inflates past the ${size} bytes its header needs`);
    }
    out.set(chunk, filled);
    filled += chunk.length;
  });
  try {
    for (const part of parts) {
      for (let at = 0; at < part.length; at += INFLATE_SLICE) {
        inflater.push(part.subarray(at, at + INFLATE_SLICE));
      }
    }
    inflater.push(new Uint8Array(0), true);
  } catch (error) {
    if (error instanceof ImageError) throw error;
    if (filled === size) return out; // whole: what follows the data (a bad checksum, junk) is ignored
    throw new ImageError(`Corrupt PNG: the image data does not inflate (${messageOf(error)})`);
  }
  if (filled < size) throw new ImageError(`Truncated PNG: ${filled} of ${size} bytes of image data`);
  return out;
}

/** Undoes the five row filters, in place, over one pass; `bpp` is bytes per pixel (at least 1). */
function unfilter(raw: Uint8Array, start: number, rows: number, stride: number, bpp: number): void {
  for (let y = 0; y < rows; y++) {
    const at = start + y * (stride + 1), line = at + 1, up = line - stride - 1;
    const filter = raw[at]!;
    if (filter > 4) throw new ImageError(`Corrupt PNG: unknown row filter ${filter}`);
    if (filter === 0) continue;
    if (y === 0 && filter === 2) continue; // "up" on the first row adds zeros
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? raw[line + i - bpp]! : 0;
      const b = y > 0 ? raw[up + i]! : 0;
      let predicted: number;
      if (filter === 1) predicted = a;
      else if (filter === 2) predicted = b;
      else if (filter === 3) predicted = (a + b) >> 1;
      else predicted = paeth(a, b, y > 0 && i >= bpp ? raw[up + i - bpp]! : 0);
      raw[line + i] = (raw[line + i]! + predicted) & 0xff;
    }
  }
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Unfilters every pass and places its samples (unpacked, one per element) in the image. */
function samplesOf(header: PngHeader, raw: Uint8Array): Uint8Array | Uint16Array {
  const { width, height, depth } = header;
  const channels = COLOR_TYPES[header.colorType]!.channels;
  const out = depth === 16
    ? new Uint16Array(width * height * channels)
    : new Uint8Array(width * height * channels);
  const bpp = Math.max(1, (channels * depth) >> 3), mask = (1 << depth) - 1;
  let start = 0;
  for (const pass of passesOf(header)) {
    const stride = rowBytes(header, pass.w);
    unfilter(raw, start, pass.h, stride, bpp);
    for (let y = 0; y < pass.h; y++) {
      const line = start + y * (stride + 1) + 1;
      const row = (pass.y0 + y * pass.dy) * width;
      if (depth === 8 && pass.dx === 1) { // a whole row of bytes: one copy
        out.set(raw.subarray(line, line + stride), row * channels);
        continue;
      }
      for (let x = 0; x < pass.w; x++) {
        const to = (row + pass.x0 + x * pass.dx) * channels;
        for (let c = 0; c < channels; c++) {
          const s = x * channels + c;
          out[to + c] = depth === 16
            ? (raw[line + 2 * s]! << 8) | raw[line + 2 * s + 1]!
            : depth === 8
            ? raw[line + s]!
            : (raw[line + ((s * depth) >> 3)]! >> (8 - depth - ((s * depth) & 7))) & mask;
        }
      }
    }
    start += pass.h * (stride + 1);
  }
  return out;
}

/** Palette indices to RGB(A), gray or RGB with a tRNS colour key to gray+alpha or RGBA. */
function resolveColors(chunks: Chunks, samples: Uint8Array | Uint16Array): PngImage {
  const { header: { width, height, depth, colorType }, palette, transparency } = chunks;
  const pixels = width * height, maxValue = 2 ** depth - 1;
  if (colorType === 3) {
    const alpha = transparency !== undefined;
    const channels = alpha ? 4 : 3, data = new Uint8Array(pixels * channels), entries = palette!.length / 3;
    for (let i = 0; i < pixels; i++) {
      const index = samples[i]!;
      if (index >= entries) continue; // out of the palette: black, as libpng's lenient readers show it
      for (let c = 0; c < 3; c++) data[i * channels + c] = palette![3 * index + c]!;
      if (alpha) data[i * 4 + 3] = transparency![index] ?? 255;
    }
    if (!alpha) return { width, height, channels, maxValue: 255, data };
    for (let i = 0; i < pixels; i++) if (samples[i]! >= entries) data[i * 4 + 3] = 255;
    return { width, height, channels, maxValue: 255, data };
  }
  const channels = COLOR_TYPES[colorType]!.channels;
  const keyed = transparency && (colorType === 0 || colorType === 2) && transparency.length >= 2 * channels;
  if (!keyed) return { width, height, channels, maxValue, data: samples };
  const key = Array.from(
    { length: channels },
    (_, c) => ((transparency[2 * c]! << 8) | transparency[2 * c + 1]!),
  );
  const data = depth === 16
    ? new Uint16Array(pixels * (channels + 1))
    : new Uint8Array(pixels * (channels + 1));
  for (let i = 0; i < pixels; i++) {
    let match = true;
    for (let c = 0; c < channels; c++) {
      const v = samples[i * channels + c]!;
      data[i * (channels + 1) + c] = v;
      match &&= v === key[c];
    }
    data[i * (channels + 1) + channels] = match ? 0 : maxValue;
  }
  return { width, height, channels: channels + 1, maxValue, data };
}

/**
 * Reads a PNG's image header (its one IHDR), checking the chunk layout, without inflating anything.
 *
 * @param bytes The file's content.
 * @returns The header.
 * @throws {ImageError} When the chunks are not a PNG's.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readPngHeader } from "./png.ts";
 * const bytes = await Deno.readFile(new URL("../../tests/fixtures/gray16_7.png", import.meta.url));
 * assert.equal(readPngHeader(bytes).depth, 16);
 * ```
 */
export function readPngHeader(bytes: Uint8Array): PngHeader {
  if (!isPng(bytes)) throw new ImageError("Not a PNG image");
  return readChunks(bytes, Infinity).header;
}

/**
 * Decodes a PNG of any colour type, bit depth and interlacing, within bounds: the pixel count is
 * checked from the one IHDR, and inflating stops at the size that header implies.
 *
 * @param bytes The file's content.
 * @param limits The largest image accepted.
 * @returns The samples.
 * @throws {ImageError} When the bytes are not a well-formed PNG, or the image is too large.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodePng } from "./png.ts";
 * const bytes = await Deno.readFile(new URL("../../tests/fixtures/palette_7.png", import.meta.url));
 * const image = decodePng(bytes, { maxPixels: 1e6 });
 * assert.equal(image.data.length, image.width * image.height * image.channels);
 * ```
 */
export function decodePng(bytes: Uint8Array, limits: PngLimits): PngImage {
  if (!isPng(bytes)) throw new ImageError("Not a PNG image");
  const chunks = readChunks(bytes, limits.maxPixels);
  const raw = inflateBounded(chunks.data, inflatedSize(chunks.header));
  return resolveColors(chunks, samplesOf(chunks.header, raw));
}

/**
 * Whether a PNG holds a chunk of this type (before IEND); false for bytes that are no whole PNG.
 *
 * @param bytes The file's content.
 * @param type The chunk type, such as `eXIf`.
 * @returns True when the chunk is there.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hasPngChunk } from "./png.ts";
 * const bytes = await Deno.readFile(new URL("../../tests/fixtures/palette_7.png", import.meta.url));
 * assert.equal(hasPngChunk(bytes, "PLTE"), true);
 * assert.equal(hasPngChunk(bytes, "eXIf"), false);
 * ```
 */
export function hasPngChunk(bytes: Uint8Array, type: string): boolean {
  if (!isPng(bytes)) return false;
  try {
    for (const chunk of chunksOf(bytes)) if (chunk.type === type) return true;
  } catch { /* a broken PNG holds no chunk we can name */ }
  return false;
}

/**
 * The value of a PNG's `tEXt` chunk with this keyword, if it has one (ancillary chunks are read
 * only here, uncompressed ones, and only to find this).
 *
 * @param bytes The file's content.
 * @param keyword The keyword, such as `Software`.
 * @returns The text, or undefined.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pngText, withPngText } from "./png.ts";
 * const bytes = await Deno.readFile(new URL("../../tests/fixtures/palette_7.png", import.meta.url));
 * assert.equal(pngText(withPngText(bytes, "Software", "lenet"), "Software"), "lenet");
 * assert.equal(pngText(bytes, "Software"), undefined);
 * ```
 */
export function pngText(bytes: Uint8Array, keyword: string): string | undefined {
  if (!isPng(bytes)) return undefined;
  try {
    for (const { type, data } of chunksOf(bytes)) {
      if (type !== "tEXt") continue;
      const text = new TextDecoder("latin1").decode(data);
      if (text.startsWith(`${keyword}\0`)) return text.slice(keyword.length + 1);
    }
  } catch { /* a broken file has no text */ }
  return undefined;
}

/**
 * The PNG with a `tEXt` chunk added right after its IHDR.
 *
 * @param bytes A PNG.
 * @param keyword The keyword (Latin-1, 1 to 79 characters).
 * @param text The text (Latin-1).
 * @returns A new PNG.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodePng, withPngText } from "./png.ts";
 * const bytes = await Deno.readFile(new URL("../../tests/fixtures/gray16_7.png", import.meta.url));
 * const tagged = withPngText(bytes, "Software", "lenet");
 * assert.deepEqual(decodePng(tagged, { maxPixels: 1e6 }), decodePng(bytes, { maxPixels: 1e6 }));
 * ```
 */
export function withPngText(bytes: Uint8Array, keyword: string, text: string): Uint8Array {
  const body = Uint8Array.from(`tEXt${keyword}\0${text}`, (c) => c.charCodeAt(0) & 0xff);
  const chunk = new Uint8Array(body.length + 8);
  const view = new DataView(chunk.buffer);
  view.setUint32(0, body.length - 4);
  chunk.set(body, 4);
  view.setUint32(4 + body.length, crc32(body));
  const afterHeader = SIGNATURE.length + 12 + 13;
  const out = new Uint8Array(bytes.length + chunk.length);
  out.set(bytes.subarray(0, afterHeader));
  out.set(chunk, afterHeader);
  out.set(bytes.subarray(afterHeader), afterHeader + chunk.length);
  return out;
}

let crcTable: Uint32Array | undefined;

function crc32(bytes: Uint8Array): number {
  crcTable ??= Uint32Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  let crc = 0xffffffff;
  for (const b of bytes) crc = crcTable[(crc ^ b) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
