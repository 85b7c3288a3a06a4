// The preparation in WebAssembly (wasm/prepare.c) against its JavaScript reference
// (testing/preparation_reference.ts), bit for bit: every float of the 28x28, the inverted flag,
// the box and a blank picture's message, on pictures of every kind the library meets.
import { assert, assertEquals } from "../_assert.ts";
import { ImageError, type PreparedDigit, prepareDigit } from "../../src/images/digit.ts";
import { prepareRaster, type RasterImage, toGray } from "../../src/images/raster.ts";
import { loadMnist } from "../../src/data/dataset.ts";
import { mulberry32 } from "../../src/data/shuffle.ts";
import { referenceGray, referencePreparation } from "../../testing/preparation_reference.ts";
import { canvasOfDigit, photographed, photoOfDigit } from "../../testing/synthetic.ts";
import { drawnDigit } from "../../testing/drawn.ts";
import { DIGIT_STROKES } from "../../testing/strokes.ts";

type Outcome = PreparedDigit | { error: string };

function outcome(prepare: () => PreparedDigit): Outcome {
  try {
    return prepare();
  } catch (error) {
    if (!(error instanceof ImageError)) throw error;
    return { error: error.message };
  }
}

// the same bits, NaN for NaN (a NaN's own bits are the engine's)
function sameOutcome(got: Outcome, want: Outcome, what: string): void {
  if ("error" in want || "error" in got) {
    assertEquals(got, want, what);
    return;
  }
  assertEquals([got.inverted, got.box], [want.inverted, want.box], what);
  const differ = got.pixels.findIndex((v, i) => !Object.is(v, want.pixels[i]));
  assert(
    differ < 0,
    `${what}: pixel ${differ} is ${got.pixels[differ]}, the reference's ${want.pixels[differ]}`,
  );
}

// a picture through the library's every path and through the reference
function check(image: RasterImage, what: string): void {
  const gray = referenceGray(image);
  const want = outcome(() => referencePreparation(gray, image.width, image.height));
  const libraryGray = toGray(image);
  const differ = libraryGray.findIndex((v, i) => !Object.is(v, gray[i]));
  assert(differ < 0, `${what}: gray ${differ} differs`);
  sameOutcome(
    outcome(() => prepareDigit(libraryGray, image.width, image.height)),
    want,
    `${what}, prepareDigit`,
  );
  sameOutcome(outcome(() => prepareRaster(image)), want, `${what}, prepareRaster`);
}

const rgba = (
  image: { width: number; height: number; data: Uint8Array | Uint8ClampedArray },
): RasterImage => ({
  ...image,
  channels: 4,
  maxValue: 255,
});

Deno.test("the preparation gives the reference's bits on photos, canvases and photographed canvases of MNIST digits", async () => {
  const { test } = await loadMnist();
  const random = mulberry32(11);
  for (let i = 0; i < 120; i++) {
    const digit = test.images.subarray(i * 784, (i + 1) * 784);
    const canvas = canvasOfDigit(digit);
    check(rgba(photoOfDigit(digit, random)), `photo ${i}`);
    check(rgba(canvas), `canvas ${i}`);
    check(rgba(photographed(canvas, random)), `photographed canvas ${i}`);
  }
});

Deno.test("the preparation gives the reference's bits on drawings: plain, soft-edged, on a transparent pad, ruled and specked", () => {
  const random = mulberry32(12);
  for (const [k, strokes] of DIGIT_STROKES.entries()) {
    const pad = drawnDigit(strokes);
    const side = pad.width, n = side * side;
    check(rgba(pad), `pad ${k}`);
    const soft = new Uint8ClampedArray(pad.data.length); // a 2x2 box blur: anti-aliased strokes
    const at = (x: number, y: number, c: number) =>
      pad.data[(Math.min(side - 1, y) * side + Math.min(side - 1, x)) * 4 + c]!;
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        for (let c = 0; c < 4; c++) {
          soft[(y * side + x) * 4 + c] =
            (at(x, y, c) + at(x + 1, y, c) + at(x, y + 1, c) + at(x + 1, y + 1, c)) / 4;
        }
      }
    }
    check(rgba({ width: side, height: side, data: soft }), `soft pad ${k}`);
    const transparent = new Uint8ClampedArray(pad.data.length); // black ink, alpha its darkness
    for (let p = 0; p < n; p++) transparent[p * 4 + 3] = 255 - soft[p * 4]!;
    check(rgba({ width: side, height: side, data: transparent }), `transparent pad ${k}`);
    const ruled = soft.slice(); // a ruled line across, a margin down, specks
    for (let x = 0; x < side; x++) ruled.fill(90, (40 * side + x) * 4, (40 * side + x) * 4 + 3);
    for (let y = 0; y < side; y++) ruled.fill(120, (y * side + 12) * 4, (y * side + 12) * 4 + 3);
    for (let s = 0; s < 6; s++) ruled.fill(0, Math.floor(random() * n) * 4, Math.floor(random() * n) * 4 + 3);
    check(rgba({ width: side, height: side, data: ruled }), `ruled pad ${k}`);
  }
});

Deno.test("the preparation gives the reference's bits on noise, odd sizes, 16-bit gray, blank pictures and odd values", () => {
  const random = mulberry32(13);
  for (let i = 0; i < 150; i++) {
    const width = 1 + Math.floor(random() ** 2 * 200), height = 1 + Math.floor(random() ** 2 * 200);
    const n = width * height, data = new Uint8Array(4 * n);
    const paper = Math.floor(random() * 256), ink = Math.floor(random() * 256), spread = random() * 60;
    const cx = random() * width, cy = random() * height, r = 1 + random() * Math.min(width, height) / 2;
    for (let p = 0; p < n; p++) {
      const x = p % width, y = Math.floor(p / width), inside = Math.hypot(x - cx, y - cy) < r;
      const level = Math.max(0, Math.min(255, (inside ? ink : paper) + (random() - 0.5) * spread));
      data.fill(level, 4 * p, 4 * p + 3);
      data[4 * p + 3] = random() < 0.1 ? Math.floor(random() * 256) : 255;
    }
    check(rgba({ width, height, data }), `noise ${i} (${width}x${height})`);
    const wide = new Uint16Array(n);
    for (let p = 0; p < n; p++) wide[p] = data[4 * p]! * 257 + Math.floor(random() * 257);
    check({ width, height, channels: 1, maxValue: 65535, data: wide }, `16-bit gray ${i}`);
  }
  check({ width: 40, height: 30, channels: 1, maxValue: 255, data: new Uint8Array(1200).fill(200) }, "blank");
  check(
    rgba({ width: 3, height: 1, data: Uint8Array.of(255, 255, 255, 255, 0, 0, 0, 255, 255, 255, 255, 255) }),
    "3x1",
  );
  // gray levels outside [0, 1], NaN and infinities, as a JavaScript caller may hand them over
  for (const odd of [-0, -1, 2, NaN, Infinity, -Infinity]) {
    const gray = new Float32Array(50 * 40).fill(1);
    for (let y = 10; y < 30; y++) for (let x = 20; x < 26; x++) gray[y * 50 + x] = y === 15 ? odd : 0;
    const want = outcome(() => referencePreparation(gray, 50, 40));
    sameOutcome(outcome(() => prepareDigit(gray, 50, 40)), want, `a stroke holding ${odd}`);
  }
});
