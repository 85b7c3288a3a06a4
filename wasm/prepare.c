// The digit's preparation: from a picture of one digit to the 28x28 the model expects, as MNIST's
// own images were made (src/images/digit.ts lists the steps and calls this module through
// src/images/_preparation.ts). One call per picture: a drawing on the page's 280x280 pad is
// prepared in about three times the model's own time, where the same steps in JavaScript took
// about twenty (bench/inference_bench.ts).
//
// Every step gives the bits of the JavaScript it replaced (testing/preparation_reference.ts, which
// tests/images/preparation_test.ts holds this to): JavaScript's arithmetic (double precision,
// rounded to float where a Float32Array stored the value; Math.round's halves up; Math.min and max
// with their NaN), no fused multiply-adds (-ffp-contract=off), and the paper's level is the element
// a typed array's sort puts in the middle (-0 before +0, NaN last).
//
// Speed: every step after the ink's levels reads only the region where ink is left; paper is
// skipped four or sixteen pixels at a time; the marks are runs along the rows joined across rows;
// rare arithmetic sits in functions of its own (V8 compiles a loop several times slower when it is
// inside).
//
// Memory: one bump arena; the caller asks prepare_reserve() for room for the picture, writes it
// there (gray floats, or 8-bit RGBA), then calls prepare_gray() or prepare_rgba().
//
//   deno task build:wasm

#include <stdint.h>
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))

// ----------------------------------------------------------------------------
// the steps' constants

#define IMAGE_SIDE 28
#define DIGIT_BOX 20            // the digit is scaled to fit 20x20, as in MNIST
#define BORDER_SHARE 0.04       // the paper's level: the median of a frame this share wide
#define MIN_CONTRAST 0.15       // below this contrast between ink and paper: blank
#define NOISE_FLOOR 0.25        // share of the ink range cleared as paper noise
#define MARK_LEVEL (1.0 / 3.0)  // ink above this makes a mark
#define PART_SHARE 0.1          // a mark this share of the largest one's ink is part of the digit
#define NEAR 0.25               // ...or a smaller one, centred this near the largest one's box
#define BIT_SHARE 0.02          // ...down to this share
#define EDGE 2                  // how far the kept marks' soft edges reach, pixels
#define LINE_COVER 0.85         // a row or column inked along this share of its length...
#define LINE_THIN 0.03          // ...in a run at most this share of the picture thick: a rule

// ----------------------------------------------------------------------------
// JavaScript's arithmetic

static double js_floor(double x) { return __builtin_floor(x); }
static double js_ceil(double x) { return __builtin_ceil(x); }
static int is_nan(double x) { return x != x; }
// Math.round: the nearest integer, halves toward +infinity
static double js_round(double x) {
  double r = js_floor(x);
  return x - r >= 0.5 ? r + 1 : r;
}
// Math.max and Math.min of two: NaN if either is, +0 above -0
static double js_max(double a, double b) {
  if (is_nan(a) || is_nan(b)) return __builtin_nan("");
  if (a == b) return __builtin_signbit(a) ? b : a;
  return a > b ? a : b;
}
static double js_min(double a, double b) {
  if (is_nan(a) || is_nan(b)) return __builtin_nan("");
  if (a == b) return __builtin_signbit(a) ? a : b;
  return a < b ? a : b;
}
static int imin(int a, int b) { return a < b ? a : b; }
static int imax(int a, int b) { return a > b ? a : b; }

// ----------------------------------------------------------------------------
// the arena: the input, then every working array of one call, carved from the memory past the
// data and grown as they are taken (a wasm memory never shrinks: the caller gives a very large
// picture an instance of its own)

extern unsigned char __heap_base;
static uintptr_t arena_start, arena_top;

// room up to `end`, growing the memory; traps when it cannot grow (the caller says so)
static void room(uint64_t end) {
  uint64_t have = (uint64_t)__builtin_wasm_memory_size(0) * 65536;
  if (end <= have) return;
  if (end > 0xFFFF0000u || __builtin_wasm_memory_grow(0, (end - have + 65535) / 65536) == (uintptr_t)-1) {
    __builtin_trap();
  }
}

static void *take(uint32_t bytes) {
  uintptr_t at = (arena_top + 15) & ~(uintptr_t)15;
  room((uint64_t)at + bytes);
  arena_top = at + bytes;
  return (void *)at;
}

// Room for `input_bytes` of input (a gray or RGBA picture): where to write it.
EXPORT(prepare_reserve) uint32_t prepare_reserve(uint32_t input_bytes) {
  if (!arena_start) arena_start = ((uintptr_t)&__heap_base + 15) & ~(uintptr_t)15;
  arena_top = arena_start;
  return (uint32_t)(uintptr_t)take(input_bytes);
}

// ----------------------------------------------------------------------------
// what a call answers: the 28x28, whether the picture was inverted, the ink's box, and the contrast
// of a picture found blank

