/**
 * How good a model is on a labelled set: loss, accuracy and every prediction, from tfjs's forward
 * pass or from any engine's class probabilities.
 *
 * @module
 */
import * as tf from "../npm/tfjs.ts";
import { gatherBatch } from "../data/batch.ts";
import { checkLabeledSet, type LabeledImages } from "../data/labeled_images.ts";
import { checkLeNet, type LeNet } from "../model/lenet.ts";
import { count } from "../_arguments.ts";
import { scoreProbabilities } from "./loss.ts";
import type { Evaluation } from "./types.ts";

/** The images of a set as the `[count, rows, cols, 1]` tensor tfjs takes. */
export function imageTensor(x: Float32Array, count: number, set: LabeledImages): tf.Tensor4D {
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
 * import { evaluate } from "./evaluate.ts";
 * const lenet = await LeNet.load(new URL("../../models/lenet-tutorial/", import.meta.url));
 * const sevens = { images: new Uint8Array(784), labels: Uint8Array.of(7), count: 1, rows: 28, cols: 28 };
 * for (let x = 6; x < 22; x++) sevens.images[6 * 28 + x] = 255; // the bar of a 7
 * for (let y = 7; y < 23; y++) sevens.images[y * 28 + 21 - Math.floor((y - 7) / 2)] = 255; // its stroke
 * const { accuracy, predictions } = await evaluate(lenet, sevens);
 * assert.deepEqual([accuracy, predictions[0]], [1, 7]);
 * lenet.dispose();
 * ```
 */
export async function evaluate(lenet: LeNet, set: LabeledImages, batchSize = 1000): Promise<Evaluation> {
  checkLeNet(lenet, "evaluate(lenet)");
  checkLabeledSet(set, "evaluate(set)");
  count(batchSize, "evaluate(batchSize)", 1);
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
