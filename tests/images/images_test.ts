import { decode as decodeFastPng, encode as encodePng } from "npm:fast-png@8.0.0";
import { assert, assertEquals, assertRejects, assertThrows } from "../_assert.ts";
import { prepareDigit } from "../../src/images/digit.ts";
import { decodeImage, type RasterImage, toGray } from "../../src/images/decode.ts";
import { OnnxClassifier } from "../../src/onnx/classifier.ts";
import { ImageError } from "../../src/images/digit.ts";
import { ArgumentError } from "../../src/errors.ts";
import { decodePng } from "../../src/images/png.ts";
import { pngBytes, pngChunks } from "../../testing/mutate.ts";
import { canvasOfDigit, photoOfDigit } from "../../testing/synthetic.ts";
import { loadMnist } from "../../src/data/dataset.ts";
import { mulberry32 } from "../../src/data/shuffle.ts";

const FIXTURES = new URL("../fixtures/", import.meta.url);
const fixture = (name: string) => Deno.readFileSync(new URL(name, FIXTURES));

// a PNG with one more chunk right after IHDR
function withChunkAfterHeader(png: Uint8Array, type: string, data: Uint8Array): Uint8Array {
  return pngBytes([
    ...pngChunks(png)!.slice(0, 1),
    { type, data },
    ...pngChunks(png)!.slice(1),
  ]);
}

Deno.test("decodeImage() reads every PNG colour type and depth, interlaced PNG and JPEG", () => {
  const cases: [string, number, number][] = [
    ["gray1bit_7.png", 1, 1],
    ["gray16_7.png", 1, 65535],
    ["palette_7.png", 3, 255],
    ["rgb_interlaced_7.png", 3, 255],
    ["canvas_grayalpha_2.png", 2, 255],
    ["canvas_rgba_2.png", 4, 255],
    ["photo_7.jpg", 3, 255],
    ["progressive_7.jpg", 3, 255],
  ];
  for (const [name, channels, maxValue] of cases) {
    const image = decodeImage(fixture(name));
    assertEquals([image.channels, image.maxValue], [channels, maxValue], name);
    assertEquals(image.data.length, image.width * image.height * channels, name);
  }
});

Deno.test("decodeImage() gives one clear error for non-images, corrupt files and huge headers", () => {
  assertThrows(() => decodeImage(fixture("not_an_image.png")), ImageError, "Not a PNG or JPEG image");
  assertThrows(() => decodeImage(fixture("truncated.png")), ImageError, "Truncated PNG");
  assertThrows(() => decodeImage(fixture("truncated.jpg")), ImageError, "JPEG");
  assertThrows(() => decodeImage(fixture("huge_header.png")), ImageError, "Image too large: 100000x100000");
});

Deno.test("decodeImage() reads interlaced PNGs of 1, 2 and 4 bits as their plain twins (made by pypng, checked with PIL)", () => {
  for (const depth of [1, 2, 4]) {
    const interlaced = decodeImage(fixture(`png/gray${depth}bit_interlaced_7.png`));
    assertEquals([interlaced.width, interlaced.height, interlaced.maxValue], [23, 19, 2 ** depth - 1]);
    const gray = toGray(interlaced);
    // the 7's bar: dark ink at rows 3-5, columns 4-19; paper around it
    assertEquals([gray[4 * 23 + 10], gray[0], gray[18 * 23 + 2]], [0, 1, 1], `${depth}-bit`);
    const plain = decodeImage(fixture(`png/gray${depth}bit_plain_7.png`));
    assertEquals(Array.from(interlaced.data), Array.from(plain.data), `${depth}-bit`);
  }
  const palette = decodeImage(fixture("png/palette2bit_interlaced_7.png"));
  const gray = toGray(palette);
  assertEquals([palette.channels, gray[4 * 23 + 10], gray[1]], [3, 0, 1]); // ink; paper
});

