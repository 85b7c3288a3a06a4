/**
 * The fast training engine on its own: a whole LeNet training step (forward, categorical
 * cross-entropy, backward, Adam) in one call into our C module compiled to WebAssembly SIMD
 * (`wasm/lenet.c`), on as many threads as the cores and the batch keep busy (`threads`). No TensorFlow.js: it takes a configuration and plain
 * `Float32Array` weights and gives them back trained; the main entry point's `train()` uses it.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_LENET, FusedTrainer } from "./fused.ts";
 *
 * const weights = new Float32Array(106_154).map((_, i) => Math.sin(i) * 0.05); // or lenet.toWeights()
 * using trainer = await FusedTrainer.create({ config: DEFAULT_LENET, weights }, 32);
 * const images = new Uint8Array(32 * 784).fill(255); // 32 MNIST-sized images, bytes or floats
 * const labels = new Int32Array(32).fill(3);
 * const first = trainer.step(images, labels, 1e-2);
 * for (let i = 0; i < 20; i++) trainer.step(images, labels, 1e-2);
 * assert.ok(trainer.step(images, labels, 1e-2).lossSum < first.lossSum); // it learns "3"
 * assert.equal(trainer.weights().length, 106_154); // trained weights, same order
 * ```
 *
 * @module
 */
export { type Activation, DEFAULT_LENET, type LeNetConfig } from "./src/config.ts";
export { ArgumentError, LenetError } from "./src/errors.ts";
export { type FusedAdamState, type FusedOptions, FusedTrainer } from "./src/engines/fused/trainer.ts";
export type { StepResult } from "./src/training/step_engine.ts";
export type { LenetBuild } from "./src/engines/fused/_wasm.ts";
export { initialWeights, type LeNetWeights, WeightsError } from "./src/model/weights.ts";
