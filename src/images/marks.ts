/**
 * Which marks on a page are the digit. A picture of a digit holds other marks too: specks of dust
 * or toner, the rules and margin of lined paper, the shadow of a fold. Left in, they stretch the
 * digit's box, and the digit ends up small in a corner of the 28x28. Here, first, thin straight
 * lines that run across the whole picture (ruled lines, a margin) are cleared; then the ink is
 * split into marks (connected strokes as dark as at least a third of the darkest ink), the
 * largest is the digit, and so are the marks large or near enough to be a part of it (a 5's
 * detached bar); everything else is cleared, keeping the soft edges of the strokes kept.
 *
 * @module
 */
import { scratch } from "./_scratch.ts";

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

// Working arrays reused between pictures (_scratch.ts says why); none leaves keepDigitMarks.
const LABELS = scratch((n) => new Int32Array(n)), STACK = scratch((n) => new Int32Array(n));
const ROWS = scratch((n) => new Uint8Array(n)), GROWN = scratch((n) => new Uint8Array(n));
const KEPT = scratch((n) => new Uint8Array(n));

interface Mark {
  mass: number;
  box: [number, number, number, number]; // x0, y0, x1, y1, inclusive
}

// 8-connected marks of the pixels above MARK_LEVEL: a label per pixel (0: none) and each mark's ink
function findMarks(ink: Float32Array, width: number, height: number): { labels: Int32Array; marks: Mark[] } {
  const labels = LABELS(width * height, true), marks: Mark[] = [];
  const stack = STACK(width * height, false);
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
  const rows = ROWS(mask.length, true), out = GROWN(mask.length, true); // dilateLines only sets
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

/**
 * Clears, in place, thin lines that run across the whole picture (see the module's doc), unless
 * that would leave no ink at all.
 *
 * @param ink Ink levels in [0, 1], row-major.
 * @param width Picture width.
 * @param height Picture height.
 * @returns How many rows and columns were cleared.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { clearRuledLines } from "./marks.ts";
 * const ink = new Float32Array(100 * 100);
 * for (let x = 0; x < 100; x++) ink[50 * 100 + x] = 1; // a rule across
 * for (let y = 20; y < 80; y++) for (let x = 40; x < 52; x++) ink[y * 100 + x] = 1; // a thick stroke
 * assert.equal(clearRuledLines(ink, 100, 100), 1);
 * assert.equal(ink[50 * 100 + 10], 0);
 * assert.equal(ink[30 * 100 + 45], 1);
 * ```
 */
export function clearRuledLines(ink: Float32Array, width: number, height: number): number {
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

/**
 * Clears, in place, the ink of every mark that is not the digit (see the module's doc).
 *
 * @param ink Ink levels in [0, 1] (1 the darkest ink, 0 paper), row-major.
 * @param width Picture width.
 * @param height Picture height.
 * @returns How many marks were cleared.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { keepDigitMarks } from "./marks.ts";
 * const ink = new Float32Array(40 * 40);
 * for (let y = 8; y < 32; y++) for (let x = 18; x < 22; x++) ink[y * 40 + x] = 1; // a "1"
 * ink[2 * 40 + 37] = 1; // a speck in the corner
 * for (let x = 0; x < 40; x++) ink[20 * 40 + x] ||= 0.2; // a light rule across the page
 * assert.equal(keepDigitMarks(ink, 40, 40), 1);
 * assert.equal(ink[2 * 40 + 37], 0);
 * assert.equal(ink[20 * 40 + 2], 0); // the rule
 * assert.equal(ink[10 * 40 + 19], 1); // the stroke
 * ```
 */
export function keepDigitMarks(ink: Float32Array, width: number, height: number): number {
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
  const kept = KEPT(w * h, false); // every element written below
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
