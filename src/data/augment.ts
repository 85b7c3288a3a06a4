/**
 * Data augmentation: each training image, each epoch, through its own random affine transform
 * (rotation, scale, shear, shift about the image's centre, bilinear sampling) and, optionally,
 * elastic distortions: a coarse one (a 5x5 grid of random displacements) and Simard's (Simard,
 * Steinkraus and Platt, ICDAR 2003: random displacements at every pixel, Gaussian-smoothed), so that the
 * model sees digits slightly turned, larger, slanted, off-centre and wobbly, as real pictures are. One
 * implementation for both engines. The randomness is a function of (seed, epoch, image index)
 * alone: the same seed gives the same images in every run, and a resumed run continues exactly.
 *
 * @module
 */
import { IMAGE_SIDE, type TrainConfig } from "../config.ts";

/** The ranges of the random affine transform; each is drawn uniformly in [-range, +range]. The
 * defaults (`DEFAULT_TRAIN`: 12°, 12%, 0.15, 2.5 px) are those a PyTorch run of this LeNet reached
 * 99.4% with; `deno task show --augment` shows what they do to a digit. */
export interface AugmentRanges {
  /** Rotation, in degrees. */
  rotation: number;
  /** Relative scale change: 0.12 draws a scale in [0.88, 1.12]. */
  scale: number;
  /** Horizontal shear factor. */
  shear: number;
  /** Shift along each axis, in pixels. */
  shift: number;
  /** Elastic distortion: the largest displacement, in pixels, at the points of a 5x5 grid over the
   * image (drawn in [-elastic, +elastic] on each axis, interpolated bilinearly between); 0 is off. */
  elastic: number;
  /** Simard's elastic distortion: the scale α of the smoothed per-pixel field (34 in the paper);
   * 0 is off. */
  alpha: number;
  /** Simard's elastic distortion: the standard deviation σ of the Gaussian that smooths the field,
   * in pixels (4 in the paper). */
  sigma: number;
}

/** The elastic distortion's grid: `ELASTIC_GRID` x `ELASTIC_GRID` points spread over the image, its
 * corners on the image's corners (about 7 pixels apart: the scale of a stroke's bend). */
export const ELASTIC_GRID = 5;

/** Where Simard's part of a transform starts: after the sampling matrix and the grid. */
const SIMARD_AT = 6 + 2 * ELASTIC_GRID * ELASTIC_GRID;

/** Floats in one image's transform ({@linkcode imageTransform}): the 2x3 sampling matrix, the
 * grid's x displacements, its y displacements, then Simard's field: its noise key (two 16-bit
 * halves), α and σ. */
export const TRANSFORM_FLOATS: number = SIMARD_AT + 4;

/** The widest Gaussian Simard's field is smoothed with: radius ceil(3σ), at most this (σ ≤ 8). */
export const SIMARD_MAX_RADIUS = 24;

/**
 * The ranges of a training recipe (`augmentRotation` and the rest of `TrainConfig`).
 *
 * @param config The recipe.
 * @returns Its ranges.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_TRAIN } from "../config.ts";
 * import { augmentRanges } from "./augment.ts";
 * assert.deepEqual(augmentRanges(DEFAULT_TRAIN), {
 *   rotation: 12,
 *   scale: 0.12,
 *   shear: 0.15,
 *   shift: 2.5,
 *   elastic: 0,
 *   alpha: 0,
 *   sigma: 4,
 * });
 * ```
 */
export function augmentRanges(config: TrainConfig): AugmentRanges {
  const {
    augmentRotation: rotation,
    augmentScale: scale,
    augmentShear: shear,
    augmentShift: shift,
    augmentElastic: elastic,
    augmentAlpha: alpha,
    augmentSigma: sigma,
  } = config;
  return { rotation, scale, shear, shift, elastic, alpha, sigma };
}

/**
 * A 32-bit key for one image of one epoch of a seeded run (a hash of the three).
 *
 * @param seed The run's seed.
 * @param epoch The epoch, from 1.
 * @param index The image's index in the training set.
 * @returns The key the image's transform is drawn from.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { augmentKey } from "./augment.ts";
 * assert.equal(augmentKey(42, 1, 7), augmentKey(42, 1, 7));
 * assert.notEqual(augmentKey(42, 1, 7), augmentKey(42, 2, 7));
 * ```
 */
export function augmentKey(seed: number, epoch: number, index: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(epoch, 0xc2b2ae35) ^
    Math.imul(index + 1, 0x27d4eb2f);
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  h = Math.imul(h ^ (h >>> 12), 0x297a2d39);
  return (h ^ (h >>> 15)) >>> 0;
}