static struct {
  float pixels[IMAGE_SIDE * IMAGE_SIDE];
  int32_t inverted;
  int32_t box[4];   // x, y, width, height
  double contrast;  // set when the picture is blank
} result;

EXPORT(prepare_result) uint32_t prepare_result(void) { return (uint32_t)(uintptr_t)&result; }

// ----------------------------------------------------------------------------
// gray levels of 8-bit RGBA, alpha laid on white paper (raster.ts's toGray): a pixel whose four
// bytes repeat the previous pixel's reuses its level

// (out of the loop: V8 compiles a loop with this arithmetic inside it several times slower)
__attribute__((noinline)) static float gray_of_pixel(const uint8_t *p, double max_value) {
  double luma = 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
  double alpha = p[3] / max_value;
  return (float)(alpha * (luma / max_value) + (1 - alpha));
}

static void gray_of_rgba(const uint8_t *rgba, uint32_t n, double max_value, float *gray) {
  const uint32_t *words = (const uint32_t *)rgba;
  if (n == 0) return;
  uint32_t last = words[0], i = 0;
  float level = gray_of_pixel(rgba, max_value);
  for (; i + 4 <= n; i += 4) {
    v128_t same = wasm_i32x4_splat((int32_t)last), level4 = wasm_f32x4_splat(level);
    while (i + 16 <= n) { // sixteen repeats of the last pixel
      v128_t all = wasm_v128_and(
        wasm_v128_and(wasm_i32x4_eq(wasm_v128_load(words + i), same), wasm_i32x4_eq(wasm_v128_load(words + i + 4), same)),
        wasm_v128_and(wasm_i32x4_eq(wasm_v128_load(words + i + 8), same), wasm_i32x4_eq(wasm_v128_load(words + i + 12), same)));
      if (!wasm_i32x4_all_true(all)) break;
      wasm_v128_store(gray + i, level4), wasm_v128_store(gray + i + 4, level4);
      wasm_v128_store(gray + i + 8, level4), wasm_v128_store(gray + i + 12, level4);
      i += 16;
    }
    if (i + 4 > n) break;
    if (wasm_i32x4_all_true(wasm_i32x4_eq(wasm_v128_load(words + i), same))) {
      wasm_v128_store(gray + i, level4); // four repeats
      continue;
    }
    for (uint32_t k = i; k < i + 4; k++) {
      if (words[k] != last) level = gray_of_pixel(rgba + 4 * k, max_value), last = words[k];
      gray[k] = level;
    }
  }
  for (; i < n; i++) {
    if (words[i] != last) level = gray_of_pixel(rgba + 4 * i, max_value), last = words[i];
    gray[i] = level;
  }
}

// ----------------------------------------------------------------------------
// the paper's level: the median of a frame around the picture, as a typed array's sort orders it

// a float's bits as an unsigned key in the sort's order: -0 before +0, every NaN last
static uint32_t sort_key(float v) {
  union { float f; uint32_t u; } bits = {v};
  if (v != v) return 0xFFFFFFFFu;
  return bits.u & 0x80000000u ? ~bits.u : bits.u | 0x80000000u;
}
static float key_value(uint32_t key) {
  union { float f; uint32_t u; } bits;
  if (key == 0xFFFFFFFFu) return __builtin_nanf("");
  bits.u = key & 0x80000000u ? key & 0x7FFFFFFFu : ~key;
  return bits.f;
}

// the k-th smallest of n keys (quickselect, Hoare's partition; the keys are reordered)
static uint32_t select_key(uint32_t *keys, int32_t n, int32_t k) {
  int32_t lo = 0, hi = n - 1;
  while (lo < hi) {
    uint32_t pivot = keys[lo + (hi - lo) / 2];
    int32_t i = lo, j = hi;
    while (i <= j) {
      while (keys[i] < pivot) i++;
      while (keys[j] > pivot) j--;
      if (i <= j) {
        uint32_t t = keys[i];
        keys[i++] = keys[j], keys[j--] = t;
      }
    }
    // lo..j are at most the pivot, i..hi at least, and between them the pivot itself
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return keys[k];
  }
  return keys[k];
}

static float border_level(const float *gray, int width, int height) {
  int t = (int)js_max(1, js_round(BORDER_SHARE * imin(width, height)));
  uint32_t *keys = take((uint32_t)width * height * 4);
  uint32_t n = 0;
  int same = 1;
  for (int y = 0; y < height; y++) {
    const float *row = gray + (uint32_t)y * width;
    int full = y < t || y >= height - t;
    int left = full ? width : imin(t, width), right = full ? width : imax(t, width - t);
    for (int x = 0; x < left; x++) keys[n++] = sort_key(row[x]);
    for (int x = right; x < width; x++) keys[n++] = sort_key(row[x]);
  }
  for (uint32_t i = 1; i < n && same; i++) same = keys[i] == keys[0];
  float level = key_value(same ? keys[0] : select_key(keys, (int32_t)n, (int32_t)(n / 2)));
  arena_top = (uintptr_t)keys; // the keys are done with
  return level;
}