Deno.test("decodePng() gives fast-png's samples on every non-interlaced fixture of 8 and 16 bits, all five row filters included", () => {
  for (
    const name of ["png/rgb_all_filters.png", "gray16_7.png", "canvas_rgba_2.png", "canvas_grayalpha_2.png"]
  ) {
    const ours = decodePng(fixture(name), { maxPixels: 1e6 }), theirs = decodeFastPng(fixture(name));
    assertEquals(
      [ours.width, ours.height, ours.channels],
      [theirs.width, theirs.height, theirs.channels],
      name,
    );
    assertEquals(Array.from(ours.data), Array.from(theirs.data), name);
  }
});

Deno.test("decodeImage() applies a gray PNG's tRNS colour key as transparency", () => {
  // 2x1 gray, 8-bit: a black pixel, then a gray 100 that tRNS makes transparent (white paper)
  const opaque = encodePng({ width: 2, height: 1, channels: 1, depth: 8, data: Uint8Array.of(0, 100) });
  const keyed = withChunkAfterHeader(opaque, "tRNS", Uint8Array.of(0, 100));
  assertEquals(Array.from(toGray(decodeImage(keyed))), [0, 1]);
  assertEquals(Array.from(toGray(decodeImage(opaque))), [0, 100 / 255].map(Math.fround));
});

Deno.test("toGray() flattens transparency onto white paper", () => {
  const rgba = {
    width: 3,
    height: 1,
    channels: 4,
    maxValue: 255,
    data: [0, 0, 0, 255, 0, 0, 0, 0, 0, 0, 0, 128],
  };
  const gray = toGray(rgba);
  assertEquals(gray[0], 0);
  assertEquals(gray[1], 1);
  assert(Math.abs(gray[2]! - (1 - 128 / 255)) < 1e-6);
});

Deno.test("prepareDigit() inverts dark ink, fits it in 20x20 and centres its mass in 28x28", () => {
  const [w, h] = [300, 200];
  const gray = new Float32Array(w * h).fill(0.9); // light paper
  for (let y = 20; y < 120; y++) for (let x = 200; x < 250; x++) gray[y * w + x] = 0.1; // dark block, off-centre
  const { pixels, inverted, box } = prepareDigit(gray, w, h);
  assert(inverted);
  assertEquals(box, [200, 20, 50, 100]);
  let mass = 0, mx = 0, my = 0, rows = 0, cols = 0;
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      const v = pixels[y * 28 + x]!;
      mass += v, mx += v * (x + 0.5), my += v * (y + 0.5);
    }
  }
  for (let y = 0; y < 28; y++) if (pixels.subarray(y * 28, y * 28 + 28).some((v) => v > 0)) rows++;
  for (let x = 0; x < 28; x++) {
    if (Array.from({ length: 28 }, (_, y) => pixels[y * 28 + x]!).some((v) => v > 0)) cols++;
  }
  assertEquals([rows, cols], [20, 10]); // the 100x50 block scaled to fit 20x20 keeping its aspect
  assert(
    Math.abs(mx / mass - 14) <= 0.5 && Math.abs(my / mass - 14) <= 0.5,
    `centre ${mx / mass},${my / mass}`,
  );
});

Deno.test("prepareDigit() refuses a blank picture", () => {
  assertThrows(() => prepareDigit(new Float32Array(400).fill(0.95), 20, 20), ImageError, "No digit found");
  const png = encodePng({ width: 8, height: 8, data: new Uint8Array(64).fill(200), channels: 1, depth: 8 });
  const image = decodeImage(png);
  assertThrows(() => prepareDigit(toGray(image), 8, 8), ImageError, "blank");
});

Deno.test("prepareDigit() clears ruled lines, a margin and specks: the digit prepares as on clean paper", async () => {
  const { printedDigitSvg } = await import("../../testing/synthetic.ts");
  const { svgToPng } = await import("../../src/figures/chart.ts");
  const { mulberry32 } = await import("../../src/data/shuffle.ts");
  const box = async (svg: string) => {
    const image = decodeImage(await svgToPng(svg, 1));
    return prepareDigit(toGray(image), image.width, image.height).box;
  };
  for (let seed = 1; seed <= 40; seed++) {
    const digit = seed % 10;
    // the same digit, size, place and ink (drawn first from the seed), with and without the rest:
    // the digit's box stays within 8% of its size (clearing a rule or the margin where it crosses
    // the digit's end may clip a few pixels off; before, specks and rules stretched it to the page)
    const clean = await box(printedDigitSvg(digit, mulberry32(seed)));
    const messy = await box(printedDigitSvg(digit, mulberry32(seed), { lined: true, specks: 8 }));
    const [x, y, w, h] = clean, [mx, my, mw, mh] = messy;
    const edges = [mx - x, my - y, mx + mw - (x + w), my + mh - (y + h)];
    const slack = Math.max(2, 0.08 * Math.max(w, h));
    assert(edges.every((d) => Math.abs(d) <= slack), `seed ${seed}, digit ${digit}: ${clean} vs ${messy}`);
  }
});