// `count` uniforms in [-1, 1) from a key (splitmix32)
function uniforms(key: number, count = 5): number[] {
  let state = key >>> 0;
  return Array.from({ length: count }, () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return ((z ^ (z >>> 16)) >>> 0) / 2 ** 31 - 1;
  });
}

/**
 * The inverse of an image's transform, as the 2x3 matrix that maps an output pixel to where it is
 * sampled in the input: `[a, b, c, d, tx, ty]`, x' = a x + b y + tx, y' = c x + d y + ty, in pixel
 * coordinates.
 *
 * @param key The image's key ({@linkcode augmentKey}).
 * @param ranges The ranges drawn from.
 * @returns The sampling matrix.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { samplingMatrix } from "./augment.ts";
 * const none = { rotation: 0, scale: 0, shear: 0, shift: 0, elastic: 0, alpha: 0, sigma: 4 };
 * assert.deepEqual(samplingMatrix(123, none), [1, 0, 0, 1, 0, 0]);
 * ```
 */
export function samplingMatrix(key: number, ranges: AugmentRanges): number[] {
  const [ur, us, uh, ux, uy] = uniforms(key) as [number, number, number, number, number];
  const angle = ur * ranges.rotation * Math.PI / 180, s = 1 + us * ranges.scale, h = uh * ranges.shear;
  // forward, about the centre c: p' = c + t + R S H (p - c), H = [[1, h], [0, 1]] a shear.
  // Sampling needs the inverse: p = c + M (p' - c - t), M = H⁻¹ R⁻¹ / s.
  const cos = Math.cos(angle), sin = Math.sin(angle);
  const m00 = (cos + h * sin) / s, m01 = (sin - h * cos) / s, m10 = -sin / s, m11 = cos / s;
  const centre = (IMAGE_SIDE - 1) / 2;
  const ox = centre + ux * ranges.shift, oy = centre + uy * ranges.shift;
  const tx = centre - (m00 * ox + m01 * oy), ty = centre - (m10 * ox + m11 * oy);
  return [m00, m01, m10, m11, tx, ty].map((v) => Object.is(v, -0) ? 0 : v);
}

/**
 * One image's whole transform: its sampling matrix ({@linkcode samplingMatrix}), then the elastic
 * grid's displacements (x for each point row by row, then y), drawn from a stream of the key of
 * its own (all zero when `ranges.elastic` is 0), then Simard's field as the key of its noise (in
 * two 16-bit halves), α and σ (the field itself is made where the image is transformed).
 *
 * @param key The image's key ({@linkcode augmentKey}).
 * @param ranges The ranges drawn from.
 * @returns {@linkcode TRANSFORM_FLOATS} numbers.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { imageTransform, TRANSFORM_FLOATS } from "./augment.ts";
 * const t = imageTransform(5, { rotation: 0, scale: 0, shear: 0, shift: 0, elastic: 2, alpha: 0, sigma: 4 });
 * assert.equal(t.length, TRANSFORM_FLOATS);
 * assert.deepEqual(t.slice(0, 6), [1, 0, 0, 1, 0, 0]);
 * assert.ok(t.slice(6, 56).every((d) => Math.abs(d) <= 2) && t.slice(6, 56).some((d) => d !== 0));
 * ```
 */
export function imageTransform(key: number, ranges: AugmentRanges): number[] {
  const points = 2 * ELASTIC_GRID * ELASTIC_GRID;
  const grid = ranges.elastic > 0
    ? uniforms(Math.imul(key ^ 0x5bd1e995, 0x9e3779b1) >>> 0, points).map((u) => u * ranges.elastic)
    : new Array<number>(points).fill(0);
  const noise = Math.imul(key ^ 0x68e31da4, 0x85ebca6b) >>> 0;
  const simard = ranges.alpha > 0 ? [noise >>> 16, noise & 0xffff, ranges.alpha, ranges.sigma] : [0, 0, 0, 0];
  return [...samplingMatrix(key, ranges), ...grid, ...simard];
}

/**
 * One image through its transform: bilinear samples of the input, 0 (background) outside it,
 * scaled to [0, 1] as `normalizePixels` scales bytes. Output pixel p is sampled at M p + t + d(p):
 * the affine part, plus the elastic grid's displacement interpolated at p (when given).
 *
 * @param src The image, 28x28 bytes.
 * @param out Where the 28x28 floats go.
 * @param transform Its sampling matrix ({@linkcode samplingMatrix}: 6 numbers), or its whole
 *   transform ({@linkcode imageTransform}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { augmentImage } from "./augment.ts";
 * const src = new Uint8Array(784);
 * src[10 * 28 + 10] = 255;
 * const out = new Float32Array(784);
 * augmentImage(src, out, [1, 0, 0, 1, -1, 0]); // sample one pixel to the left: the image moves right
 * assert.equal(out[10 * 28 + 11], 1);
 * ```
 */
