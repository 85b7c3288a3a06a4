// What runs a training step for train(): tfjs's trainOnBatch, or the fused WebAssembly step. Both
// take the epoch's image indices and return the batch's loss sum and correct count, so the loop in
// train.ts does not know which runs.
import * as tf from "../_tfjs.ts";
import { defaultThreads, type TrainConfig } from "../config.ts";
import { augmentBatch, augmentKey, augmentRanges } from "../data/augment.ts";
import { gatherBatch } from "../data/batch.ts";
import type { LabeledImages } from "../data/labeled_images.ts";
import { type FusedAdamState, FusedTrainer } from "../engines/fused/trainer.ts";
import type { LeNet } from "../model/lenet.ts";
import type { TrainState } from "./checkpoint.ts";
import { evaluate, imageTensor } from "./evaluate.ts";
import { fusedSteps } from "./fused_steps.ts";
import type { StepEngine } from "./loop.ts";
import { ADAM } from "./loss.ts";

function compileIfNeeded(lenet: LeNet, config: TrainConfig): void {
  if (lenet.model.optimizer) return;
  lenet.model.compile({
    optimizer: tf.train.adam(config.learningRate, config.adamBeta1, config.adamBeta2, ADAM.epsilon),
    loss: "categoricalCrossentropy",
    metrics: ["accuracy"],
  });
}

/** A step engine of `train()`: the loop's, and Adam's state to checkpoint when tfjs does not hold it. */
export interface TrainStepEngine extends StepEngine {
  /** Adam's state to checkpoint, when tfjs does not hold it. */
  adamState(): FusedAdamState | undefined;
  /** At the end of a run: the model takes its final weights (the moving average, when kept). */
  finish(): void;
}

export async function stepEngine(
  lenet: LeNet,
  config: TrainConfig,
  set: LabeledImages,
  resume: TrainState | undefined,
): Promise<TrainStepEngine> {
  const imageSize = set.rows * set.cols, numClasses = lenet.config.numClasses;
  if (config.engine === "fused") {
    const trainer = await FusedTrainer.create(lenet.toWeights(), config.batchSize, {
      threads: config.threads || defaultThreads(config.batchSize),
      adam: { beta1: config.adamBeta1, beta2: config.adamBeta2 },
      averageDecay: config.averageDecay,
    });
    if (resume?.fusedAdam) trainer.restoreAdam(resume.fusedAdam);
    const steps = fusedSteps(trainer, config, set, () => lenet.setWeights(trainer.weights()));
    return {
      ...steps,
      adamState: () => trainer.adamState(),
      finish: () => lenet.setWeights(trainer.averagedWeights()),
    };
  }
  compileIfNeeded(lenet, config);
  const optimizer = lenet.model.optimizer as unknown as { learningRate: number };
  const key = (epoch: number) => (i: number) => augmentKey(config.seed, epoch, i);
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
    finish: () => {},
    evaluate: (set) => evaluate(lenet, set),
    [Symbol.dispose]: () => {},
  };
}
