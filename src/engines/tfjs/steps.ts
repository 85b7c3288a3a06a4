/**
 * TensorFlow.js as the training loop's step engine: Keras's `trainOnBatch` on the model itself,
 * compiled with the recipe's Adam, on tfjs's WebAssembly backend (with the kernels of
 * `kernels.ts`). Adam's state lives in the model's optimizer, so checkpoints keep it there.
 *
 * @module
 */
import * as tf from "../../npm/tfjs.ts";
import type { TrainConfig } from "../../config.ts";
import { augmentBatch, augmentKey, augmentRanges } from "../../data/augment.ts";
import { gatherBatch } from "../../data/batch.ts";
import type { LabeledImages } from "../../data/labeled_images.ts";
import type { LeNet } from "../../model/lenet.ts";
import { evaluate, imageTensor } from "../../training/evaluate.ts";
import { ADAM } from "../../training/loss.ts";
import type { TrainStepEngine } from "../../training/step_engine.ts";
import { ensureBackend } from "../../tfjs/backend.ts";

// Adam as the recipe says, unless the model has an optimizer already (a resumed run's).
function compileIfNeeded(lenet: LeNet, config: TrainConfig): void {
  if (lenet.model.optimizer) return;
  lenet.model.compile({
    optimizer: tf.train.adam(config.learningRate, config.adamBeta1, config.adamBeta2, ADAM.epsilon),
    loss: "categoricalCrossentropy",
    metrics: ["accuracy"],
  });
}

/**
 * The tfjs engine for `train()`: each step gathers (and, augmenting, transforms) its images in
 * JavaScript and runs `trainOnBatch` at the step's learning rate.
 *
 * @param lenet The model, trained in place (compiled with Adam here unless it has an optimizer).
 * @param config The recipe.
 * @param set The training set.
 * @returns The engine.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_TRAIN } from "../../config.ts";
 * import { LeNet } from "../../model/lenet.ts";
 * import { tfjsStepEngine } from "./steps.ts";
 * const lenet = await LeNet.create();
 * const set = { images: new Uint8Array(8 * 784).fill(9), labels: new Uint8Array(8), count: 8, rows: 28, cols: 28 };
 * const before = lenet.toWeights().weights;
 * using engine = await tfjsStepEngine(lenet, DEFAULT_TRAIN, set);
 * const { lossSum } = await engine.step([0, 1, 2, 3], 1e-3, 1);
 * assert.ok(lossSum > 0);
 * assert.notDeepEqual(lenet.toWeights().weights, before); // trained in place
 * lenet.dispose();
 * ```
 */
export async function tfjsStepEngine(
  lenet: LeNet,
  config: TrainConfig,
  set: LabeledImages,
): Promise<TrainStepEngine> {
  await ensureBackend();
  compileIfNeeded(lenet, config);
  const imageSize = set.rows * set.cols, numClasses = lenet.config.numClasses;
  const optimizer = lenet.model.optimizer; // Adam, whose learning rate tfjs keeps in a protected field
  const key = (epoch: number) => (i: number) => augmentKey(config.seed, epoch, i);
  return {
    async step(indices, learningRate, epoch) {
      Reflect.set(optimizer, "learningRate", learningRate);
      const { x: plain, y } = gatherBatch(set.images, set.labels, indices, imageSize, numClasses);
      const x = config.augment ? augmentBatch(set.images, indices, key(epoch), augmentRanges(config)) : plain;
      const xs = imageTensor(x, indices.length, set);
      const ys = tf.tensor2d(y, [indices.length, numClasses]);
      const result = await lenet.model.trainOnBatch(xs, ys); // [loss, accuracy]: compiled with the metric
      tf.dispose([xs, ys]);
      const [loss, acc] = Array.isArray(result) ? result : [result, NaN];
      return { lossSum: loss! * indices.length, correct: Math.round(acc! * indices.length) };
    },
    sync: () => {},
    adamState: () => undefined,
    finish: () => {},
    evaluate: (other) => evaluate(lenet, other),
    [Symbol.dispose]: () => {},
  };
}
