/**
 * The fused WebAssembly trainer as the training loop's step engine: each step gathers its images
 * as bytes (and, when augmenting, draws their transforms, which the trainer applies in WebAssembly
 * on every thread), and evaluation runs the trainer's own forward pass. No TensorFlow.js: the
 * browser page trains through {@linkcode fusedSteps} too.
 *
 * @module
 */
import { defaultThreads, type TrainConfig } from "../../config.ts";
import { augmentKey, augmentRanges, imageTransforms } from "../../data/augment.ts";
import { gatherBytes } from "../../data/batch.ts";
import type { LabeledImages } from "../../data/labeled_images.ts";
import type { LeNet } from "../../model/lenet.ts";
import { scoreProbabilities } from "../../training/loss.ts";
import type { AdamState, StepEngine, TrainStepEngine } from "../../training/step_engine.ts";
import { type FusedOptions, FusedTrainer } from "./trainer.ts";

/**
 * The trainer's options a recipe sets: Adam's betas, the weights' moving average, label smoothing
 * and weight decay (threads and the build are the caller's to choose).
 *
 * @param config The recipe.
 * @returns Those options of {@linkcode FusedTrainer.create}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_TRAIN } from "../../config.ts";
 * import { recipeOptions } from "./steps.ts";
 * const options = recipeOptions({ ...DEFAULT_TRAIN, labelSmoothing: 0.1 });
 * assert.deepEqual(options.adam, { beta1: 0.9, beta2: 0.999 });
 * assert.equal(options.labelSmoothing, 0.1);
 * ```
 */
export function recipeOptions(
  config: TrainConfig,
): Pick<FusedOptions, "adam" | "averageDecay" | "labelSmoothing" | "weightDecay"> {
  return {
    adam: { beta1: config.adamBeta1, beta2: config.adamBeta2 },
    averageDecay: config.averageDecay,
    labelSmoothing: config.labelSmoothing,
    weightDecay: config.weightDecay,
  };
}

/**
 * Steps of a recipe on a fused trainer.
 *
 * @param trainer The trainer (its weights are the model's; disposing the engine disposes it).
 * @param config The recipe: its seed and augmentation.
 * @param set The training set the step indices point into.
 * @param sync Called when the loop wants the model to hold the current weights.
 * @returns The step engine.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_LENET, DEFAULT_TRAIN } from "../../config.ts";
 * import { initialWeights } from "../../model/weights.ts";
 * import { fusedSteps } from "./steps.ts";
 * import { type FusedOptions, FusedTrainer } from "./trainer.ts";
 * const set = { images: new Uint8Array(8 * 784).fill(9), labels: new Uint8Array(8), count: 8, rows: 28, cols: 28 };
 * const trainer = await FusedTrainer.create(initialWeights(DEFAULT_LENET, 1), 8, { threads: 1 });
 * using engine = fusedSteps(trainer, DEFAULT_TRAIN, set);
 * const { lossSum } = await engine.step([0, 1, 2, 3], 1e-3, 1);
 * assert.ok(lossSum > 0);
 * assert.equal((await engine.evaluate(set)).accuracy, 1); // all labels 0: after a step towards 0
 * ```
 */
export function fusedSteps(
  trainer: FusedTrainer,
  config: TrainConfig,
  set: LabeledImages,
  sync: () => void = () => {},
): StepEngine {
  const imageSize = set.rows * set.cols;
  const ranges = augmentRanges(config);
  return {
    step: (indices, learningRate, epoch) => {
      const { pixels, labels } = gatherBytes(set.images, set.labels, indices, imageSize);
      // augmenting: each image's transform this epoch, a function of (seed, epoch, index), drawn
      // here and applied in WebAssembly by every thread
      const transforms = config.augment
        ? imageTransforms(indices, (i) => augmentKey(config.seed, epoch, i), ranges)
        : undefined;
      return Promise.resolve(trainer.step(pixels, labels, learningRate, transforms));
    },
    sync,
    evaluate: (other) => {
      const images = other.images.subarray(0, other.count * imageSize);
      const labels = other.labels.subarray(0, other.count);
      // under the weights' moving average, when the trainer keeps one: what the run will save
      return Promise.resolve(scoreProbabilities(trainer.predict(images, true), labels, trainer.numClasses));
    },
    [Symbol.dispose]: () => trainer.dispose(),
  };
}

/**
 * The fused engine for `train()`: a trainer on the model's weights (and, resuming, Adam's state),
 * which hands its weights back to the model when the loop validates or saves, and its moving
 * average, when it keeps one, at the end.
 *
 * @param lenet The model: its weights are where training starts.
 * @param config The recipe.
 * @param set The training set.
 * @param resume Adam's state of the interrupted run, if any.
 * @returns The engine.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_TRAIN } from "../../config.ts";
 * import { LeNet } from "../../model/lenet.ts";
 * import { fusedStepEngine } from "./steps.ts";
 * const lenet = await LeNet.create();
 * const set = { images: new Uint8Array(8 * 784).fill(9), labels: new Uint8Array(8), count: 8, rows: 28, cols: 28 };
 * const before = lenet.toWeights().weights;
 * {
 *   using engine = await fusedStepEngine(lenet, { ...DEFAULT_TRAIN, threads: 1 }, set);
 *   await engine.step([0, 1, 2, 3], 1e-3, 1);
 *   engine.sync();
 *   assert.equal(engine.adamState()?.steps, 1);
 * }
 * assert.notDeepEqual(lenet.toWeights().weights, before); // the model holds the stepped weights
 * lenet.dispose();
 * ```
 */
export async function fusedStepEngine(
  lenet: LeNet,
  config: TrainConfig,
  set: LabeledImages,
  resume?: AdamState,
): Promise<TrainStepEngine> {
  const trainer = await FusedTrainer.create(lenet.toWeights(), config.batchSize, {
    threads: config.threads || defaultThreads(config.batchSize),
    simd: config.simd === "auto" ? undefined : config.simd,
    ...recipeOptions(config),
  });
  if (resume) trainer.restoreAdam(resume);
  const steps = fusedSteps(trainer, config, set, () => lenet.setWeights(trainer.weights()));
  return {
    ...steps,
    adamState: () => trainer.adamState(),
    finish: () => lenet.setWeights(trainer.averagedWeights()),
  };
}
