/**
 * The digit's preparation as JavaScript, step by step: the reference `wasm/prepare.c` is checked
 * against (tests/images/preparation_test.ts), bit for bit, on pictures of every kind. It is the
 * preparation the library ran before the steps moved to WebAssembly, kept as plain code (no
 * reused arrays) because it is the clearest statement of what each step computes.
 *
 * @module
 */
import { IMAGE_SIDE } from "../src/config.ts";
import { ImageError, type PreparedDigit } from "../src/images/digit.ts";
import { type RasterImage, toGray } from "../src/images/raster.ts";

/** Side of the box the digit is scaled to fit, as in MNIST. */
const DIGIT_BOX = 20;

/**
 * Gray levels of any raster, alpha laid on white paper, as the library's JavaScript computes them:
 * `toGray` takes that path for samples in a plain array; 8-bit RGBA goes to WebAssembly, which the
 * tests hold to it.
 *
 * @param image Decoded samples.
 * @returns One float per pixel.
 */
export function referenceGray(image: RasterImage): Float32Array {
  return toGray({ ...image, data: Array.from(image.data) });
}

// ---- marks: which marks on a page are the digit

/** Ink above this (of 1, after the paper's noise floor) makes a mark: light rules and the margin
 * of lined paper, pencil guide lines and shadows stay below it. */
const MARK_LEVEL = 1 / 3;
/** A mark at least this share of the largest one's ink is a part of the digit wherever it is. */
const PART_SHARE = 0.1;
/** A smaller mark, down to {@linkcode BIT_SHARE} of the largest one's ink, is a part of the digit
 * when its centre lies within the largest mark's box grown by this share of its longer side on
 * every side: bits of a broken stroke. Dust is smaller, wherever it lies. */
const NEAR = 0.25;
/** See {@linkcode NEAR}. */
const BIT_SHARE = 0.02;
/** How far, in pixels, the soft edges of the kept marks reach. */
const EDGE = 2;
/** A row or column with ink along this share of its length is part of a line across the picture. */
const LINE_COVER = 0.85;
/** Such a line is a rule, not a stroke, when it is at most this share of the picture thick. */
const LINE_THIN = 0.03;

interface Mark {
  mass: number;
  box: [number, number, number, number]; // x0, y0, x1, y1, inclusive
}

// 8-connected marks of the pixels above MARK_LEVEL: a label per pixel (0: none) and each mark's ink
function findMarks(ink: Float32Array, width: number, height: number): { labels: Int32Array; marks: Mark[] } {
  const labels = new Int32Array(width * height), marks: Mark[] = [];
  const stack = new Int32Array(width * height);
  for (let start = 0; start < ink.length; start++) {
    if (labels[start] || !(ink[start]! > MARK_LEVEL)) continue;
    const label = marks.length + 1;
    let top = 0, mass = 0, x0 = width, y0 = height, x1 = -1, y1 = -1;
    stack[top++] = start, labels[start] = label;
    while (top > 0) {
      const at = stack[--top]!, x = at % width, y = (at - x) / width;
      mass += ink[at]!;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
      const left = x > 0 ? -1 : 0, right = x < width - 1 ? 1 : 0;
      for (let dy = y > 0 ? -1 : 0; dy <= (y < height - 1 ? 1 : 0); dy++) {
        for (let dx = left; dx <= right; dx++) {
          const next = at + dy * width + dx;
          if (!labels[next] && ink[next]! > MARK_LEVEL) labels[next] = label, stack[top++] = next;
        }
      }
    }
    marks.push({ mass, box: [x0, y0, x1, y1] });
  }
  return { labels, marks };
}

// which marks are the digit: the largest, and those large or near enough to it
function digitMarks(marks: Mark[]): boolean[] {
  const largest = marks.reduce((a, b) => (b.mass > a.mass ? b : a));
  const [x0, y0, x1, y1] = largest.box, grow = NEAR * Math.max(x1 - x0 + 1, y1 - y0 + 1);
  return marks.map(({ mass, box }) => {
    const cx = (box[0] + box[2]) / 2, cy = (box[1] + box[3]) / 2;
    const near = cx >= x0 - grow && cx <= x1 + grow && cy >= y0 - grow && cy <= y1 + grow;
    return mass >= PART_SHARE * largest.mass || (near && mass >= BIT_SHARE * largest.mass);
  });
}

// the kept marks' pixels grown by `r` (a square), as a mask: along the rows, then down the
// columns, each pass marking what lies within `r` of the nearest set pixel on either side
function grow(mask: Uint8Array, width: number, height: number, r: number): Uint8Array {
  const rows = new Uint8Array(mask.length), out = new Uint8Array(mask.length); // dilateLines only sets
  dilateLines(mask, rows, height, width, width, 1, r);
  dilateLines(rows, out, width, height, 1, width, r);
  return out;
}

// `lines` lines of `length` pixels (the first at `i * lineStep`, the next pixel `step` on)
function dilateLines(
  from: Uint8Array,
  to: Uint8Array,
  lines: number,
  length: number,
  lineStep: number,
  step: number,
  r: number,
): void {
  for (let line = 0; line < lines; line++) {
    const first = line * lineStep;
    // the last set pixel before, then the next one after; none yet: out of reach (kept small
    // integers, which V8 keeps unboxed)
    let last = -r - 1;
    for (let k = 0; k < length; k++) {
      if (from[first + k * step]) last = k;
      if (k - last <= r) to[first + k * step] = 1;
    }
    last = length + r;
    for (let k = length - 1; k >= 0; k--) {
      if (from[first + k * step]) last = k;
      if (last - k <= r) to[first + k * step] = 1;
    }
  }
}