// ----------------------------------------------------------------------------
// ink from 0 (paper) to 1, whichever of dark-on-light or light-on-dark the paper says; levels
// within the noise floor of the paper cleared. Also where any ink is: the region every later step
// reads (outside it the ink is 0).

typedef struct {
  int x0, y0, x1, y1; // inclusive; empty when x1 < x0
} Region;

// (out of the loop that calls it: V8 compiles that loop ~4x slower with this inside)
__attribute__((noinline)) static float ink_level(double above, double range) {
  return (float)js_min(1, js_max(0, (above / range - NOISE_FLOOR) / (1 - NOISE_FLOOR)));
}

// gray, or 1 - gray, into ink; returns the largest (NaN never is). 1 - gray in float is the float
// of 1 - gray in double: a double holds twice a float's digits and more, so rounding twice cannot
// differ from rounding once.
static float flip(const float *gray, uint32_t n, int inverted, float *ink) {
  v128_t peak4 = wasm_f32x4_splat(0), one = wasm_f32x4_splat(1);
  uint32_t i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t v = wasm_v128_load(gray + i);
    if (inverted) v = wasm_f32x4_sub(one, v);
    wasm_v128_store(ink + i, v);
    peak4 = wasm_f32x4_pmax(peak4, v); // v > peak ? v : peak, lane by lane: NaN never wins
  }
  float peak = 0;
  for (int k = 0; k < 4; k++) {
    float v = wasm_f32x4_extract_lane(peak4, 0);
    peak4 = wasm_i32x4_shuffle(peak4, peak4, 1, 2, 3, 0);
    if (v > peak) peak = v;
  }
  for (; i < n; i++) {
    float v = inverted ? 1 - gray[i] : gray[i];
    ink[i] = v;
    if (v > peak) peak = v;
  }
  return peak;
}

// The floats the arithmetic of a level sends to 0 and to 1: at most `zero_to` (the pixel's level
// above the paper is within the noise floor, with a margin) and at least `one_from` (the darkest
// ink). Found by stepping from a first guess, as the double arithmetic decides (it is monotonic in
// the float), so that comparing floats four at a time answers what it would.
typedef struct {
  float zero_to, one_from;
  int usable; // 0 when the paper's level or the range is not a finite number
} Cuts;

static float next_float(float f, int up) {
  union { float f; uint32_t u; } bits = {f};
  if (f == 0) return up ? 1e-45f : -1e-45f;
  bits.u += (f > 0) == up ? 1 : -1;
  return bits.f;
}

static int zero_level(float f, double background, double clear) { return (double)f - background <= clear; }
static int one_level(float f, double background, double range) { return (double)f - background >= range; }

static Cuts cuts_of(double background, double clear, double range) {
  Cuts cuts = {0, 0, 0};
  if (!(background - background == 0 && range - range == 0)) return cuts; // NaN or infinite
  float f = (float)(background + clear);
  while (!zero_level(f, background, clear)) f = next_float(f, 0);
  while (zero_level(next_float(f, 1), background, clear)) f = next_float(f, 1);
  cuts.zero_to = f;
  f = (float)(background + range);
  while (!one_level(f, background, range)) f = next_float(f, 1);
  while (one_level(next_float(f, 0), background, range)) f = next_float(f, 0);
  cuts.one_from = f, cuts.usable = 1;
  return cuts;
}

// one row of levels from flipped gray; returns the first and last x with ink (last < first: none)
static void level_row(float *ink, int width, double background, double range, Cuts cuts, int *first,
                      int *last) {
  double clear = 0.9 * NOISE_FLOOR * range;
  v128_t zero_to = wasm_f32x4_splat(cuts.zero_to), one_from = wasm_f32x4_splat(cuts.one_from);
  v128_t ones = wasm_f32x4_splat(1);
  int x = 0;
  *first = width, *last = -1;
  for (; cuts.usable && x + 4 <= width; x += 4) {
    // most pixels are paper, well under the noise floor, or the darkest ink: 0 and 1 as the
    // arithmetic gives them, without its two divisions; four at a time
    v128_t v = wasm_v128_load(ink + x);
    v128_t zero = wasm_f32x4_le(v, zero_to), one = wasm_f32x4_ge(v, one_from);
    if (wasm_i32x4_all_true(wasm_v128_or(zero, one))) {
      wasm_v128_store(ink + x, wasm_v128_and(one, ones));
      if (!wasm_v128_any_true(one)) continue;
      int bits = wasm_i32x4_bitmask(one);
      if (x + __builtin_ctz(bits) < *first) *first = x + __builtin_ctz(bits);
      *last = x + 31 - __builtin_clz(bits);
      continue;
    }
    for (int k = x; k < x + 4; k++) {
      double above = (double)ink[k] - background;
      ink[k] = above <= clear ? 0 : above >= range ? 1 : ink_level(above, range);
      if (ink[k] > 0) {
        if (k < *first) *first = k;
        *last = k;
      }
    }
  }
  for (; x < width; x++) {
    double above = (double)ink[x] - background;
    ink[x] = above <= clear ? 0 : above >= range ? 1 : ink_level(above, range);
    if (ink[x] > 0) {
      if (x < *first) *first = x;
      *last = x;
    }
  }
}

