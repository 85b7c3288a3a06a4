// What several tests share: tfjs's own gradients of a LeNet (the reference the engines are checked
// against), a backend switch that always puts wasm back, and a check that a test frees every
// tensor it made.
import * as tf from "../src/npm/tfjs.ts";
import { type BackendName, ensureBackend, initBackend } from "../src/tfjs/backend.ts";
import type { LeNet } from "../src/model/lenet.ts";
import { assertEquals } from "./_assert.ts";

/**
 * tfjs's gradient of the mean categorical cross-entropy of a batch, every trainable weight
 * flattened, in tfjs's weight order (the order `LeNet.toWeights()` and the fused engine use).
 */
export function tfjsGradients(lenet: LeNet, x: Float32Array, y: Float32Array, count: number): Float32Array {
  const [h, w, c] = lenet.config.inputShape, k = lenet.config.numClasses;
  return tf.tidy(() => {
    const xs = tf.tensor4d(x.subarray(0, count * h * w * c), [count, h, w, c]);
    const ys = tf.tensor2d(y.subarray(0, count * k), [count, k]);
    const { grads } = tf.variableGrads(() =>
      tf.mean(tf.metrics.categoricalCrossentropy(ys, lenet.model.apply(xs, { training: true }) as tf.Tensor))
    );
    const ordered = lenet.model.trainableWeights.map((v) =>
      grads[(v as unknown as { val: tf.Variable }).val.name]!
    );
    return tf.concat(ordered.map((g) => tf.reshape(g, [-1]))).dataSync() as Float32Array;
  });
}

/** Runs `fn` on a tfjs backend, then puts `wasm` back, whatever `fn` did: no test inherits cpu. */
export async function onBackend<T>(name: BackendName, fn: () => Promise<T>): Promise<T> {
  await initBackend(name);
  try {
    return await fn();
  } finally {
    await initBackend("wasm");
  }
}

/** Runs `fn` and checks that it left no tfjs tensor behind (every model it made was disposed). */
export async function leakFree<T>(fn: () => Promise<T>): Promise<T> {
  await ensureBackend(); // tf.memory() needs one
  const before = tf.memory().numTensors;
  const result = await fn();
  assertEquals(tf.memory().numTensors, before, "tensors left behind: a model or tensor was not disposed");
  return result;
}
