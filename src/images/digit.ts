/**
 * From any grayscale picture of one digit to the 28x28 the model expects, the way MNIST's own
 * images were made: ink white on black, other marks cleared (specks, ruled lines: `marks.ts`),
 * cropped to the ink, scaled to fit 20x20 keeping the aspect ratio, and placed in 28x28 with its
 * centre of mass at the centre.
 *
 * @module
 */
import { IMAGE_SIDE } from "../config.ts";
import { ArgumentError, LenetError } from "../errors.ts";
import { count, floats } from "../_arguments.ts";
import { keepDigitMarks } from "./marks.ts";
import { scratch } from "./_scratch.ts";

/** Side of the box the digit is scaled to fit, as in MNIST. */
export const DIGIT_BOX = 20;

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

/** Below this contrast between ink and paper, the picture is taken as blank. */
const MIN_CONTRAST = 0.15;
/** Share of the ink range treated as paper noise (shadows, JPEG ringing) and cleared. */
const NOISE_FLOOR = 0.25;

// Working arrays reused between pictures (_scratch.ts says why); none leaves prepareDigit.
const BORDER = scratch((n) => new Float32Array(n)), INK = scratch((n) => new Float32Array(n));
const CROP = scratch((n) => new Float32Array(n));
const INKED = scratch((n) => new Uint8Array(n)), ACROSS = scratch((n) => new Uint8Array(n));
const SOLID = scratch((n) => new Uint8Array(n));

// The paper's level: the median of a frame 4% of the shorter side wide around the picture.
function borderLevel(gray: Float32Array, width: number, height: number): number {
  const t = Math.max(1, Math.round(0.04 * Math.min(width, height)));
  const values = BORDER(width * height, false);
  let n = 0;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    if (y < t || y >= height - t) {
      values.set(gray.subarray(row, row + width), n), n += width;
      continue;
    }
    for (let x = 0; x < Math.min(t, width); x++) values[n++] = gray[row + x]!;
    for (let x = Math.max(t, width - t); x < width; x++) values[n++] = gray[row + x]!;
  }
  return values.subarray(0, n).sort()[Math.floor(n / 2)]!; // a typed array sorts by value
}

/**
 * Resamples by area averaging: each output pixel is the mean of the input area it covers, the
 * right filter for shrinking a large photo without aliasing.
 *
 * @param src Input pixels, row-major.
 * @param sw Input width.
 * @param sh Input height.
 * @param dw Output width.
 * @param dh Output height.
 * @returns `dw * dh` pixels.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resizeArea } from "./digit.ts";
 * assert.deepEqual(resizeArea(new Float32Array([0, 1, 1, 0]), 2, 2, 1, 1), Float32Array.of(0.5));
 * ```
 */
export function resizeArea(src: Float32Array, sw: number, sh: number, dw: number, dh: number): Float32Array {
  const out = new Float32Array(dw * dh);
  const sx = sw / dw, sy = sh / dh;
  for (let y = 0; y < dh; y++) {
    const y0 = y * sy, y1 = y0 + sy;
    for (let x = 0; x < dw; x++) {
      const x0 = x * sx, x1 = x0 + sx;
      let sum = 0, area = 0;
      for (let iy = Math.floor(y0); iy < Math.min(sh, Math.ceil(y1)); iy++) {
        const wy = Math.min(y1, iy + 1) - Math.max(y0, iy);
        for (let ix = Math.floor(x0); ix < Math.min(sw, Math.ceil(x1)); ix++) {
          const w = wy * (Math.min(x1, ix + 1) - Math.max(x0, ix));
          sum += w * src[iy * sw + ix]!;
          area += w;
        }
      }
      out[y * dw + x] = area > 0 ? sum / area : 0;
    }
  }
  return out;
}

// Ink from 0 (paper) to 1, whichever of dark-on-light or light-on-dark the paper's level says;
// levels within the noise floor of the paper are cleared.
function inkLevels(gray: Float32Array, paper: number): { ink: Float32Array; inverted: boolean } {
  const inverted = paper > 0.5;
  const ink = INK(gray.length, false); // every element written below
  let peak = 0;
  for (let i = 0; i < gray.length; i++) {
    const v = inverted ? Math.fround(1 - gray[i]!) : gray[i]!; // as stored in a Float32Array
    ink[i] = v;
    if (v > peak) peak = v;
  }
  const background = inverted ? 1 - paper : paper;
  if (peak - background < MIN_CONTRAST) {
    throw new ImageError(`No digit found: the image is blank (contrast ${(peak - background).toFixed(2)})`);
  }
  const range = peak - background;
  for (let i = 0; i < ink.length; i++) {
    const level = (ink[i]! - background) / range;
    ink[i] = Math.min(1, Math.max(0, (level - NOISE_FLOOR) / (1 - NOISE_FLOOR)));
  }
  return { ink, inverted };
}

