/**
 * Which picture format a file holds, from its first bytes: only to choose a decoder and to say
 * clearly what is not read. No bound is taken from here; each decoder enforces its own.
 *
 * @module
 */
import { ImageError } from "./digit.ts";
import { bytes as checkBytes } from "../_arguments.ts";

/** The formats a picture may come in: those read, and HEIC, which is named to be refused. */
export type PictureFormat = "png" | "jpeg" | "webp" | "gif" | "tiff" | "avif" | "heic";

/** Every format read in Deno (HEIC is not: libvips's WebAssembly build has no HEVC decoder). */
export const READ_FORMATS: readonly PictureFormat[] = ["png", "jpeg", "webp", "gif", "tiff", "avif"];

const ascii = (bytes: Uint8Array, from: number, to: number): string =>
  String.fromCharCode(...bytes.subarray(from, to));

// ISO base media files (AVIF, HEIC) say what they are in their `ftyp` box: a major brand, then
// compatible brands. An AVIF names avif/avis; a HEIC names heic/heix/hevc/... (mif1 is either).
const AVIF_BRANDS = new Set(["avif", "avis"]);
const HEIC_BRANDS = new Set(["heic", "heix", "heim", "heis", "hevc", "hevx", "hevm", "hevs", "mif1", "msf1"]);

function isoBrandFormat(bytes: Uint8Array): PictureFormat | undefined {
  if (bytes.length < 16 || ascii(bytes, 4, 8) !== "ftyp") return undefined;
  const boxSize = Math.min(
    bytes.length,
    (bytes[0]! << 24 | bytes[1]! << 16 | bytes[2]! << 8 | bytes[3]!) >>> 0,
  );
  const brands = [ascii(bytes, 8, 12)];
  for (let at = 16; at + 4 <= Math.min(boxSize, 256); at += 4) brands.push(ascii(bytes, at, at + 4));
  if (brands.some((brand) => AVIF_BRANDS.has(brand))) return "avif";
  if (brands.some((brand) => HEIC_BRANDS.has(brand))) return "heic";
  return undefined;
}

/**
 * The format of a picture file, from its signature.
 *
 * @param bytes The file's content (its first 256 bytes suffice).
 * @returns The format, or undefined when it is none of {@linkcode PictureFormat}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sniffFormat } from "./formats.ts";
 * assert.equal(sniffFormat(new TextEncoder().encode("GIF89a...")), "gif");
 * assert.equal(sniffFormat(Uint8Array.of(0xff, 0xd8, 0xff, 0xe1)), "jpeg");
 * assert.equal(sniffFormat(new TextEncoder().encode("hello")), undefined);
 * ```
 */
export function sniffFormat(bytes: Uint8Array): PictureFormat | undefined {
  checkBytes(bytes, "sniffFormat(bytes)");
  if (bytes.length >= 8 && [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((b, i) => bytes[i] === b)) {
    return "png";
  }
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return "jpeg";
  if (bytes.length >= 12 && ascii(bytes, 0, 4) === "RIFF" && ascii(bytes, 8, 12) === "WEBP") return "webp";
  if (bytes.length >= 6 && /^GIF8[79]a$/.test(ascii(bytes, 0, 6))) return "gif";
  const tiff = ascii(bytes, 0, 4);
  if (tiff === "II*\0" || tiff === "MM\0*") return "tiff";
  return isoBrandFormat(bytes);
}

/** What a HEIC photo gets instead of an answer. */
export const HEIC_ADVICE = "HEIC photos are not read (no HEVC decoder here): save the photo as JPEG " +
  "(on the phone: Settings > Camera > Formats > Most Compatible; or convert it: heif-convert photo.heic photo.jpg)";

/**
 * The format of a picture that is read here, or the error that says why it is not.
 *
 * @param bytes The file's content.
 * @returns Its format.
 * @throws {ImageError} For HEIC (with how to convert it) and for anything that is no picture read here.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readFormat } from "./formats.ts";
 * assert.equal(readFormat(new TextEncoder().encode("GIF89a")), "gif");
 * assert.throws(() => readFormat(new TextEncoder().encode("%PDF-1.7")), /Not a picture read here/);
 * ```
 */
export function readFormat(bytes: Uint8Array): PictureFormat {
  const format = sniffFormat(bytes);
  if (format === "heic") throw new ImageError(HEIC_ADVICE);
  if (!format || !READ_FORMATS.includes(format)) {
    throw new ImageError(`Not a picture read here: expected ${READ_FORMATS.join(", ").toUpperCase()}`);
  }
  return format;
}
