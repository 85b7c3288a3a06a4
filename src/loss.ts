/**
 * The loss and optimiser constants both training engines share, as Keras defines them.
 *
 * @module
 */

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
 * import { crossEntropy } from "./loss.ts";
 * console.log(crossEntropy(1).toFixed(3), crossEntropy(0) > 16); // 0.000 true
 * ```
 */
export function crossEntropy(probability: number): number {
  return -Math.log(Math.min(1 - KERAS_EPSILON, Math.max(KERAS_EPSILON, probability)));
}