// The levels of flipped gray (`peak` its largest); returns 0, or 1 when the picture is blank (its
// contrast in the result).
static int ink_levels(float *ink, int width, int height, float paper, int inverted, double peak, Region *region) {
  double background = inverted ? 1 - (double)paper : paper;
  if (peak - background < MIN_CONTRAST) {
    result.contrast = peak - background;
    return 1;
  }
  double range = peak - background;
  Cuts cuts = cuts_of(background, 0.9 * NOISE_FLOOR * range, range);
  *region = (Region){width, height, -1, -1};
  for (int y = 0; y < height; y++) {
    int first, last;
    level_row(ink + (uint32_t)y * width, width, background, range, cuts, &first, &last);
    if (last < 0) continue;
    if (region->y1 < 0) region->y0 = y;
    region->y1 = y;
    region->x0 = imin(region->x0, first), region->x1 = imax(region->x1, last);
  }
  return 0;
}

// ----------------------------------------------------------------------------
// Which marks on a page are the digit. A picture of a digit holds other marks too: specks of dust
// or toner, the rules and margin of lined paper, the shadow of a fold. Left in, they stretch the
// digit's box, and the digit ends up small in a corner of the 28x28. So, first, thin straight lines
// that run across the whole picture (ruled lines, a margin) are cleared; then the ink is split into
// marks (connected strokes as dark as at least a third of the darkest ink: light rules, pencil
// guide lines and shadows stay below that), the largest is the digit, and so are the marks large
// or near enough to be a part of it (a 5's detached bar, bits of a broken stroke; dust is smaller,
// wherever it lies); everything else is cleared, keeping the soft edges of the strokes kept.

// ruled lines: thin runs of rows (or columns) inked along most of their length, cleared unless
// that leaves no mark

// marks `cut[i]` for each line of a run of covered lines no thicker than a rule; returns how many
static int ruled_bands(const uint32_t *inked, int lines, int length, uint8_t *cut) {
  int thin = (int)js_max(1, js_round(LINE_THIN * length)), found = 0;
  for (int i = 0; i < lines;) {
    int end = i;
    while (end < lines && inked[end] >= LINE_COVER * length) end++;
    if (end > i && end - i <= thin) {
      for (int k = i; k < end; k++) cut[k] = 1, found++;
    }
    i = imax(end, i + 1);
  }
  return found;
}

// (the ink outside `r` is 0: every count there is too)
static void clear_ruled_lines(float *ink, int width, int height, Region r) {
  uintptr_t top = arena_top;
  uint32_t *rows = take((uint32_t)height * 4), *columns = take((uint32_t)width * 4);
  uint8_t *cut_rows = take((uint32_t)height), *cut_columns = take((uint32_t)width);
  for (int x = 0; x < width; x++) columns[x] = 0, cut_columns[x] = 0;
  for (int y = 0; y < height; y++) rows[y] = 0, cut_rows[y] = 0;
  for (int y = r.y0; y <= r.y1; y++) {
    const float *row = ink + (uint32_t)y * width;
    uint32_t count = 0;
    for (int x = r.x0; x <= r.x1; x++) {
      int inked = row[x] > 0;
      count += inked, columns[x] += inked;
    }
    rows[y] = count;
  }
  int found = ruled_bands(rows, height, width, cut_rows) + ruled_bands(columns, width, height, cut_columns);
  int marks_left = 0; // a mark outside the lines: else it was all lines, left be
  for (int y = r.y0; y <= r.y1 && found && !marks_left; y++) {
    if (cut_rows[y]) continue;
    const float *row = ink + (uint32_t)y * width;
    for (int x = r.x0; x <= r.x1; x++) {
      if (!cut_columns[x] && row[x] > MARK_LEVEL) {
        marks_left = 1;
        break;
      }
    }
  }
  for (int y = r.y0; y <= r.y1 && marks_left; y++) {
    float *row = ink + (uint32_t)y * width;
    for (int x = r.x0; x <= r.x1; x++) {
      if (cut_rows[y] || cut_columns[x]) row[x] = 0;
    }
  }
  arena_top = top; // the counts are done with
}

