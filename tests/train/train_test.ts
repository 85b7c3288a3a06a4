import * as tf from "../../src/npm/tfjs.ts";
import { assert, assertAllClose, assertEquals } from "../_assert.ts";
import { leakFree, onBackend } from "../_helpers.ts";
import { initBackend } from "../../src/tfjs/backend.ts";
import { CHECKPOINT_FILE, loadCheckpoint } from "../../src/training/checkpoint.ts";
import { loadMnist } from "../../src/data/dataset.ts";
import { LeNet } from "../../src/model/lenet.ts";
import { evaluate } from "../../src/training/evaluate.ts";
import { train, type TrainOptions } from "../../src/train.ts";
import type { Activation } from "../../src/config.ts";
import { takeRange } from "../../src/data/labeled_images.ts";

const backend = await initBackend("wasm");
const data = await loadMnist();

Deno.test("initBackend() runs tfjs on wasm with SIMD", () => {
  assertEquals(backend.name, "wasm");
  assert(backend.simd);
  assertEquals(tf.getBackend(), "wasm");
});

for (const engine of ["fused", "tfjs"] as const) {
  Deno.test(`train() on 6,000 MNIST images for one epoch (${engine} engine) exceeds 90% on 1,000 test images`, () =>
    leakFree(async () => {
      const lenet = await LeNet.create({ activation: "relu" }, { seed: 1 });
      const test = takeRange(data.test, 0, 1000);
      const { history } = await train(lenet, takeRange(data.train, 0, 6000), {
        epochs: 1,
        batchSize: 32,
        learningRate: 2e-3,
        schedule: "constant",
        engine,
        validation: test,
      });
      const { accuracy } = await evaluate(lenet, test);
      assertEquals(history.length, 1);
      assertEquals(history[0]!.valAccuracy, accuracy);
      assert(accuracy > 0.9, `test accuracy ${accuracy} is not above 0.9`);
      lenet.dispose();
    }));

  Deno.test(`train() (${engine} engine) with the same seed gives the same weights and history`, () =>
    leakFree(async () => {
      const run = async () => {
        const lenet = await LeNet.create({}, { seed: 11 });
        const { history } = await train(lenet, takeRange(data.train, 0, 512), {
          epochs: 2,
          batchSize: 64,
          seed: 11,
          engine,
          validation: takeRange(data.test, 0, 200),
        });
        const weights = lenet.toWeights().weights;
        lenet.dispose();
        return { weights, history: history.map(({ seconds: _, ...rest }) => rest) };
      };
      const [a, b] = [await run(), await run()];
      assertEquals(a.history, b.history);
      assertAllClose(a.weights, b.weights, 0); // exact; (node's diff of 106k numbers would crawl)
    }));
}

const RESUMED_RECIPE = { epochs: 3, batchSize: 64, seed: 5, learningRate: 2e-3 };

/**
 * Trains a run straight through, and the same run stopped after epoch 2 and resumed from its
 * checkpoint; returns both models, the checkpoint's state and the straight run's history.
 */
async function straightAndResumed(recipe: TrainOptions, activation: Activation) {
  const set = takeRange(data.train, 0, 640);
  const straight = await LeNet.create({ activation }, { seed: 5 });
  const { history: full } = await train(straight, set, recipe);
  const path = `${await Deno.makeTempDir()}/${CHECKPOINT_FILE}`;
  const controller = new AbortController();
  const first = await LeNet.create({ activation }, { seed: 5 });
  const stopped = await train(first, set, {
    ...recipe,
    checkpointPath: path,
    signal: controller.signal,
    onEpoch: (log) => log.epoch === 2 && controller.abort(),
  });
  assert(stopped.interrupted);
  assertEquals(stopped.history.length, 2);
  first.dispose();
  const { lenet: resumed, state } = await loadCheckpoint(path);
  assertEquals(state.epoch, 2);
  const { history } = await train(resumed, set, { ...state.train, resume: state });
  assertEquals(history.length, 3);
  return { straight, resumed, state, full };
}

