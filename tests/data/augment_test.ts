// Augmentation: identity is exact, transforms move pixels where the geometry says, values stay in
// [0, 1], the draw is a function of (seed, epoch, index), and a short augmented run still learns.
import { assert, assertEquals } from "../_assert.ts";
import {
  augmentBatch,
  augmentImage,
  augmentKey,
  augmentRanges,
  ELASTIC_GRID,
  elasticField,
  imageTransform,
  samplingMatrix,
  TRANSFORM_FLOATS,
} from "../../src/data/augment.ts";
import { normalizePixels } from "../../src/data/batch.ts";
import { loadMnist } from "../../src/data/dataset.ts";
import { takeRange } from "../../src/data/labeled_images.ts";
import { DEFAULT_TRAIN } from "../../src/config.ts";
import { LeNet } from "../../src/model/lenet.ts";
import { evaluate } from "../../src/training/evaluate.ts";
import { train } from "../../src/train.ts";

const data = await loadMnist();
const NONE = { rotation: 0, scale: 0, shear: 0, shift: 0, elastic: 0, alpha: 0, sigma: 4 };
const ELASTIC = { ...augmentRanges(DEFAULT_TRAIN), elastic: 2 };
const SIMARD = { ...augmentRanges(DEFAULT_TRAIN), alpha: 34, sigma: 4 };
const digit = (i: number) => data.train.images.subarray(i * 784, (i + 1) * 784);

Deno.test("augmentImage() with zero ranges gives exactly normalizePixels' image", () => {
  for (const i of [0, 1, 2]) {
    const out = new Float32Array(784);
    augmentImage(digit(i), out, samplingMatrix(augmentKey(42, 1, i), NONE));
    assertEquals(out, normalizePixels(digit(i)));
  }
});

Deno.test("a shift moves a pixel by the shift; a 90° rotation turns the image about its centre", () => {
  const src = new Uint8Array(784);
  src[5 * 28 + 3] = 255; // (x 3, y 5)
  const out = new Float32Array(784);
  augmentImage(src, out, [1, 0, 0, 1, -2, -1]); // content moves 2 right, 1 down
  assertEquals([...out.keys()].filter((k) => out[k] !== 0), [6 * 28 + 5]);
  // sampling matrix of a +90° rotation about (13.5, 13.5): p = R(-90°)(p' - c) + c
  augmentImage(src, out, [0, 1, -1, 0, 0, 27]);
  assertEquals([...out.keys()].filter((k) => out[k] !== 0), [3 * 28 + 22]); // (x 27-5, y 3)
});

Deno.test("an elastic grid of one displacement everywhere is a shift; an identity transform with a zero grid changes nothing", () => {
  const src = new Uint8Array(784);
  src[5 * 28 + 3] = 255;
  const out = new Float32Array(784);
  const grid = (dx: number, dy: number) => [
    ...new Array<number>(ELASTIC_GRID ** 2).fill(dx),
    ...new Array<number>(ELASTIC_GRID ** 2).fill(dy),
  ];
  augmentImage(src, out, [1, 0, 0, 1, 0, 0, ...grid(-2, -1)]); // sampled 2 left, 1 up: content moves right, down
  assertEquals([...out.keys()].filter((k) => out[k] !== 0), [6 * 28 + 5]);
  augmentImage(digit(4), out, [1, 0, 0, 1, 0, 0, ...grid(0, 0)]);
  assertEquals(out, normalizePixels(digit(4)));
});

Deno.test("imageTransform(): the elastic grid stays within its range, varies over the image, and keeps the affine draw", () => {
  for (let i = 0; i < 100; i++) {
    const key = augmentKey(7, 3, i), t = imageTransform(key, ELASTIC);
    assertEquals(t.length, TRANSFORM_FLOATS);
    assertEquals(t.slice(0, 6), samplingMatrix(key, ELASTIC));
    const grid = t.slice(6, 6 + 2 * ELASTIC_GRID ** 2);
    assert(grid.every((d) => Math.abs(d) <= 2), "within ±2 px");
    assert(new Set(grid).size > 40, "a displacement of its own at each point");
  }
  assert(imageTransform(augmentKey(7, 3, 0), NONE).slice(6).every((d) => d === 0), "elastic 0: no grid");
});