// ----------------------------------------------------------------------------
// marks: 8-connected strokes above MARK_LEVEL, found as runs along the rows joined across rows
// (union-find). Each mark is numbered by its first pixel in reading order, and its mass is exact
// in any order of summing: its pixels are floats in [1/3, 1], multiples of 2^-25, and a double
// holds any sum of fewer than 2^28 of them exactly.

typedef struct {
  int32_t x0, x1, y; // the run's pixels: x0..x1 of row y
  int32_t parent;    // union-find: the run's link towards its mark's first run
} Run;

typedef struct {
  double mass;
  int32_t box[4]; // x0, y0, x1, y1, inclusive
} Mark;

static int32_t root_of(Run *runs, int32_t i) {
  int32_t root = i;
  while (runs[root].parent != root) root = runs[root].parent;
  while (runs[i].parent != root) {
    int32_t next = runs[i].parent;
    runs[i].parent = root, i = next;
  }
  return root;
}

// the two runs' marks made one, led by the earlier run
static void join(Run *runs, int32_t a, int32_t b) {
  a = root_of(runs, a), b = root_of(runs, b);
  if (a < b) runs[b].parent = a;
  else if (b < a) runs[a].parent = b;
}

// the runs of one row's pixels above MARK_LEVEL in x0..x1, appended from runs[count]
static uint32_t row_runs(const float *row, int y, int x0, int x1, Run *runs, uint32_t count) {
  v128_t level = wasm_f32x4_splat(0.33333334f); // above a third, in float: at least the float just above
  int x = x0;
  while (x <= x1) {
    if (x + 4 <= x1 + 1 && !wasm_v128_any_true(wasm_f32x4_ge(wasm_v128_load(row + x), level))) {
      x += 4;
      continue;
    }
    if (!(row[x] > MARK_LEVEL)) {
      x++;
      continue;
    }
    int start = x;
    while (x <= x1 && row[x] > MARK_LEVEL) x++;
    room((uint64_t)(uintptr_t)(runs + count + 1));
    runs[count] = (Run){start, x - 1, y, (int32_t)count};
    count++;
  }
  return count;
}

// The runs in `r` (outside it the ink is 0), written from `runs` on (the last array taken, grown
// with each), joined into marks; returns how many runs.
static uint32_t find_runs(const float *ink, int width, Region r, Run *runs) {
  uint32_t count = 0, above = 0, above_end = 0; // the runs of the row above
  for (int y = r.y0; y <= r.y1; y++) {
    uint32_t first = count;
    count = row_runs(ink + (uint32_t)y * width, y, r.x0, r.x1, runs, count);
    uint32_t j = above;
    for (uint32_t i = first; i < count; i++) {
      // 8-connected: a run above touches this one when it reaches within a pixel of it
      while (j < above_end && runs[j].x1 < runs[i].x0 - 1) j++;
      for (uint32_t k = j; k < above_end && runs[k].x0 <= runs[i].x1 + 1; k++) join(runs, (int32_t)i, (int32_t)k);
    }
    above = first, above_end = count;
  }
  return count;
}

// The marks of the runs, numbered in reading order; each run's `parent` becomes its mark's number.
// Returns how many marks.
static uint32_t marks_of_runs(const float *ink, int width, Run *runs, uint32_t count, Mark *marks) {
  uint32_t found = 0;
  for (uint32_t i = 0; i < count; i++) runs[i].parent = root_of(runs, (int32_t)i);
  for (uint32_t i = 0; i < count; i++) { // a mark's first run is its root: numbered before the rest
    Run *run = &runs[i];
    if (run->parent == (int32_t)i) {
      marks[found] = (Mark){0, {run->x0, run->y, run->x1, run->y}};
      run->parent = (int32_t)found++;
    } else {
      run->parent = runs[run->parent].parent; // the root, earlier, already holds its number
    }
    Mark *mark = &marks[run->parent];
    const float *row = ink + (uint32_t)run->y * width;
    double mass = 0;
    for (int x = run->x0; x <= run->x1; x++) mass += row[x];
    mark->mass += mass;
    if (run->x0 < mark->box[0]) mark->box[0] = run->x0;
    if (run->x1 > mark->box[2]) mark->box[2] = run->x1;
    if (run->y > mark->box[3]) mark->box[3] = run->y;
  }
  return found;
}

// which marks are the digit: the largest, and those large or near enough to it
static void digit_marks(const Mark *marks, uint32_t count, uint8_t *keep) {
  const Mark *largest = &marks[0];
  for (uint32_t k = 1; k < count; k++) {
    if (marks[k].mass > largest->mass) largest = &marks[k];
  }
  double x0 = largest->box[0], y0 = largest->box[1], x1 = largest->box[2], y1 = largest->box[3];
  double grow = NEAR * js_max(x1 - x0 + 1, y1 - y0 + 1);
  for (uint32_t k = 0; k < count; k++) {
    const int32_t *box = marks[k].box;
    double cx = (box[0] + box[2]) / 2.0, cy = (box[1] + box[3]) / 2.0;
    int near = cx >= x0 - grow && cx <= x1 + grow && cy >= y0 - grow && cy <= y1 + grow;
    keep[k] = marks[k].mass >= PART_SHARE * largest->mass || (near && marks[k].mass >= BIT_SHARE * largest->mass);
  }
}

