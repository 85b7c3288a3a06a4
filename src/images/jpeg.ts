/**
 * What a JPEG will cost to decode, read from its markers before any decoding: the frame's size,
 * the number of scans, and how many 8x8 blocks the decoder will visit over all scans. A progressive
 * JPEG may hold any number of scans, and a decoder walks every block of a scan's components even
 * when the scan's data is a few bytes (one end-of-band run covers 32,767 blocks), so a 1 MB file of
 * tiny scans over a 16 MP frame keeps a decoder busy for minutes. libjpeg-turbo caps scans for the
 * same reason.
 *
 * @module
 */
import { ImageError } from "./digit.ts";

/** A JPEG's decoding cost, as its markers state it. */
export interface JpegCost {
  /** Width of the frame, pixels. */
  width: number;
  /** Height of the frame, pixels. */
  height: number;
  /** Scans (SOS markers). */
  scans: number;
  /** 8x8 blocks the decoder visits, summed over every scan. */
  blockVisits: number;
}

interface Component {
  id: number;
  h: number;
  v: number;
}

interface Frame {
  width: number;
  height: number;
  components: Component[];
}

/** Frame markers: SOF0-SOF15 but DHT (C4), JPG (C8) and DAC (CC). */
function isFrameMarker(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

function readFrame(bytes: Uint8Array, at: number, length: number): Frame {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // at: FF Cn, length (2), precision, height (2), width (2), count, then 3 bytes a component
  const count = bytes[at + 9] ?? 0;
  if (length < 8 + 3 * count || count === 0) throw new ImageError("Corrupt JPEG: bad frame header");
  const components = Array.from({ length: count }, (_, i) => ({
    id: bytes[at + 10 + 3 * i]!,
    h: bytes[at + 11 + 3 * i]! >> 4,
    v: bytes[at + 11 + 3 * i]! & 15,
  }));
  if (components.some((c) => c.h < 1 || c.h > 4 || c.v < 1 || c.v > 4)) {
    throw new ImageError("Corrupt JPEG: a sampling factor outside 1..4");
  }
  return { height: view.getUint16(at + 5), width: view.getUint16(at + 7), components };
}

/** Blocks one scan visits, counted as a decoder lays them out (JPEG standard, A.2). */
function scanBlocks(frame: Frame, ids: number[]): number {
  const hMax = Math.max(...frame.components.map((c) => c.h));
  const vMax = Math.max(...frame.components.map((c) => c.v));
  const inScan = frame.components.filter((c) => ids.includes(c.id));
  if (inScan.length === 0) throw new ImageError("Corrupt JPEG: a scan names no component of the frame");
  if (inScan.length === 1) {
    const c = inScan[0]!; // non-interleaved: the component's own blocks
    return Math.ceil(Math.ceil(frame.width * c.h / hMax) / 8) *
      Math.ceil(Math.ceil(frame.height * c.v / vMax) / 8);
  }
  const mcus = Math.ceil(frame.width / (8 * hMax)) * Math.ceil(frame.height / (8 * vMax));
  return mcus * inScan.reduce((n, c) => n + c.h * c.v, 0);
}

/** Where the entropy-coded data after a scan header ends: the next marker that is not RSTn. */
function skipEntropyData(bytes: Uint8Array, at: number): number {
  while (at + 1 < bytes.length) {
    if (bytes[at] === 0xff) {
      const next = bytes[at + 1]!;
      if (next !== 0x00 && next !== 0xff && !(next >= 0xd0 && next <= 0xd7)) return at;
    }
    at++;
  }
  return bytes.length;
}

/**
 * Reads a JPEG's markers (not its pixels) and counts what decoding it would cost.
 *
 * @param bytes The file's content.
 * @returns Frame size, scans and block visits.
 * @throws {ImageError} When the markers are malformed, there is no frame, or more than one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { jpegCost } from "./jpeg.ts";
 * const cost = jpegCost(await Deno.readFile(new URL("../../tests/fixtures/progressive_7.jpg", import.meta.url)));
 * assert.ok(cost.scans > 1); // a progressive JPEG comes in several scans
 * ```
 */
export function jpegCost(bytes: Uint8Array): JpegCost {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) throw new ImageError("Not a JPEG image");
  let frame: Frame | undefined;
  let scans = 0, blockVisits = 0, at = 2;
  while (at + 1 < bytes.length) {
    if (bytes[at] !== 0xff) throw new ImageError("Corrupt JPEG: bad marker");
    const marker = bytes[at + 1]!;
    if (marker === 0xff) { // fill byte before a marker
      at++;
      continue;
    }
    if (marker === 0xd9) break; // EOI
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) { // no length
      at += 2;
      continue;
    }
    if (at + 4 > bytes.length) break;
    const length = view.getUint16(at + 2);
    if (length < 2) throw new ImageError("Corrupt JPEG: a marker segment shorter than its length field");
    if (isFrameMarker(marker)) {
      if (frame) throw new ImageError("Unsupported JPEG: more than one frame");
      if (at + 2 + length > bytes.length) break;
      frame = readFrame(bytes, at, length);
    }
    if (marker === 0xda) {
      if (!frame) throw new ImageError("Corrupt JPEG: a scan before the frame header");
      const count = bytes[at + 4] ?? 0;
      const ids = Array.from({ length: count }, (_, i) => bytes[at + 5 + 2 * i] ?? -1);
      scans++;
      blockVisits += scanBlocks(frame, ids);
      at = skipEntropyData(bytes, at + 2 + length);
      continue;
    }
    at += 2 + length;
  }
  if (!frame) throw new ImageError("Truncated JPEG: no frame header");
  return { width: frame.width, height: frame.height, scans, blockVisits };
}
