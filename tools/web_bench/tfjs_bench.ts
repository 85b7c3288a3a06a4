/// <reference lib="dom" />
// TensorFlow.js training the same LeNet in the same browser, on its default browser backend
// (webgl, falling back to cpu where there is no WebGL): the yardstick tools/web_figures.ts sets
// the page's own training beside. Bundled into the figures' build only, never into the page.
import * as tf from "../../src/npm/tfjs.ts";
import "npm:@tensorflow/tfjs-backend-webgl@4.22.0";
import "npm:@tensorflow/tfjs-backend-cpu@4.22.0";
import { resolveLeNetConfig } from "../../src/config.ts";
import { lenetLayers } from "../../src/model/layers.ts";

/** Trains `steps` Adam steps of `batch` random images (speed does not depend on the pixels). */
async function benchTfjs(
  steps: number,
  batch: number,
): Promise<{ backend: string; imagesPerSecond: number }> {
  await tf.ready();
  const model = lenetLayers(resolveLeNetConfig({ activation: "relu" }), 1);
  model.compile({ optimizer: tf.train.adam(4e-3), loss: "categoricalCrossentropy" });
  const x = tf.randomUniform([batch, 28, 28, 1]);
  const y = tf.oneHot(tf.randomUniform([batch], 0, 10, "int32") as tf.Tensor1D, 10);
  for (let i = 0; i < 3; i++) await model.trainOnBatch(x, y); // warm up: shaders, kernels
  const started = performance.now();
  for (let i = 0; i < steps; i++) await model.trainOnBatch(x, y);
  const seconds = (performance.now() - started) / 1000;
  tf.dispose([x, y]);
  model.dispose();
  return { backend: tf.getBackend(), imagesPerSecond: steps * batch / seconds };
}

Object.assign(globalThis, { benchTfjs });