// Where the kept marks reach, grown by EDGE (a square): a w x h mask of the box at (x0, y0).
static uint8_t *reach_of(const Run *runs, uint32_t count, const uint8_t *keep, int x0, int y0, int w, int h) {
  int pw = w + 2 * EDGE; // kept, with EDGE empty columns on either side
  uint8_t *kept = take((uint32_t)pw * h), *rows = take((uint32_t)w * h), *reach = take((uint32_t)w * h);
  for (uint32_t i = 0; i < (uint32_t)pw * h; i++) kept[i] = 0;
  for (uint32_t i = 0; i < count; i++) {
    if (!keep[runs[i].parent]) continue;
    uint8_t *row = kept + (uint32_t)(runs[i].y - y0) * pw + EDGE - x0;
    for (int x = runs[i].x0; x <= runs[i].x1; x++) row[x] = 1;
  }
  for (int y = 0; y < h; y++) { // along the rows
    const uint8_t *a = kept + (uint32_t)y * pw + EDGE;
    uint8_t *b = rows + (uint32_t)y * w;
    for (int x = 0; x < w; x++) b[x] = a[x - 2] | a[x - 1] | a[x] | a[x + 1] | a[x + 2];
  }
  for (int y = 0; y < h; y++) { // then down the columns
    uint8_t *b = reach + (uint32_t)y * w;
    for (int x = 0; x < w; x++) b[x] = 0;
    for (int from = imax(0, y - EDGE); from <= imin(h - 1, y + EDGE); from++) {
      const uint8_t *a = rows + (uint32_t)from * w;
      for (int x = 0; x < w; x++) b[x] |= a[x];
    }
  }
  return reach;
}

// Clears the ink of every mark that is not the digit, keeping the kept marks' soft edges; returns
// the region where ink is left (the kept marks' box grown by the edge).
static Region keep_digit_marks(float *ink, int width, int height, Region r) {
  clear_ruled_lines(ink, width, height, r);
  uintptr_t top = arena_top;
  Run *runs = take(0);
  uint32_t count = find_runs(ink, width, r, runs);
  if (count == 0) return (arena_top = top, r);
  arena_top = (uintptr_t)(runs + count);
  Mark *marks = take(count * sizeof(Mark));
  uint32_t found = marks_of_runs(ink, width, runs, count, marks);
  uint8_t *keep = take(found);
  digit_marks(marks, found, keep);
  int x0 = width, y0 = height, x1 = -1, y1 = -1;
  for (uint32_t k = 0; k < found; k++) {
    if (!keep[k]) continue;
    x0 = imin(x0, marks[k].box[0]), y0 = imin(y0, marks[k].box[1]);
    x1 = imax(x1, marks[k].box[2]), y1 = imax(y1, marks[k].box[3]);
  }
  x0 = imax(0, x0 - EDGE), y0 = imax(0, y0 - EDGE);
  x1 = imin(width - 1, x1 + EDGE), y1 = imin(height - 1, y1 + EDGE);
  int w = x1 - x0 + 1;
  const uint8_t *reach = reach_of(runs, count, keep, x0, y0, w, y1 - y0 + 1);
  for (int y = r.y0; y <= r.y1; y++) {
    float *row = ink + (uint32_t)y * width;
    if (y < y0 || y > y1) {
      for (int x = r.x0; x <= r.x1; x++) row[x] = 0;
      continue;
    }
    const uint8_t *in = reach + (uint32_t)(y - y0) * w - x0;
    int from = imax(r.x0, x0), to = imin(r.x1, x1);
    for (int x = r.x0; x < from; x++) row[x] = 0;
    for (int x = from; x <= to; x++) row[x] = in[x] ? row[x] : 0;
    for (int x = to + 1; x <= r.x1; x++) row[x] = 0;
  }
  arena_top = top;
  return (Region){x0, y0, x1, y1};
}

// ----------------------------------------------------------------------------
// the ink's box, ignoring specks: a pixel counts when most of its 3x3 neighbourhood is ink too (a
// median filter), so dithering, dust and sensor noise do not stretch the box. Strokes one pixel
// thin vanish under that filter; then every ink pixel counts. The counts run over the box of all
// ink and a pixel around it only: outside it every count is 0.

// the first and last set byte of a row (first > last: none), sixteen at a time where it can
static void row_extent(const uint8_t *row, int w, int *first, int *last) {
  int x = 0;
  *first = w, *last = -1;
  while (x + 16 <= w && !wasm_v128_any_true(wasm_v128_load(row + x))) x += 16;
  for (; x < w && !row[x]; x++) {}
  if (x == w) return;
  *first = x;
  int end = w - 1;
  while (end - 15 > x && !wasm_v128_any_true(wasm_v128_load(row + end - 15))) end -= 16;
  for (; !row[end]; end--) {}
  *last = end;
}