Deno.test("prepareDigit() keeps a digit's detached parts and a thin 1 that spans the whole picture", () => {
  const gray = new Float32Array(60 * 60).fill(1);
  const ink = (x0: number, y0: number, x1: number, y1: number) => {
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) gray[y * 60 + x] = 0;
  };
  ink(20, 10, 44, 15); // a 5's bar, not touching the rest
  ink(20, 18, 25, 30), ink(20, 30, 40, 34), ink(40, 34, 44, 48), ink(20, 48, 44, 52);
  assertEquals(prepareDigit(gray, 60, 60).box, [20, 10, 24, 42]);
  const one = new Float32Array(40 * 40).fill(1);
  for (let y = 0; y < 40; y++) one[y * 40 + 20] = 0; // one pixel wide, top to bottom
  assertEquals(prepareDigit(one, 40, 40).box, [20, 0, 1, 40]);
});

Deno.test("prepareDigit() answers the same whatever picture came before (its working arrays are reused)", async () => {
  const { test } = await loadMnist();
  const random = mulberry32(3);
  const pictures = [0, 1, 2].flatMap((i) => {
    const digit = test.images.subarray(i * 784, (i + 1) * 784);
    return [photoOfDigit(digit, random), canvasOfDigit(digit)]; // 320x240 RGB, 280x280 RGBA
  }).map(({ width, height, data }) => {
    const channels = data.length / (width * height);
    return { gray: toGray({ width, height, channels, maxValue: 255, data }), width, height };
  });
  const first = pictures.map(({ gray, width, height }) => prepareDigit(gray, width, height));
  for (const order of [[5, 4, 3, 2, 1, 0], [1, 0, 3, 2, 5, 4]]) {
    for (const i of order) {
      const { gray, width, height } = pictures[i]!;
      assertEquals(prepareDigit(gray, width, height), first[i], `picture ${i} after another`);
    }
  }
  // toGray() writes into a given array, and refuses one too short
  const { width, height, data } = canvasOfDigit(test.images.subarray(0, 784));
  const image = { width, height, channels: 4 as const, maxValue: 255, data };
  const into = new Float32Array(width * height + 5).fill(7);
  assertEquals(toGray(image, into), toGray(image));
  assertEquals(into[width * height], 7);
  assertThrows(() => toGray(image, new Float32Array(10)), ArgumentError, "toGray(into)");
});

Deno.test("classifyRaster() and toGray() name the field a JavaScript caller got wrong, with an ImageError", async () => {
  const data = new Uint8Array(60 * 60 * 4);
  const cases: [unknown, string][] = [
    [{ width: 60, height: 60, channels: 4, data }, "Invalid image.maxValue: expected a positive number"],
    [{ width: 60, height: NaN, channels: 4, maxValue: 255, data }, "Invalid image.height"],
    [{ width: 60, height: 60, channels: 5, maxValue: 255, data }, "Invalid image.channels"],
    [{ width: 60, height: 60, channels: 4, maxValue: 255, data: data.subarray(1) }, "expected 14400 samples"],
    [{ width: 60, height: 60, channels: 4, maxValue: 255 }, "Invalid image.data"],
    [null, "Invalid image: expected a raster object, got null"],
  ];
  const classifier = await OnnxClassifier.load();
  try {
    for (const [image, message] of cases) {
      await assertRejects(() => classifier.classifyRaster(image as RasterImage), ImageError, message);
      assertThrows(() => toGray(image as RasterImage), ImageError, message);
    }
  } finally {
    await classifier.release();
  }
});
