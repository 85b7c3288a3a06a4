/**
 * The fused WebAssembly trainer as a {@linkcode StepEngine}: each step gathers its images as
 * bytes (and, when augmenting, draws their transforms, which the trainer applies in WebAssembly
 * on both threads), and evaluation runs the trainer's own forward pass. No TensorFlow.js: the
 * browser page trains through this too.
 *
 * @module
 */
import type { TrainConfig } from "../config.ts";
import { augmentKey, augmentRanges, imageTransforms } from "../data/augment.ts";
import { gatherBytes } from "../data/batch.ts";
import type { LabeledImages } from "../data/labeled_images.ts";
import type { FusedTrainer } from "../engines/fused/trainer.ts";
import type { StepEngine } from "./loop.ts";
import { scoreProbabilities } from "./loss.ts";

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
 * import { DEFAULT_LENET, DEFAULT_TRAIN } from "../config.ts";
 * import { FusedTrainer } from "../engines/fused/trainer.ts";
 * import { initialWeights } from "../model/weights.ts";
 * import { fusedSteps } from "./fused_steps.ts";
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
      // here and applied in WebAssembly by both threads
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