// the box of the set pixels of a w x h mask; 0 when none
static int box_of_bytes(const uint8_t *mask, int w, int h, int stride, int32_t *box) {
  int x0 = w, y0 = h, x1 = -1, y1 = -1;
  for (int y = 0; y < h; y++) {
    int first, last;
    row_extent(mask + (uint32_t)y * stride, w, &first, &last);
    if (last < 0) continue;
    if (first < x0) x0 = first;
    if (last > x1) x1 = last;
    if (y0 == h) y0 = y;
    y1 = y;
  }
  if (x1 < 0) return 0;
  box[0] = x0, box[1] = y0, box[2] = x1 - x0 + 1, box[3] = y1 - y0 + 1;
  return 1;
}

// The box, over `r` (outside it the ink is 0, and so is every count: the counts over the box of
// all ink and a pixel around it, as the steps are written, are these).
static void ink_box(const float *ink, int width, int height, Region r, int32_t *box) {
  int w = r.x1 - r.x0 + 1, h = r.y1 - r.y0 + 1;
  if (w <= 0 || h <= 0) {
    box[0] = 0, box[1] = 0, box[2] = width, box[3] = height;
    return;
  }
  int pw = w + 2, ph = h + 2; // inked and across have an empty pixel all around
  uintptr_t top = arena_top;
  uint8_t *inked = take((uint32_t)pw * ph), *across = take((uint32_t)pw * ph);
  uint8_t *solid = take((uint32_t)w * h);
  for (uint32_t i = 0; i < (uint32_t)pw * ph; i++) inked[i] = 0, across[i] = 0;
  for (int y = 0; y < h; y++) {
    const float *row = ink + (uint32_t)(r.y0 + y) * width + r.x0;
    uint8_t *a = inked + (uint32_t)(y + 1) * pw + 1;
    for (int x = 0; x < w; x++) a[x] = row[x] > 0;
  }
  for (int y = 0; y < h; y++) {
    const uint8_t *a = inked + (uint32_t)(y + 1) * pw + 1;
    uint8_t *b = across + (uint32_t)(y + 1) * pw + 1;
    for (int x = 0; x < w; x++) b[x] = a[x - 1] + a[x] + a[x + 1];
  }
  for (int y = 0; y < h; y++) {
    const uint8_t *a = across + (uint32_t)(y + 1) * pw + 1;
    uint8_t *b = solid + (uint32_t)y * w;
    for (int x = 0; x < w; x++) b[x] = a[x - pw] + a[x] + a[x + pw] >= 5;
  }
  // no solid pixel (strokes a pixel thin): every ink pixel counts; no ink: the whole picture
  if (!box_of_bytes(solid, w, h, w, box) && !box_of_bytes(inked + pw + 1, w, h, pw, box)) {
    box[0] = 0, box[1] = 0, box[2] = width, box[3] = height;
  } else {
    box[0] += r.x0, box[1] += r.y0;
  }
  arena_top = top;
}

// ----------------------------------------------------------------------------
// the digit into 20x20 (area averaging) and onto 28x28 by its centre of mass

// (the min and max of non-negative coordinates: plain comparisons give JavaScript's)
static double dmin(double a, double b) { return a < b ? a : b; }
static double dmax(double a, double b) { return a > b ? a : b; }

static void resize_area(const float *src, int sw, int sh, float *out, int dw, int dh) {
  double sx = (double)sw / dw, sy = (double)sh / dh;
  // each output column's input columns and their weights, computed once for every row
  int span = (int)js_ceil(sx) + 2;
  uintptr_t top = arena_top;
  double *weights = take((uint32_t)(dw * span) * 8);
  int32_t *from = take((uint32_t)dw * 4), *to = take((uint32_t)dw * 4);
  for (int x = 0; x < dw; x++) {
    double x0 = x * sx, x1 = x0 + sx;
    from[x] = (int)js_floor(x0), to[x] = (int)dmin(sw, js_ceil(x1));
    for (int ix = from[x]; ix < to[x]; ix++) weights[x * span + ix - from[x]] = dmin(x1, ix + 1) - dmax(x0, ix);
  }
  for (int y = 0; y < dh; y++) {
    double y0 = y * sy, y1 = y0 + sy;
    int iy_end = (int)dmin(sh, js_ceil(y1));
    for (int x = 0; x < dw; x++) {
      double sum = 0, area = 0;
      const double *wx = weights + x * span - from[x];
      for (int iy = (int)js_floor(y0); iy < iy_end; iy++) {
        double wy = dmin(y1, iy + 1) - dmax(y0, iy);
        const float *row = src + iy * sw;
        for (int ix = from[x]; ix < to[x]; ix++) {
          double w = wy * wx[ix];
          sum += w * row[ix];
          area += w;
        }
      }
      out[y * dw + x] = area > 0 ? (float)(sum / area) : 0;
    }
  }
  arena_top = top;
}

