// What a JavaScript caller can get wrong, swept over the public API: every exported function and
// method given a missing, null, NaN, fractional, negative, string, object, array or wrong-typed
// argument fails with one of the project's typed errors (an ArgumentError naming the function and
// the argument, or the domain's own error), never a TypeError or RangeError from deep inside. On
// 0eb9b34 most of these calls threw "Cannot read properties of undefined" or a RangeError.
import { assert } from "../_assert.ts";
import * as inference from "../../inference.ts";
import { DEFAULT_LENET, FusedTrainer } from "../../fused.ts";
import { weightCount } from "../../src/config.ts";
import { normalizePixels, oneHot, takeRange } from "../../mod.ts";

const BAD: readonly unknown[] = [
  undefined,
  null,
  NaN,
  -1,
  1.5,
  "x",
  {},
  [],
  new Uint8Array(3),
  new Float32Array(3),
  { width: 2 },
];

/** The calls whose error was not one of ours, as "call, argument: error". */
async function untyped(calls: Record<string, (bad: unknown) => unknown>): Promise<string[]> {
  const found: string[] = [];
  for (const [name, call] of Object.entries(calls)) {
    for (const bad of BAD) {
      try {
        await call(bad);
      } catch (error) {
        if (!(error instanceof inference.LenetError)) {
          found.push(`${name} given ${Deno.inspect(bad)}: ${error}`);
        }
      }
    }
  }
  return found;
}

Deno.test("inference.ts: every function and method refuses a wrong argument with a typed error", async () => {
  const classifier = await inference.OnnxClassifier.load();
  const decoder = new inference.PictureDecoder();
  const found = await untyped({
    "prepareDigit(gray)": (x) => inference.prepareDigit(x as Float32Array, 28, 28),
    "prepareDigit(width)": (x) => inference.prepareDigit(new Float32Array(784), x as number, 28),
    "decodeImage(bytes)": (x) => inference.decodeImage(x as Uint8Array),
    "decodeImage(limits)": (x) => inference.decodeImage(new Uint8Array(10), x as inference.ImageLimits),
    "toGray(image)": (x) => inference.toGray(x as inference.RasterImage),
    "sniffFormat(bytes)": (x) => inference.sniffFormat(x as Uint8Array),
    "exportOnnx(model)": (x) => inference.exportOnnx(x as inference.LeNetWeights),
    "configureOnnxRuntime(settings)": (x) =>
      inference.configureOnnxRuntime(x as inference.OnnxRuntimeSettings),
    "OnnxClassifier.load(model)": (x) =>
      x === undefined ? undefined : inference.OnnxClassifier.load(x as string),
    "OnnxClassifier.load(options)": (x) =>
      inference.OnnxClassifier.load(new Uint8Array(0), x as inference.OnnxClassifierOptions),
    "OnnxClassifier.load(options.topK)": (x) =>
      x === undefined ? undefined : inference.OnnxClassifier.load(new Uint8Array(0), { topK: x as number }),
    "OnnxClassifier.load(options.timeoutMs)": (x) =>
      x === undefined
        ? undefined
        : inference.OnnxClassifier.load(new Uint8Array(0), { timeoutMs: x as number }),
    "classify(pixels)": (x) => classifier.classify(x as Float32Array),
    "probabilities(pixels)": (x) => classifier.probabilities(x as Float32Array, 1),
    "probabilities(count)": (x) => classifier.probabilities(new Float32Array(784), x as number),
    "classifyDigits(digits)": (x) => classifier.classifyDigits(x as inference.PreparedDigit[]),
    "classifyDigits([digit])": (x) => classifier.classifyDigits([x as inference.PreparedDigit]),
    "classifyRaster(image)": (x) => classifier.classifyRaster(x as inference.RasterImage),
    "classifyImage(bytes)": (x) => classifier.classifyImage(x as Uint8Array),
    "PictureDecoder(options)": (x) =>
      new inference.PictureDecoder(x as inference.PictureDecoderOptions).close(),
    "PictureDecoder.prepare(bytes)": (x) => decoder.prepare(x as Uint8Array),
    "PictureDecoder.prepareFile(path)": (x) => decoder.prepareFile(x as string),
  });
  await decoder.close();
  await classifier.release();
  assert(found.length === 0, found.join("\n"));
});

Deno.test("fused.ts and mod.ts's data helpers refuse a wrong argument with a typed error", async () => {
  const model = { config: DEFAULT_LENET, weights: new Float32Array(weightCount(DEFAULT_LENET)) };
  const trainer = await FusedTrainer.create(model, 32);
  const found = await untyped({
    "FusedTrainer.create(model)": async (x) => (await FusedTrainer.create(x as never, 32)).dispose(),
    "FusedTrainer.create(maxBatch)": async (x) => (await FusedTrainer.create(model, x as number)).dispose(),
    "FusedTrainer.create(options)": async (x) => (await FusedTrainer.create(model, 32, x as never)).dispose(),
    "FusedTrainer.predict(pixels)": (x) => trainer.predict(x as Float32Array),
    "FusedTrainer.restoreAdam(state)": (x) => trainer.restoreAdam(x as never),
    "normalizePixels(pixels)": (x) => normalizePixels(x as Uint8Array),
    "oneHot(labels)": (x) => oneHot(x as Uint8Array),
    "takeRange(data)": (x) => takeRange(x as never, 0, 1),
  });
  trainer.dispose();
  assert(found.length === 0, found.join("\n"));
});

Deno.test("mod.ts's model, training and data, and figures.ts, refuse a wrong argument with a typed error", async () => {
  const { LeNet, evaluate, loadMnist, train, loadCheckpoint } = await import("../../mod.ts");
  const figures = await import("../../figures.ts");
  const lenet = await LeNet.create();
  const { test } = await loadMnist();
  const small = takeRange(test, 0, 10);
  const found = await untyped({
    "LeNet.create(config)": async (x) => (await LeNet.create(x as never)).dispose(),
    "LeNet.load(dir)": (x) => LeNet.load(x as string),
    // (a string is a valid folder: saving there would write into the working directory)
    "lenet.save(dir)": (x) => typeof x === "string" ? undefined : lenet.save(x as string),
    "lenet.predict(images)": (x) => lenet.predict(x as never),
    "lenet.setWeights(weights)": (x) => lenet.setWeights(x as Float32Array),
    "loadMnist(paths)": (x) => loadMnist(x as never),
    "loadCheckpoint(path)": (x) => loadCheckpoint(x as string),
    "evaluate(lenet)": (x) => evaluate(x as never, small),
    "evaluate(set)": (x) => evaluate(lenet, x as never),
    "train(lenet)": (x) => train(x as never, small, { epochs: 1 }),
    "train(trainSet)": (x) => train(lenet, x as never, { epochs: 1 }),
    "train(options)": (x) => x === undefined ? undefined : train(lenet, small, x as never),
    "confusionMatrix(labels)": (x) => figures.confusionMatrix(x as number[], [1]),
    "historySpec(history)": (x) => figures.historySpec(x as never),
    "digitsSpec(set)": (x) => figures.digitsSpec(x as never, [0], ["a"], "t"),
    "filtersSpec(lenet)": (x) => figures.filtersSpec(x as never, 1),
    "renderSvg(spec)": (x) => figures.renderSvg(x as never),
    "svgToPng(svg)": (x) => figures.svgToPng(x as string),
  });
  lenet.dispose();
  assert(found.length === 0, found.join("\n"));
});
