/**
 * Training and evaluation: Adam on categorical cross-entropy, seeded shuffling, a per-epoch
 * history, a checkpoint after every epoch, and a clean stop when asked.
 *
 * @module
 */
import * as tf from "../_tfjs.ts";
import { ensureBackend } from "../engines/tfjs/backend.ts";
import { resolveTrainConfig, type TrainConfig } from "../config.ts";
import { saveCheckpoint, type TrainState } from "./checkpoint.ts";
import { type FusedAdamState, FusedTrainer, type StepResult } from "../engines/fused/trainer.ts";
import type { LabeledImages } from "../data/idx.ts";
import type { LeNet } from "../model/lenet.ts";
import { ADAM, score } from "./loss.ts";
import { gatherBatch, gatherBytes } from "../data/batch.ts";
import { epochPermutation } from "../data/shuffle.ts";

/** Metrics of one completed epoch. */
export interface EpochLog {
  /** The epoch, from 1. */
  epoch: number;
  /** Mean training loss over the epoch's batches (weights changing as it goes). */
  loss: number;
  /** Training accuracy over the epoch's batches. */
  accuracy: number;
  /** Loss on the validation set after the epoch. */
  valLoss: number;
  /** Accuracy on the validation set after the epoch. */
  valAccuracy: number;
  /** Wall time of the epoch's training steps, in seconds (validation excluded). */
  seconds: number;
  /** Learning rate at the epoch's last step. */
  learningRate: number;
}

/** What {@linkcode TrainOptions.onBatch} receives after every step. */
export interface BatchProgress {
  /** Current epoch, from 1. */
  epoch: number;
  /** Total epochs of the run. */
  epochs: number;
  /** Steps done in this epoch. */
  step: number;
  /** Steps in an epoch. */
  steps: number;
  /** Mean loss of the epoch so far. */
  loss: number;
  /** Accuracy of the epoch so far. */
  accuracy: number;
  /** Training images per second in this epoch. */
  imagesPerSecond: number;
  /** Estimated seconds left in this epoch. */
  etaSeconds: number;
}

/** Options of {@linkcode train}: the recipe (defaults in `DEFAULT_TRAIN`) and the run's hooks. */
export interface TrainOptions extends Partial<TrainConfig> {
  /** Validation set used when `validationSplit` is 0 (usually the test set). */
  validation?: LabeledImages;
  /** Where to write a checkpoint after every epoch; none when omitted. */
  checkpointPath?: string;
  /** State of an interrupted run to continue (from `loadCheckpoint`). */
  resume?: TrainState;
  /** Called after every training step. */
  onBatch?: (progress: BatchProgress) => void;
  /** Called after every epoch, once validated and checkpointed. */
  onEpoch?: (log: EpochLog) => void;
  /** Stops training after the current step; completed epochs are kept. */
  signal?: AbortSignal;
}

/** The outcome of {@linkcode train}. */
export interface TrainResult {
  /** One entry per completed epoch, including those of a resumed run. */
  history: EpochLog[];
  /** True when `signal` stopped the run before its last epoch. */
  interrupted: boolean;
}

/** The outcome of {@linkcode evaluate}. */
export interface Evaluation {
  /** Mean categorical cross-entropy. */
  loss: number;
  /** Fraction of images classified correctly. */
  accuracy: number;
  /** Predicted class of every image. */
  predictions: Uint8Array;
  /** Probability the model gave its predicted class, per image. */
  confidences: Float32Array;
}

/**
 * Splits the last `fraction` of a set off as validation data, as Keras' `validation_split` does.
 *
 * @param set The full training set.
 * @param fraction Share of examples to hold out, in [0, 1).
 * @returns The two parts (views, no copy).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { splitValidation } from "./train.ts";
 * const set = { images: new Uint8Array(40), labels: new Uint8Array(10), count: 10, rows: 2, cols: 2 };
 * const { train, validation } = splitValidation(set, 0.2);
 * assert.deepEqual([train.count, validation.count], [8, 2]);
 * ```
 */
export function splitValidation(
  set: LabeledImages,
  fraction: number,
): { train: LabeledImages; validation: LabeledImages } {
  const nVal = Math.round(set.count * fraction);
  return {
    train: takeRange(set, 0, set.count - nVal),
    validation: takeRange(set, set.count - nVal, set.count),
  };
}

/**
 * The examples `start .. end-1` of a set, as views.
 *
 * @param set Any labelled set.
 * @param start First example.
 * @param end One past the last example.
 * @returns The sub-set.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { takeRange } from "./train.ts";
 * const set = { images: Uint8Array.of(1, 2, 3, 4, 5, 6), labels: Uint8Array.of(7, 8, 9), count: 3, rows: 1, cols: 2 };
 * const tail = takeRange(set, 1, 3);
 * assert.deepEqual([tail.count, [...tail.images], [...tail.labels]], [2, [3, 4, 5, 6], [8, 9]]);
 * ```
 */