static void place_by_centre_of_mass(const float *digit, int w, int h, float *out) {
  double mass = 0, mx = 0, my = 0;
  for (int y = 0; y < h; y++) {
    for (int x = 0; x < w; x++) {
      double v = digit[y * w + x];
      mass += v, mx += v * (x + 0.5), my += v * (y + 0.5);
    }
  }
  double cx = js_round(IMAGE_SIDE / 2 - mx / mass), cy = js_round(IMAGE_SIDE / 2 - my / mass);
  for (int i = 0; i < IMAGE_SIDE * IMAGE_SIDE; i++) out[i] = 0;
  // no ink left (NaN), or a shift past the picture: nothing lands in it, as in JavaScript
  if (!(cx > -IMAGE_SIDE && cx < IMAGE_SIDE && cy > -IMAGE_SIDE && cy < IMAGE_SIDE)) return;
  int dx = (int)cx, dy = (int)cy;
  for (int y = 0; y < h; y++) {
    for (int x = 0; x < w; x++) {
      int tx = x + dx, ty = y + dy;
      if (tx >= 0 && tx < IMAGE_SIDE && ty >= 0 && ty < IMAGE_SIDE) out[ty * IMAGE_SIDE + tx] = digit[y * w + x];
    }
  }
}

// ----------------------------------------------------------------------------
// the whole preparation

// From flipped gray (paper's level, whether flipped, the largest ink) to the result.
static int prepare_ink(float *ink, int width, int height, float paper, int inverted, float peak) {
  Region region;
  if (ink_levels(ink, width, height, paper, inverted, peak, &region)) return 1;
  region = keep_digit_marks(ink, width, height, region);
  int32_t *box = result.box;
  ink_box(ink, width, height, region, box);
  int bw = box[2], bh = box[3];
  float *crop = take((uint32_t)bw * bh * 4);
  for (int y = 0; y < bh; y++) {
    const float *row = ink + (uint32_t)(box[1] + y) * width + box[0];
    for (int x = 0; x < bw; x++) crop[y * bw + x] = row[x];
  }
  double scale = (double)DIGIT_BOX / (bw > bh ? bw : bh);
  int tw = (int)js_max(1, js_round(bw * scale)), th = (int)js_max(1, js_round(bh * scale));
  float fitted[IMAGE_SIDE * IMAGE_SIDE];
  resize_area(crop, bw, bh, fitted, tw, th);
  double fitted_peak = 0;
  for (int i = 0; i < tw * th; i++) fitted_peak = js_max(fitted_peak, fitted[i]);
  for (int i = 0; i < tw * th; i++) fitted[i] = (float)(fitted[i] / fitted_peak); // thin strokes stay visible
  place_by_centre_of_mass(fitted, tw, th, result.pixels);
  result.inverted = inverted;
  return 0;
}

// From gray levels to the result.
static int prepare_gray_levels(const float *gray, int width, int height) {
  uint32_t n = (uint32_t)width * height;
  float paper = border_level(gray, width, height);
  float *ink = take(n * 4);
  int inverted = paper > 0.5;
  return prepare_ink(ink, width, height, paper, inverted, flip(gray, n, inverted, ink));
}

// Prepares the gray picture (floats in [0, 1], 0 black) written at prepare_reserve()'s pointer.
// Returns 0, or 1 when it is blank (the result's contrast says how faint).
EXPORT(prepare_gray) int prepare_gray(int width, int height) {
  arena_top = arena_start + (uint32_t)width * height * 4;
  return prepare_gray_levels((const float *)arena_start, width, height);
}

// Prepares the 8-bit RGBA picture written at prepare_reserve()'s pointer; samples out of
// `max_value` (255 for 8 bits). Returns as prepare_gray() does.
EXPORT(prepare_rgba) int prepare_rgba(int width, int height, double max_value) {
  uint32_t n = (uint32_t)width * height;
  arena_top = arena_start + n * 4;
  float *gray = take(n * 4);
  gray_of_rgba((const uint8_t *)arena_start, n, max_value, gray);
  return prepare_gray_levels(gray, width, height);
}

// Gray levels of the 8-bit RGBA picture written at prepare_reserve()'s pointer (what raster.ts's
// toGray gives): returns where they are.
EXPORT(prepare_gray_of_rgba) uint32_t prepare_gray_of_rgba(int width, int height, double max_value) {
  uint32_t n = (uint32_t)width * height;
  arena_top = arena_start + n * 4;
  float *gray = take(n * 4);
  gray_of_rgba((const uint8_t *)arena_start, n, max_value, gray);
  return (uint32_t)(uintptr_t)gray;
}
