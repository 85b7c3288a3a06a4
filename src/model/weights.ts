/**
 * A LeNet as plain data: its configuration and every weight in one `Float32Array`, in tfjs's
 * order (conv1 kernel, conv1 bias, conv2 kernel, ..., output bias; kernels HWIO for convolutions
 * and `[inputs, units]` for dense layers). This is what the parts that need no TensorFlow.js
 * exchange: the fused engine, the ONNX export, a browser page.
 *
 * @module
 */
import { LenetError } from "../errors.ts";
import { type LeNetConfig, resolveLeNetConfig } from "../config.ts";

/** A LeNet's architecture and its weights, flat, in tfjs's order. */
export interface LeNetWeights {
  /** The architecture. */
  config: LeNetConfig;
  /** Every weight, layer after layer, each kernel then its bias. */
  weights: Float32Array;
}

/** Where one weight tensor lies in {@linkcode LeNetWeights.weights}. */
export interface WeightSlot {
  /** Layer name: `conv1`, `conv2`, `fc1`, `fc2` or `output`. */
  layer: string;
  /** `kernel` or `bias`. */
  kind: "kernel" | "bias";
  /** Shape: HWIO for convolution kernels, `[inputs, units]` for dense kernels. */
  shape: number[];
  /** First element. */
  offset: number;
  /** Number of elements. */
  size: number;
}

/**
 * The weight tensors of a LeNet configuration, in order, with their place in the flat array.
 *
 * @param config The architecture.
 * @returns Ten slots: kernel and bias of conv1, conv2, fc1, fc2 and output.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_LENET } from "../config.ts";
 * import { weightSlots } from "./weights.ts";
 * const slots = weightSlots(DEFAULT_LENET);
 * assert.deepEqual(slots[0]!.shape, [3, 3, 1, 6]);
 * assert.equal(slots.at(-1)!.offset + slots.at(-1)!.size, 106_154);
 * ```
 */
export function weightSlots(config: LeNetConfig): WeightSlot[] {
  const [h, w, c] = config.inputShape;
  const { conv1Filters: c1, conv2Filters: c2, fc1Units: f1, fc2Units: f2, numClasses: k } = config;
  const quarter = (n: number) => Math.ceil(Math.ceil(n / 2) / 2); // two 2x2 'same' poolings
  const kernels: [string, number[]][] = [
    ["conv1", [3, 3, c, c1]],
    ["conv2", [3, 3, c1, c2]],
    ["fc1", [quarter(h) * quarter(w) * c2, f1]],
    ["fc2", [f1, f2]],
    ["output", [f2, k]],
  ];
  const slots: WeightSlot[] = [];
  let offset = 0;
  for (const [layer, shape] of kernels) {
    for (const [kind, dims] of [["kernel", shape], ["bias", [shape.at(-1)!]]] as const) {
      const size = dims.reduce((a, b) => a * b, 1);
      slots.push({ layer, kind, shape: [...dims], offset, size });
      offset += size;
    }
  }
  return slots;
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