export function takeRange(set: LabeledImages, start: number, end: number): LabeledImages {
  const size = set.rows * set.cols;
  return {
    ...set,
    images: set.images.subarray(start * size, end * size),
    labels: set.labels.subarray(start, end),
    count: end - start,
  };
}

function imageTensor(x: Float32Array, count: number, set: LabeledImages): tf.Tensor4D {
  return tf.tensor4d(x, [count, set.rows, set.cols, 1]);
}

/**
 * Loss, accuracy and per-image predictions of a model on a labelled set.
 *
 * @param lenet The model.
 * @param set Images and labels.
 * @param batchSize Images per forward pass.
 * @returns The metrics and predictions.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LeNet } from "../model/lenet.ts";
 * import { evaluate } from "./train.ts";
 * const lenet = await LeNet.load(new URL("../../models/lenet-mnist/", import.meta.url));
 * const sevens = { images: new Uint8Array(784), labels: Uint8Array.of(7), count: 1, rows: 28, cols: 28 };
 * for (let x = 6; x < 22; x++) sevens.images[6 * 28 + x] = 255; // the bar of a 7
 * for (let y = 7; y < 23; y++) sevens.images[y * 28 + 21 - Math.floor((y - 7) / 2)] = 255; // its stroke
 * const { accuracy, predictions } = await evaluate(lenet, sevens);
 * assert.deepEqual([accuracy, predictions[0]], [1, 7]);
 * lenet.dispose();
 * ```
 */
export async function evaluate(lenet: LeNet, set: LabeledImages, batchSize = 1000): Promise<Evaluation> {
  await ensureBackend();
  const numClasses = lenet.config.numClasses;
  const probabilities = new Float32Array(set.count * numClasses);
  for (let start = 0; start < set.count; start += batchSize) {
    const end = Math.min(set.count, start + batchSize);
    const indices = Array.from({ length: end - start }, (_, i) => start + i);
    const { x } = gatherBatch(set.images, set.labels, indices, set.rows * set.cols, numClasses);
    const probsT = tf.tidy(() => lenet.predict(imageTensor(x, indices.length, set)));
    probabilities.set(await probsT.data() as Float32Array, start * numClasses);
    probsT.dispose();
  }
  return scoreProbabilities(probabilities, set.labels.subarray(0, set.count), numClasses);
}

/**
 * Loss, accuracy and predictions from each image's class probabilities (for example those of
 * `FusedTrainer.predict`).
 *
 * @param probabilities `numClasses` probabilities per image.
 * @param labels The class of each image.
 * @param numClasses Classes per image.
 * @returns The metrics and predictions.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { scoreProbabilities } from "./train.ts";
 * const probs = Float32Array.of(0.9, 0.1, 0.2, 0.8);
 * assert.equal(scoreProbabilities(probs, Uint8Array.of(0, 0), 2).accuracy, 0.5);
 * ```
 */
export function scoreProbabilities(
  probabilities: Float32Array,
  labels: Uint8Array,
  numClasses: number,
): Evaluation {
  const { lossSum, correct, predictions, confidences } = score(probabilities, labels, numClasses);
  return { loss: lossSum / labels.length, accuracy: correct / labels.length, predictions, confidences };
}

// A label the model has no output for would train silently wrong (no one-hot, NaN loss).
function checkLabels(set: LabeledImages, numClasses: number): void {
  const labels = set.labels.subarray(0, set.count);
  const top = labels.reduce((a, b) => Math.max(a, b), 0);
  if (top >= numClasses) {
    throw new RangeError(
      `A label is ${top}, but the model has ${numClasses} classes (0 to ${numClasses - 1})`,
    );
  }
}

function learningRateAt(config: TrainConfig, step: number, totalSteps: number): number {
  const peak = config.learningRate;
  if (config.schedule === "constant") return peak;
  const warm = config.schedule === "one-cycle" ? Math.floor(totalSteps / 4) : 0;
  if (step < warm) return peak * (step + 1) / warm;
  return peak * 0.5 * (1 + Math.cos(Math.PI * (step - warm) / (totalSteps - warm)));
}

function compileIfNeeded(lenet: LeNet, config: TrainConfig): void {
  if (lenet.model.optimizer) return;
  lenet.model.compile({
    optimizer: tf.train.adam(config.learningRate, ADAM.beta1, ADAM.beta2, ADAM.epsilon),
    loss: "categoricalCrossentropy",
    metrics: ["accuracy"],
  });
}

/** What runs the steps: tfjs's `trainOnBatch`, or our fused WebAssembly step (disposed: stops its thread). */
interface StepEngine extends Disposable {
  /** One Adam step on the images at `indices`; the batch's loss sum and correct count. */
  step(indices: ArrayLike<number>, learningRate: number): Promise<StepResult>;
  /** Makes the tfjs model hold the current weights (before saving them). */
  sync(): void;
  /** Adam's state to checkpoint, when tfjs does not hold it. */
  adamState(): FusedAdamState | undefined;
  /** Evaluates the current weights on a set. */
  evaluate(set: LabeledImages): Promise<Evaluation>;
}