export function augmentImage(src: Uint8Array, out: Float32Array, transform: ArrayLike<number>): void {
  const m00 = transform[0]!, m01 = transform[1]!, m10 = transform[2]!, m11 = transform[3]!;
  const tx = transform[4]!, ty = transform[5]!;
  const n = IMAGE_SIDE, side = n + 2;
  const elastic = transform.length > 6 ? elasticField(transform) : undefined;
  // the image scaled to [0, 1] inside a border of zeros: every bilinear read lands inside it
  const padded = paddedImage(src, n);
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      let sx = m00 * x + m01 * y + tx, sy = m10 * x + m11 * y + ty;
      if (elastic) sx += elastic[2 * (y * n + x)]!, sy += elastic[2 * (y * n + x) + 1]!;
      if (!(sx > -1 && sy > -1 && sx < n && sy < n)) {
        out[y * n + x] = 0; // all four neighbours outside the image
        continue;
      }
      const x0 = Math.floor(sx), y0 = Math.floor(sy), fx = sx - x0, fy = sy - y0;
      const at = (y0 + 1) * side + x0 + 1;
      out[y * n + x] = (padded[at]! * (1 - fx) + padded[at + 1]! * fx) * (1 - fy) +
        (padded[at + side]! * (1 - fx) + padded[at + side + 1]! * fx) * fy;
    }
  }
}

/**
 * The elastic displacement of a transform at every pixel (x then y, pixel by pixel): the grid's,
 * bilinear between its points, plus Simard's field; as lenet.c's augment_bytes_forward computes
 * it. Undefined when the transform has neither.
 *
 * @param transform An image's transform ({@linkcode imageTransform}).
 * @returns `2 * 28 * 28` displacements, in pixels.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { elasticField, imageTransform } from "./augment.ts";
 * const none = { rotation: 0, scale: 0, shear: 0, shift: 0, elastic: 0, alpha: 0, sigma: 4 };
 * assert.equal(elasticField(imageTransform(1, none)), undefined);
 * const field = elasticField(imageTransform(1, { ...none, alpha: 34 }))!;
 * assert.ok(field.some((d) => Math.abs(d) > 0.5)); // Simard's field moves pixels
 * ```
 */
export function elasticField(transform: ArrayLike<number>): Float64Array | undefined {
  const g = ELASTIC_GRID, n = IMAGE_SIDE, dy0 = 6 + g * g;
  let grid = false;
  for (let i = 6; i < SIMARD_AT; i++) grid ||= transform[i] !== 0;
  const alpha = transform[SIMARD_AT + 2] ?? 0;
  if (!grid && !(alpha > 0)) return undefined;
  const field = new Float64Array(2 * n * n), step = (g - 1) / (n - 1);
  for (let y = 0; grid && y < n; y++) {
    const gy = y * step, j = Math.min(Math.floor(gy), g - 2), fy = gy - j;
    for (let x = 0; x < n; x++) {
      const gx = x * step, i = Math.min(Math.floor(gx), g - 2), fx = gx - i;
      const w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy;
      for (const [axis, base] of [[0, 6], [1, dy0]] as const) {
        const at = base + j * g + i;
        field[2 * (y * n + x) + axis] = w00 * transform[at]! + w01 * transform[at + 1]! +
          w10 * transform[at + g]! + w11 * transform[at + g + 1]!;
      }
    }
  }
  if (alpha > 0) {
    const key = ((transform[SIMARD_AT]! << 16) | transform[SIMARD_AT + 1]!) >>> 0;
    addSimardField(field, key, alpha, transform[SIMARD_AT + 3]!);
  }
  return field;
}

/**
 * Simard's elastic field, added to `field` (x, y interleaved): a uniform displacement in [-1, 1)
 * at every pixel on each axis (the x field, then the y field, from `key`), each smoothed by a
 * Gaussian of standard deviation σ (radius ⌈3σ⌉, weights summing to 1, zero outside the image),
 * along rows then down columns, and scaled by α.
 */
