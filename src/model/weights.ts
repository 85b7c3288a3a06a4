/**
 * A LeNet as plain data: its configuration and every weight in one `Float32Array`, in tfjs's
 * order (conv1 kernel, conv1 bias, conv2 kernel, ..., output bias; kernels HWIO for convolutions
 * and `[inputs, units]` for dense layers). This is what the parts that need no TensorFlow.js
 * exchange: the fused engine, the ONNX export, a browser page.
 *
 * @module
 */
import { LenetError } from "../errors.ts";
import { type LeNetConfig, resolveLeNetConfig, weightSlots } from "../config.ts";

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
  const last = weightSlots(config).at(-1)!, expected = last.offset + last.size;
  if (!(model.weights instanceof Float32Array) || model.weights.length !== expected) {
    throw new WeightsError(
      `Expected ${expected} float32 weights for this LeNet, got ${model.weights?.length ?? "none"}`,
    );
  }
  return { config, weights: model.weights };
}