async function stepEngine(
  lenet: LeNet,
  config: TrainConfig,
  set: LabeledImages,
  resume: TrainState | undefined,
): Promise<StepEngine> {
  const imageSize = set.rows * set.cols, numClasses = lenet.config.numClasses;
  if (config.engine === "fused") {
    const trainer = await FusedTrainer.create(lenet.toWeights(), config.batchSize, {
      threads: config.threads,
    });
    if (resume?.fusedAdam) trainer.restoreAdam(resume.fusedAdam);
    return {
      step: (indices, learningRate) => {
        const { pixels, labels } = gatherBytes(set.images, set.labels, indices, imageSize);
        return Promise.resolve(trainer.step(pixels, labels, learningRate));
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
    async step(indices, learningRate) {
      optimizer.learningRate = learningRate;
      const { x, y } = gatherBatch(set.images, set.labels, indices, imageSize, numClasses);
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

/**
 * Trains a LeNet with Adam on categorical cross-entropy, validating and checkpointing after
 * every epoch. Shuffling is seeded per epoch, so a run (and a resumed run) is reproducible.
 *
 * @param lenet The model; compiled here with Adam unless it already has an optimizer.
 * @param trainSet Training images and labels.
 * @param options The recipe and the run's hooks.
 * @returns The history and whether the run was interrupted.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadMnist } from "../data/dataset.ts";
 * import { LeNet } from "../model/lenet.ts";
 * import { takeRange, train } from "./train.ts";
 * const data = await loadMnist();
 * const lenet = await LeNet.create({ activation: "relu" });
 * const { history } = await train(lenet, takeRange(data.train, 0, 2000), { epochs: 2, validation: takeRange(data.test, 0, 500) });
 * assert.equal(history.length, 2);
 * assert.ok(history[1]!.valAccuracy > history[0]!.valAccuracy - 0.05);
 * assert.ok(history[1]!.loss < history[0]!.loss); // the second pass fits better
 * lenet.dispose();
 * ```
 */
export async function train(
  lenet: LeNet,
  trainSet: LabeledImages,
  options: TrainOptions = {},
): Promise<TrainResult> {
  const { validation, checkpointPath, resume, onBatch, onEpoch, signal, ...overrides } = options;
  const config = resolveTrainConfig(overrides);
  await ensureBackend();
  const split = config.validationSplit > 0 ? splitValidation(trainSet, config.validationSplit) : undefined;
  const fitSet = split?.train ?? trainSet;
  const valSet = split?.validation ?? validation;
  const { batchSize, epochs } = config;
  for (const set of valSet ? [fitSet, valSet] : [fitSet]) checkLabels(set, lenet.config.numClasses);
  using engine = await stepEngine(lenet, config, fitSet, resume);
  const steps = Math.ceil(fitSet.count / batchSize);
  const history = [...(resume?.history ?? [])];
  let learningRate = config.learningRate, yielded = performance.now();

  for (let epoch = (resume?.epoch ?? 0) + 1; epoch <= epochs; epoch++) {
    const order = epochPermutation(fitSet.count, config.seed, epoch);
    const started = performance.now();
    let lossSum = 0, correctSum = 0, seen = 0;
    for (let step = 0; step < steps; step++) {
      // The fused engine never waits on anything: give the event loop (a Ctrl-C handler aborting
      // `signal`, say) a turn ten times a second.
      if (performance.now() - yielded > 100) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        yielded = performance.now();
      }
      if (signal?.aborted) return { history, interrupted: true };
      learningRate = learningRateAt(config, (epoch - 1) * steps + step, epochs * steps);
      const indices = order.subarray(step * batchSize, Math.min(fitSet.count, (step + 1) * batchSize));
      const result = await engine.step(indices, learningRate);
      lossSum += result.lossSum;
      correctSum += result.correct;
      seen += indices.length;
      const elapsed = (performance.now() - started) / 1000;
      onBatch?.({
        epoch,
        epochs,
        step: step + 1,
        steps,
        loss: lossSum / seen,
        accuracy: correctSum / seen,
        imagesPerSecond: seen / elapsed,
        etaSeconds: elapsed / (step + 1) * (steps - step - 1),
      });
    }
    const seconds = (performance.now() - started) / 1000;
    engine.sync();
    const val = valSet ? await engine.evaluate(valSet) : { loss: NaN, accuracy: NaN };
    const log: EpochLog = {
      epoch,
      loss: lossSum / seen,
      accuracy: correctSum / seen,
      valLoss: val.loss,
      valAccuracy: val.accuracy,
      seconds,
      learningRate,
    };
    history.push(log);
    if (checkpointPath) {
      const fusedAdam = engine.adamState();
      await saveCheckpoint(checkpointPath, lenet, {
        epoch,
        train: config,
        history,
        ...(fusedAdam ? { fusedAdam } : {}),
      });
    }
    onEpoch?.(log);
  }
  return { history, interrupted: false };
}