// Runs of lines (rows or columns) inked along most of their length, no thicker than a rule: a
// ruled line or a margin, whatever crosses it. Their indices.
function ruledBands(inked: Uint32Array, length: number): number[] {
  const lines = inked.length, thin = Math.max(1, Math.round(LINE_THIN * length)), out: number[] = [];
  const covered = (i: number) => inked[i]! >= LINE_COVER * length;
  for (let i = 0; i < lines;) {
    let end = i;
    while (end < lines && covered(end)) end++;
    if (end > i && end - i <= thin) { for (let k = i; k < end; k++) out.push(k); }
    i = Math.max(end, i + 1);
  }
  return out;
}

// How many inked pixels each row and each column has, in one pass.
function inkedCounts(
  ink: Float32Array,
  width: number,
  height: number,
): { rows: Uint32Array; columns: Uint32Array } {
  const rows = new Uint32Array(height), columns = new Uint32Array(width);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let n = 0;
    for (let x = 0; x < width; x++) {
      if (ink[row + x]! > 0) n++, columns[x]!++;
    }
    rows[y] = n;
  }
  return { rows, columns };
}

// clears, in place, thin lines that run across the whole picture, unless that leaves no mark
function clearRuledLines(ink: Float32Array, width: number, height: number): number {
  const counts = inkedCounts(ink, width, height);
  const rows = ruledBands(counts.rows, width), columns = ruledBands(counts.columns, height);
  if (rows.length + columns.length === 0) return 0;
  const cleared = ink.slice();
  for (const y of rows) cleared.fill(0, y * width, (y + 1) * width);
  for (const x of columns) for (let y = 0; y < height; y++) cleared[y * width + x] = 0;
  if (!cleared.some((v) => v > MARK_LEVEL)) return 0; // it was all lines: leave it be
  ink.set(cleared);
  return rows.length + columns.length;
}

// clears, in place, the ink of every mark that is not the digit
function keepDigitMarks(ink: Float32Array, width: number, height: number): number {
  clearRuledLines(ink, width, height);
  const { labels, marks } = findMarks(ink, width, height);
  if (marks.length === 0) return 0;
  const keep = digitMarks(marks);
  // everything outside the kept marks' box grown by the edge is cleared outright; the mask is
  // built and grown inside that box only (the digit is a fraction of most pictures)
  let [x0, y0, x1, y1] = [width, height, -1, -1];
  marks.forEach(({ box }, k) => {
    if (keep[k]) {
      x0 = Math.min(x0, box[0]),
        y0 = Math.min(y0, box[1]),
        x1 = Math.max(x1, box[2]),
        y1 = Math.max(y1, box[3]);
    }
  });
  x0 = Math.max(0, x0 - EDGE), y0 = Math.max(0, y0 - EDGE);
  x1 = Math.min(width - 1, x1 + EDGE), y1 = Math.min(height - 1, y1 + EDGE);
  const w = x1 - x0 + 1, h = y1 - y0 + 1;
  const kept = new Uint8Array(w * h); // every element written below
  for (let y = 0; y < h; y++) {
    for (let x = 0, at = (y0 + y) * width + x0; x < w; x++, at++) {
      kept[y * w + x] = labels[at] && keep[labels[at]! - 1] ? 1 : 0;
    }
  }
  const reach = grow(kept, w, h, EDGE);
  ink.fill(0, 0, y0 * width), ink.fill(0, (y1 + 1) * width);
  for (let y = y0; y <= y1; y++) {
    const row = y * width;
    ink.fill(0, row, row + x0), ink.fill(0, row + x1 + 1, row + width);
    for (let x = x0; x <= x1; x++) if (!reach[(y - y0) * w + x - x0]) ink[row + x] = 0;
  }
  return keep.filter((k) => !k).length;
}

// ---- the digit

/** Below this contrast between ink and paper, the picture is taken as blank. */
const MIN_CONTRAST = 0.15;
/** Share of the ink range treated as paper noise (shadows, JPEG ringing) and cleared. */
const NOISE_FLOOR = 0.25;

// The paper's level: the median of a frame 4% of the shorter side wide around the picture.
function borderLevel(gray: Float32Array, width: number, height: number): number {
  const t = Math.max(1, Math.round(0.04 * Math.min(width, height)));
  const values = new Float32Array(width * height);
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

// area averaging: each output pixel the mean of the input area it covers
function resizeArea(src: Float32Array, sw: number, sh: number, dw: number, dh: number): Float32Array {
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
  const ink = new Float32Array(gray.length); // every element written below
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
  const inked = new Uint8Array(w * h), across = new Uint8Array(w * h), solid = new Uint8Array(w * h);
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
 * The preparation as it was written in JavaScript before it moved to WebAssembly: the oracle the
 * tests hold wasm/prepare.c to, bit for bit.
 *
 * @param gray Gray levels, row-major.
 * @param width Picture width.
 * @param height Picture height.
 * @returns The 28x28 input and what was done.
 * @throws {ImageError} When the picture is blank, with the message the library gives.
 */
export function referencePreparation(gray: Float32Array, width: number, height: number): PreparedDigit {
  const { ink, inverted } = inkLevels(gray, borderLevel(gray, width, height));
  keepDigitMarks(ink, width, height); // specks, rules, margins: not the digit
  const box = inkBox(ink, width, height);
  const [bx, by, bw, bh] = box;
  const crop = new Float32Array(bw * bh); // every row set below
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
