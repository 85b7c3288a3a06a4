// What runs a training step for train(): tfjs's trainOnBatch, or the fused WebAssembly step. Both
// take the epoch's image indices and return the batch's loss sum and correct count, so the loop in
// train.ts does not know which runs.
import * as tf from "../_tfjs.ts";
import type { TrainConfig } from "../config.ts";
import { augmentBatch, augmentKey, augmentRanges, imageTransforms } from "../data/augment.ts";
import { gatherBatch, gatherBytes } from "../data/batch.ts";
import type { LabeledImages } from "../data/labeled_images.ts";
import { type FusedAdamState, FusedTrainer, type StepResult } from "../engines/fused/trainer.ts";
import type { LeNet } from "../model/lenet.ts";
import type { TrainState } from "./checkpoint.ts";
import { evaluate, imageTensor, scoreProbabilities } from "./evaluate.ts";
import { ADAM } from "./loss.ts";
import type { Evaluation } from "./types.ts";

function compileIfNeeded(lenet: LeNet, config: TrainConfig): void {
  if (lenet.model.optimizer) return;
  lenet.model.compile({
    optimizer: tf.train.adam(config.learningRate, ADAM.beta1, ADAM.beta2, ADAM.epsilon),
    loss: "categoricalCrossentropy",
    metrics: ["accuracy"],
  });
}

/** What runs the steps: tfjs's `trainOnBatch`, or our fused WebAssembly step (disposed: stops its thread). */
export interface StepEngine extends Disposable {
  /** One Adam step on the images at `indices` in `epoch`; the batch's loss sum and correct count. */
  step(indices: ArrayLike<number>, learningRate: number, epoch: number): Promise<StepResult>;
  /** Makes the tfjs model hold the current weights (before saving them). */
  sync(): void;
  /** Adam's state to checkpoint, when tfjs does not hold it. */
  adamState(): FusedAdamState | undefined;
  /** Evaluates the current weights on a set. */
  evaluate(set: LabeledImages): Promise<Evaluation>;
}

export async function stepEngine(
  lenet: LeNet,
  config: TrainConfig,
  set: LabeledImages,
  resume: TrainState | undefined,
): Promise<StepEngine> {
  const imageSize = set.rows * set.cols, numClasses = lenet.config.numClasses;
  // augmenting: each image's transform this epoch, a function of (seed, epoch, index)
  const key = (epoch: number) => (i: number) => augmentKey(config.seed, epoch, i);
  const transforms = (indices: ArrayLike<number>, epoch: number) =>
    imageTransforms(indices, key(epoch), augmentRanges(config));
  if (config.engine === "fused") {
    const trainer = await FusedTrainer.create(lenet.toWeights(), config.batchSize, {
      threads: config.threads,
    });
    if (resume?.fusedAdam) trainer.restoreAdam(resume.fusedAdam);
    return {
      step: (indices, learningRate, epoch) => {
        const { pixels, labels } = gatherBytes(set.images, set.labels, indices, imageSize);
        // augmenting: the transforms are drawn here, and applied in WebAssembly by both threads
        const drawn = config.augment ? transforms(indices, epoch) : undefined;
        return Promise.resolve(trainer.step(pixels, labels, learningRate, drawn));
      },
      sync: () => lenet.setWeights(trainer.weights()),
      adamState: () => trainer.adamState(),
      evaluate: (set) => {
        const images = set.images.subarray(0, set.count * imageSize);
        const labels = set.labels.subarray(0, set.count);
        return Promise.resolve(scoreProbabilities(trainer.predict(images), labels, numClasses));
      },
      [Symbol.dispose]: () => trainer.dispose(),
    };
  }
  compileIfNeeded(lenet, config);
  const optimizer = lenet.model.optimizer as unknown as { learningRate: number };
  return {
    async step(indices, learningRate, epoch) {
      optimizer.learningRate = learningRate;
      const { x: plain, y } = gatherBatch(set.images, set.labels, indices, imageSize, numClasses);
      const x = config.augment ? augmentBatch(set.images, indices, key(epoch), augmentRanges(config)) : plain;
      const xs = imageTensor(x, indices.length, set);
      const ys = tf.tensor2d(y, [indices.length, numClasses]);
      const [loss, acc] = await lenet.model.trainOnBatch(xs, ys) as number[];
      tf.dispose([xs, ys]);
      return { lossSum: loss! * indices.length, correct: Math.round(acc! * indices.length) };
    },
    sync: () => {},
    adamState: () => undefined,
    evaluate: (set) => evaluate(lenet, set),
    [Symbol.dispose]: () => {},
  };
}
