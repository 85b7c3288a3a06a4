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
  if (typeof model !== "object" || model === null || Array.isArray(model)) {
    throw new WeightsError(
      `Expected a LeNet as { config, weights }, got ${model === null ? "null" : typeof model}`,
    );
  }
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

/** The arithmetic of a LeNet per image, in multiply-adds. */
export interface MultiplyAdds {
  /** The forward pass. */
  forward: number;
  /** A training step: forward, the weight gradients (as many again) and the input gradients of
   * every layer but the first (whose input gradient nobody needs). */
  trainingStep: number;
}

/**
 * Counts the multiply-adds of a LeNet per image: what turns a speed into GFLOP/s (2 FLOP each).
 *
 * @param config The architecture.
 * @returns Forward and training-step multiply-adds.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_LENET } from "../config.ts";
 * import { multiplyAdds } from "./weights.ts";
 * assert.deepEqual(multiplyAdds(DEFAULT_LENET), { forward: 316_680, trainingStep: 907_704 });
 * ```
 */
export function multiplyAdds(config: LeNetConfig): MultiplyAdds {
  const [h, w, c] = config.inputShape;
  const { conv1Filters: c1, conv2Filters: c2, fc1Units: f1, fc2Units: f2, numClasses: k } = config;
  const half = (n: number) => Math.ceil(n / 2); // 2x2 pooling, 'same'
  const conv1 = h * w * 9 * c * c1;
  const conv2 = half(h) * half(w) * 9 * c1 * c2;
  const dense = half(half(h)) * half(half(w)) * c2 * f1 + f1 * f2 + f2 * k;
  const forward = conv1 + conv2 + dense;
  return { forward, trainingStep: 3 * forward - conv1 };
}
