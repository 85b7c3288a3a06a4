/**
 * A LeNet as plain data: its configuration and every weight in one `Float32Array`, in tfjs's
 * order (conv1 kernel, conv1 bias, conv2 kernel, ..., output bias; kernels HWIO for convolutions
 * and `[inputs, units]` for dense layers). This is what the parts that need no TensorFlow.js
 * exchange: the fused engine, the ONNX export, a browser page.
 *
 * @module
 */
import { LenetError } from "../errors.ts";
import { type LeNetConfig, resolveLeNetConfig, weightCount, weightSlots } from "../config.ts";
import { mulberry32 } from "../data/shuffle.ts";

/** A LeNet's architecture and its weights, flat, in tfjs's order. */
export interface LeNetWeights {
  /** The architecture. */
  config: LeNetConfig;
  /** Every weight, layer after layer, each kernel then its bias. */
  weights: Float32Array;
}

/** Raised when weights do not fit their configuration. */
export class WeightsError extends LenetError {}

/**
 * Validates a plain LeNet: a valid configuration and exactly as many weights as it has
 * parameters.
 *
 * @param model The configuration and weights.
 * @returns The same model with its configuration completed from the defaults.
 * @throws {ConfigError} When the configuration is invalid.
 * @throws {WeightsError} When the weight count differs from the configuration's.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkWeights, WeightsError } from "./weights.ts";
 * assert.throws(() => checkWeights({ config: { activation: "relu" }, weights: new Float32Array(3) }), WeightsError);
 * ```
 */
export function checkWeights(model: { config: Partial<LeNetConfig>; weights: Float32Array }): LeNetWeights {
  const config = resolveLeNetConfig(model.config);
  const expected = weightCount(config);
  if (!(model.weights instanceof Float32Array) || model.weights.length !== expected) {
    throw new WeightsError(
      `Expected ${expected} float32 weights for this LeNet, got ${model.weights?.length ?? "none"}`,
    );
  }
  return { config, weights: model.weights };
}

/**
 * A freshly initialised LeNet as plain data, as Keras initialises one: Glorot-uniform kernels
 * (uniform in ±√(6 / (fan in + fan out)), the fans of a 3x3 convolution counting its taps) and
 * zero biases, drawn from a seeded generator — for training without TensorFlow.js (the browser
 * page). The values differ from tfjs's for the same seed; their distribution is the same.
 *
 * @param overrides The architecture (defaults from `DEFAULT_LENET`).
 * @param seed The generator's seed.
 * @returns The model.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_LENET } from "../config.ts";
 * import { initialWeights } from "./weights.ts";
 * const { weights } = initialWeights(DEFAULT_LENET, 1);
 * assert.equal(weights.length, 106_154);
 * const limit = Math.sqrt(6 / (9 * 1 + 9 * 6)); // conv1: 3x3x1 in, 3x3x6 out
 * assert.ok(weights.subarray(0, 54).every((w) => Math.abs(w) <= limit));
 * assert.ok(weights.subarray(54, 60).every((b) => b === 0)); // conv1's biases
 * assert.deepEqual(initialWeights(DEFAULT_LENET, 1).weights, weights);
 * ```
 */
export function initialWeights(overrides: Partial<LeNetConfig>, seed: number): LeNetWeights {
  const config = resolveLeNetConfig(overrides);
  const slots = weightSlots(config), random = mulberry32(seed);
  const weights = new Float32Array(weightCount(config));
  for (const { kind, shape, offset, size } of slots) {
    if (kind === "bias") continue;
    const taps = shape.length === 4 ? shape[0]! * shape[1]! : 1;
    const fanIn = taps * shape.at(-2)!, fanOut = taps * shape.at(-1)!;
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    for (let i = offset; i < offset + size; i++) weights[i] = (2 * random() - 1) * limit;
  }
  return { config, weights };
}
