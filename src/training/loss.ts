/**
 * The loss and optimiser constants both training engines share, as Keras defines them, and the
 * scoring of predicted probabilities.
 *
 * @module
 */
import type { Evaluation } from "./types.ts";

/** Keras' fuzz factor: probabilities are clipped to [ε, 1 − ε] before the log, and Adam's ε. */
export const KERAS_EPSILON = 1e-7;

/** Adam's hyper-parameters besides the learning rate (Keras' and tfjs's defaults). */
export const ADAM = Object.freeze({ beta1: 0.9, beta2: 0.999, epsilon: KERAS_EPSILON });

/**
 * Categorical cross-entropy of one example, from the probability given to its true class, with
 * Keras' clipping.
 *
 * @param probability The softmax probability of the true class.
 * @returns `−log(clip(p, ε, 1 − ε))`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { crossEntropy } from "./loss.ts";
 * assert.ok(crossEntropy(1) < 1e-6);
 * assert.ok(Math.abs(crossEntropy(0) + Math.log(1e-7)) < 1e-9); // clipped, not infinite
 * ```
 */
export function crossEntropy(probability: number): number {
  return -Math.log(Math.min(1 - KERAS_EPSILON, Math.max(KERAS_EPSILON, probability)));
}

/** The loss and predictions of a batch of images, from their class probabilities. */
export interface Scores {
  /** Sum of the per-image categorical cross-entropy. */
  lossSum: number;
  /** Images whose most probable class is their label. */
  correct: number;
  /** Most probable class of every image. */
  predictions: Uint8Array;
  /** Its probability, per image. */
  confidences: Float32Array;
}

/**
 * Scores class probabilities against labels.
 *
 * @param probabilities `numClasses` probabilities per image.
 * @param labels The class of each image (as many images as labels are scored).
 * @param numClasses Classes per image.
 * @returns Summed loss, correct count, and each image's predicted class and its probability.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { score } from "./loss.ts";
 * const { correct, predictions } = score(Float32Array.of(0.9, 0.1, 0.2, 0.8), Uint8Array.of(0, 0), 2);
 * assert.equal(correct, 1);
 * assert.deepEqual(predictions, Uint8Array.of(0, 1));
 * ```
 */
export function score(probabilities: Float32Array, labels: ArrayLike<number>, numClasses: number): Scores {
  const count = labels.length;
  const predictions = new Uint8Array(count), confidences = new Float32Array(count);
  let lossSum = 0, correct = 0;
  for (let i = 0; i < count; i++) {
    const row = probabilities.subarray(i * numClasses, (i + 1) * numClasses);
    let best = 0;
    for (let c = 1; c < numClasses; c++) if (row[c]! > row[best]!) best = c;
    lossSum += crossEntropy(row[labels[i]!]!);
    if (best === labels[i]) correct++;
    predictions[i] = best;
    confidences[i] = row[best]!;
  }
  return { lossSum, correct, predictions, confidences };
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
 * import { scoreProbabilities } from "./loss.ts";
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