Deno.test("Simard's field: a smooth displacement of a size set by alpha and sigma, a function of the key, zero with alpha 0", () => {
  const src = new Uint8Array(784).map((_, k) => (k * 37) % 256); // texture: every displacement shows
  const displaced = (ranges: typeof SIMARD, key: number) => {
    const out = new Float32Array(784);
    augmentImage(src, out, imageTransform(key, { ...ranges, rotation: 0, scale: 0, shear: 0, shift: 0 }));
    return out;
  };
  const a = displaced(SIMARD, 11);
  assertEquals(a, displaced(SIMARD, 11));
  assert(a.some((v, k) => v !== displaced(SIMARD, 12)[k]), "another key, another field");
  assertEquals(displaced({ ...SIMARD, alpha: 0 }, 11), normalizePixels(src)); // off: the image as it is
  // the field: uniform noise (variance 1/3) through a normalised Gaussian w twice, so at a pixel
  // far from the edges its standard deviation is alpha * sqrt((sum of w^2)^2 / 3)
  for (const sigma of [2, 4]) {
    const radius = Math.ceil(3 * sigma);
    const w = Array.from(
      { length: 2 * radius + 1 },
      (_, t) => Math.exp(-((t - radius) ** 2) / (2 * sigma ** 2)),
    );
    const total = w.reduce((x, y) => x + y), sumSquares = w.reduce((x, y) => x + (y / total) ** 2, 0);
    const expected = 34 * Math.sqrt(sumSquares ** 2 / 3);
    const at = 2 * (14 * 28 + 14); // the centre, x
    const xs = Array.from(
      { length: 400 },
      (_, key) => elasticField(imageTransform(key, { ...NONE, alpha: 34, sigma }))![at]!,
    );
    const mean = xs.reduce((x, y) => x + y) / xs.length;
    const std = Math.sqrt(xs.reduce((x, y) => x + (y - mean) ** 2, 0) / xs.length);
    assert(Math.abs(std / expected - 1) < 0.15, `sigma ${sigma}: std ${std}, expected ${expected}`);
    assert(Math.abs(mean) < 4 * expected / Math.sqrt(xs.length), `sigma ${sigma}: mean ${mean}`);
  }
});

Deno.test("samplingMatrix() stays within its ranges: a shift-only draw is a translation of at most the range", () => {
  for (let i = 0; i < 200; i++) {
    const [a, b, c, d, tx, ty] = samplingMatrix(augmentKey(7, 3, i), { ...NONE, shift: 2.5 });
    assertEquals([a, b, c, d], [1, 0, 0, 1]);
    assert(Math.abs(tx!) <= 2.5 && Math.abs(ty!) <= 2.5, `${tx}, ${ty}`);
  }
});

Deno.test("augmentBatch() is a function of (seed, epoch, index), and every value stays in [0, 1]", () => {
  const ranges = augmentRanges(DEFAULT_TRAIN), indices = [5, 9, 5];
  const run = (seed: number, epoch: number) =>
    augmentBatch(data.train.images, indices, (i) => augmentKey(seed, epoch, i), ranges);
  const a = run(42, 1);
  assertEquals(a, run(42, 1));
  assertEquals(a.subarray(0, 784), a.subarray(2 * 784)); // the same image, the same epoch: the same draw
  assert(a.some((v, k) => v !== run(42, 2)[k]), "another epoch draws another transform");
  assert(a.some((v, k) => v !== run(43, 1)[k]), "another seed draws another transform");
  assert(a.every((v) => v >= 0 && v <= 1));
  const elastic = augmentBatch(data.train.images, indices, (i) => augmentKey(42, 1, i), ELASTIC);
  assert(elastic.every((v) => v >= 0 && v <= 1));
  assert(elastic.some((v, k) => v !== a[k]), "the elastic grid moves pixels");
});

Deno.test("a short augmented run still learns: relu, 6,000 images, one epoch, over 85% on 1,000 test images", async () => {
  const lenet = await LeNet.create({ activation: "relu" }, { seed: 1 });
  await train(lenet, takeRange(data.train, 0, 6000), { epochs: 1, learningRate: 2e-3, augment: true });
  const { accuracy } = await evaluate(lenet, takeRange(data.test, 0, 1000));
  assert(accuracy > 0.85, `accuracy ${accuracy}`);
  lenet.dispose();
});

Deno.test("the fused engine's augmentation, affine, grid and Simard (in WebAssembly, on 1 to 3 threads), matches augmentBatch(), the reference", async () => {
  const { FusedTrainer } = await import("../../src/engines/fused/trainer.ts");
  const { gatherBytes } = await import("../../src/data/batch.ts");
  const { imageTransforms } = await import("../../src/data/augment.ts");
  const lenet = await LeNet.create({}, { seed: 3 });
  const indices = Array.from({ length: 15 }, (_, i) => 100 + 7 * i); // odd: the threads split 8 + 7
  const { pixels, labels } = gatherBytes(data.train.images, data.train.labels, indices, 784);
  const key = (i: number) => augmentKey(42, 3, i);
  for (
    const [ranges, threads] of [
      [ELASTIC, 1],
      [ELASTIC, 2],
      [augmentRanges(DEFAULT_TRAIN), 2],
      [SIMARD, 1],
      [SIMARD, 3],
      [{ ...SIMARD, elastic: 2, sigma: 6 }, 2],
    ] as const
  ) {
    const floats = augmentBatch(data.train.images, indices, key, ranges);
    using trainer = await FusedTrainer.create(lenet.toWeights(), 16, { threads });
    const expected = trainer.gradients(floats, labels);
    const actual = trainer.gradients(pixels, labels, imageTransforms(indices, key, ranges));
    const scale = Math.max(...expected.map(Math.abs));
    for (let k = 0; k < expected.length; k++) {
      assert(
        Math.abs(actual[k]! - expected[k]!) <= 1e-4 * scale,
        `${threads} thread(s), gradient ${k}: ${actual[k]} vs ${expected[k]}`,
      );
    }
  }
  lenet.dispose();
});