Deno.test("train() (tfjs engine) resumed from a checkpoint ends where an uninterrupted run does, to float tolerance", () =>
  leakFree(async () => {
    const recipe = { ...RESUMED_RECIPE, validationSplit: 0.1, engine: "tfjs" as const };
    const { straight, resumed } = await straightAndResumed(recipe, "tanh");
    // Adam's β-powers are recomputed as powers on restore rather than running products: ~1 ulp.
    assertAllClose(resumed.toWeights().weights, straight.toWeights().weights, 1e-6);
    [straight, resumed].forEach((l) => l.dispose());
  }));

for (const [augment, averageDecay] of [[false, 0], [true, 0], [true, 0.99]] as const) {
  Deno.test(`train() with the fused engine learns, checkpoints Adam's state and resumes where it stopped${augment ? ", augmenting" : ""}${averageDecay ? ", averaging" : ""}`, () =>
    leakFree(async () => {
      const recipe = {
        ...RESUMED_RECIPE,
        engine: "fused" as const,
        augment,
        averageDecay,
        augmentAlpha: augment ? 34 : 0,
      };
      const { straight, resumed, state, full } = await straightAndResumed(
        { ...recipe, validation: takeRange(data.test, 0, 200) },
        "relu",
      );
      assert(full[2]!.loss < full[0]!.loss, "loss did not fall");
      assertEquals(state.fusedAdam?.steps, 20);
      assertEquals(state.train.augment, augment); // the checkpoint records the augmentation
      assertAllClose(resumed.toWeights().weights, straight.toWeights().weights, 1e-6);
      [straight, resumed].forEach((l) => l.dispose());
    }));
}

Deno.test("train() on the fused engine stops mid-epoch when its signal is aborted", () =>
  leakFree(async () => {
    const lenet = await LeNet.create({}, { seed: 6 });
    const controller = new AbortController();
    let steps = 0;
    const stop = setTimeout(() => controller.abort(), 300);
    // 60,000 images take seconds per epoch here: only a mid-epoch stop ends this with no epoch done
    const result = await train(lenet, data.train, {
      epochs: 1,
      signal: controller.signal,
      onBatch: () => steps++,
    });
    clearTimeout(stop);
    assert(result.interrupted, "not interrupted");
    assertEquals(result.history.length, 0);
    assert(steps > 0 && steps < 1875, `${steps} steps`);
    lenet.dispose();
  }));

Deno.test("a seeded run's first steps on wasm, on either engine, match tfjs's cpu backend to float tolerance", () =>
  leakFree(async () => {
    const set = takeRange(data.train, 0, 48);
    const losses = (backend: "cpu" | "wasm", engine: "tfjs" | "fused") =>
      onBackend(backend, async () => {
        const lenet = await LeNet.create({}, { seed: 21 });
        const perStep: number[] = [];
        await train(lenet, set, {
          epochs: 2,
          batchSize: 16,
          seed: 21,
          engine,
          onBatch: (p) => perStep.push(p.loss),
        });
        const weights = lenet.toWeights().weights;
        lenet.dispose();
        return { perStep, weights };
      });
    const reference = await losses("cpu", "tfjs");
    assertEquals(reference.perStep.length, 6);
    for (const engine of ["tfjs", "fused"] as const) {
      const ours = await losses("wasm", engine);
      assertAllClose(ours.perStep, reference.perStep, 1e-5, 1e-4);
      assertAllClose(ours.weights, reference.weights, 1e-5, 1e-3);
    }
  }));

Deno.test("train() with the one-cycle schedule warms up to the peak over a quarter of the steps, then decays", () =>
  leakFree(async () => {
    const lenet = await LeNet.create({ activation: "relu" }, { seed: 3 });
    // 64 images in batches of 16: 4 steps an epoch, 16 in all, the first 4 warming up
    const { history } = await train(lenet, takeRange(data.train, 0, 64), {
      epochs: 4,
      batchSize: 16,
      learningRate: 4e-3,
      schedule: "one-cycle",
    });
    const last = history.map((log) => log.learningRate); // each epoch's last step
    assertEquals(last[0], 4e-3);
    assert(last[1]! < 4e-3 && last[2]! < last[1]! && last[3]! < 0.05 * 4e-3, `${last}`);
    lenet.dispose();
  }));