function addSimardField(field: Float64Array, key: number, alpha: number, sigma: number): void {
  const n = IMAGE_SIDE, radius = Math.min(Math.ceil(3 * sigma), SIMARD_MAX_RADIUS);
  const weights = Array.from(
    { length: 2 * radius + 1 },
    (_, t) => Math.exp(-((t - radius) ** 2) / (2 * sigma ** 2)),
  );
  const total = weights.reduce((a, b) => a + b, 0);
  const w = weights.map((v) => v / total);
  const noise = uniforms(key, 2 * n * n), rows = new Float64Array(n * n);
  for (let axis = 0; axis < 2; axis++) {
    const u = noise.slice(axis * n * n, (axis + 1) * n * n);
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < n; x++) {
        let sum = 0;
        for (let t = -radius; t <= radius; t++) {
          if (x + t >= 0 && x + t < n) sum += w[t + radius]! * u[y * n + x + t]!;
        }
        rows[y * n + x] = sum;
      }
    }
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < n; x++) {
        let sum = 0;
        for (let t = -radius; t <= radius; t++) {
          if (y + t >= 0 && y + t < n) sum += w[t + radius]! * rows[(y + t) * n + x]!;
        }
        field[2 * (y * n + x) + axis] = field[2 * (y * n + x) + axis]! + alpha * sum;
      }
    }
  }
}

const paddedScratch = new Float64Array((IMAGE_SIDE + 2) * (IMAGE_SIDE + 2));

function paddedImage(src: Uint8Array, n: number): Float64Array {
  const side = n + 2;
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) paddedScratch[(y + 1) * side + x + 1] = src[y * n + x]! / 255;
  }
  return paddedScratch; // its border stays 0: only the interior is ever written
}

/**
 * The transforms of a batch's images, {@linkcode TRANSFORM_FLOATS} floats each: what the fused
 * engine takes to transform the images itself, in WebAssembly (`FusedTrainer.step`'s `transforms`).
 *
 * @param indices The batch's image indices.
 * @param key The key of each image.
 * @param ranges The ranges drawn from.
 * @returns `TRANSFORM_FLOATS * indices.length` floats.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { imageTransforms, TRANSFORM_FLOATS } from "./augment.ts";
 * const none = { rotation: 0, scale: 0, shear: 0, shift: 0, elastic: 0, alpha: 0, sigma: 4 };
 * const t = imageTransforms([3, 4], () => 1, none);
 * assert.equal(t.length, 2 * TRANSFORM_FLOATS);
 * assert.deepEqual([...t.subarray(TRANSFORM_FLOATS, TRANSFORM_FLOATS + 6)], [1, 0, 0, 1, 0, 0]);
 * ```
 */
export function imageTransforms(
  indices: ArrayLike<number>,
  key: (index: number) => number,
  ranges: AugmentRanges,
): Float32Array {
  const out = new Float32Array(TRANSFORM_FLOATS * indices.length); // no elastic field unless drawn
  const elastic = ranges.elastic > 0 || ranges.alpha > 0;
  for (let i = 0; i < indices.length; i++) {
    const k = key(indices[i]!), at = TRANSFORM_FLOATS * i;
    out.set(elastic ? imageTransform(k, ranges) : samplingMatrix(k, ranges), at);
  }
  return out;
}

/**
 * The images of a batch, each through its own transform for this epoch.
 *
 * @param images The training set's pixels (28x28 bytes an image).
 * @param indices The batch's image indices.
 * @param key The key of each image (e.g. `augmentKey(seed, epoch, index)`).
 * @param ranges The ranges drawn from.
 * @returns `indices.length` images of 784 floats in [0, 1].
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_TRAIN } from "../config.ts";
 * import { augmentBatch, augmentKey, augmentRanges } from "./augment.ts";
 * const images = new Uint8Array(2 * 784).fill(200);
 * const out = augmentBatch(images, [1, 0], (i) => augmentKey(1, 1, i), augmentRanges(DEFAULT_TRAIN));
 * assert.equal(out.length, 2 * 784);
 * assert.ok(out.every((v) => v >= 0 && v <= 1));
 * ```
 */
export function augmentBatch(
  images: Uint8Array,
  indices: ArrayLike<number>,
  key: (index: number) => number,
  ranges: AugmentRanges,
): Float32Array {
  const size = IMAGE_SIDE * IMAGE_SIDE, out = new Float32Array(indices.length * size);
  for (let i = 0; i < indices.length; i++) {
    const index = indices[i]!;
    augmentImage(
      images.subarray(index * size, (index + 1) * size),
      out.subarray(i * size, (i + 1) * size),
      imageTransform(key(index), ranges),
    );
  }
  return out;
}