/** Bounding box of the pixels above 0 (ink, or a mask's set pixels), or undefined when there are none. */
function boxOf(
  ink: Float32Array | Uint8Array,
  width: number,
  height: number,
): [number, number, number, number] | undefined {
  let x0 = width, y0 = height, x1 = -1, y1 = -1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let first = -1, last = -1;
    for (let x = 0; x < width; x++) {
      if (ink[row + x]! > 0) {
        if (first < 0) first = x;
        last = x;
      }
    }
    if (first >= 0) {
      if (first < x0) x0 = first;
      if (last > x1) x1 = last;
      if (y0 === height) y0 = y;
      y1 = y;
    }
  }
  return x1 < 0 ? undefined : [x0, y0, x1 - x0 + 1, y1 - y0 + 1];
}

/**
 * The ink's bounding box, ignoring specks: a pixel counts when most of its 3x3 neighbourhood is
 * ink too (a median filter), so dithering, dust and sensor noise do not stretch the box. Strokes
 * one pixel thin vanish under that filter; then every ink pixel counts. The neighbourhood counts
 * are two passes of 3-sums, along the rows, then down the columns (nothing counts outside), over
 * the box of all ink and a pixel around it only: outside it every count is 0.
 */
function inkBox(ink: Float32Array, width: number, height: number): [number, number, number, number] {
  const all = boxOf(ink, width, height);
  if (!all) return [0, 0, width, height]; // no ink: prepareDigit has refused such a picture before
  const x0 = Math.max(0, all[0] - 1), y0 = Math.max(0, all[1] - 1);
  const w = Math.min(width, all[0] + all[2] + 1) - x0, h = Math.min(height, all[1] + all[3] + 1) - y0;
  const inked = INKED(w * h, false), across = ACROSS(w * h, false), solid = SOLID(w * h, false);
  for (let y = 0; y < h; y++) {
    for (let x = 0, at = (y0 + y) * width + x0; x < w; x++, at++) inked[y * w + x] = ink[at]! > 0 ? 1 : 0;
  }
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) {
      across[row + x] = inked[row + x]! + (x > 0 ? inked[row + x - 1]! : 0) +
        (x < w - 1 ? inked[row + x + 1]! : 0);
    }
  }
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) {
      const n = across[row + x]! + (y > 0 ? across[row - w + x]! : 0) +
        (y < h - 1 ? across[row + w + x]! : 0);
      solid[row + x] = n >= 5 ? 1 : 0;
    }
  }
  const [bx, by, bw, bh] = boxOf(solid, w, h) ?? boxOf(inked, w, h)!;
  return [bx + x0, by + y0, bw, bh];
}

function placeByCentreOfMass(digit: Float32Array, w: number, h: number): Float32Array {
  let mass = 0, mx = 0, my = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = digit[y * w + x]!;
      mass += v, mx += v * (x + 0.5), my += v * (y + 0.5);
    }
  }
  const dx = Math.round(IMAGE_SIDE / 2 - mx / mass), dy = Math.round(IMAGE_SIDE / 2 - my / mass);
  const out = new Float32Array(IMAGE_SIDE * IMAGE_SIDE);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const tx = x + dx, ty = y + dy;
      if (tx >= 0 && tx < IMAGE_SIDE && ty >= 0 && ty < IMAGE_SIDE) {
        out[ty * IMAGE_SIDE + tx] = digit[y * w + x]!;
      }
    }
  }
  return out;
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
  const { ink, inverted } = inkLevels(gray, borderLevel(gray, width, height));
  keepDigitMarks(ink, width, height); // specks, rules, margins: not the digit
  const box = inkBox(ink, width, height);
  const [bx, by, bw, bh] = box;
  const crop = CROP(bw * bh, false); // every row set below
  for (let y = 0; y < bh; y++) {
    crop.set(ink.subarray((by + y) * width + bx, (by + y) * width + bx + bw), y * bw);
  }
  const scale = DIGIT_BOX / Math.max(bw, bh);
  const [tw, th] = [Math.max(1, Math.round(bw * scale)), Math.max(1, Math.round(bh * scale))];
  const fitted = resizeArea(crop, bw, bh, tw, th);
  let peak = 0;
  for (const v of fitted) peak = Math.max(peak, v);
  for (let i = 0; i < fitted.length; i++) fitted[i] = fitted[i]! / peak; // thin strokes stay visible
  return { pixels: placeByCentreOfMass(fitted, tw, th), inverted, box };
}
