/**
 * What a saved LeNet must look like before tfjs builds anything from it: its topology is exactly
 * the one its configuration describes (layer by layer: kind, name, size, activation), and its
 * weight manifest lists the configuration's tensors with their shapes and as many bytes as there
 * are. A file that declares 16 million filters, or an activation edited away from what the weights
 * were trained with, is refused here, with nothing allocated.
 *
 * @module
 */
import { type LeNetConfig, weightCount, weightSlots } from "../config.ts";
import type * as tf from "../npm/tfjs.ts";

/** Optimizer tensors a checkpoint may carry beyond the weights (tfjs's Adam: 1 + 2 per weight). */
const MAX_EXTRA_TENSORS = 64;

interface SavedLayer {
  class_name?: unknown;
  config?: Record<string, unknown>;
}

/** The layers `buildLayers` makes for a configuration, as the topology records them. */
function expectedLayers(config: LeNetConfig): [string, Record<string, unknown>][] {
  const { activation } = config;
  const conv = (name: string, filters: number) => ({
    name,
    filters,
    activation,
    kernel_size: [3, 3],
    padding: "same",
  });
  const pool = (name: string) => ({ name, pool_size: [2, 2], strides: [2, 2], padding: "same" });
  return [
    ["Conv2D", { ...conv("conv1", config.conv1Filters), batch_input_shape: [null, ...config.inputShape] }],
    ["MaxPooling2D", pool("pool1")],
    ["Conv2D", conv("conv2", config.conv2Filters)],
    ["MaxPooling2D", pool("pool2")],
    ["Flatten", { name: "flatten" }],
    ["Dense", { name: "fc1", units: config.fc1Units, activation }],
    ["Dense", { name: "fc2", units: config.fc2Units, activation }],
    ["Dense", { name: "output", units: config.numClasses, activation: "softmax" }],
  ];
}

/**
 * The first thing wrong with saved model artifacts for a configuration, or `undefined`.
 *
 * @param artifacts The topology, weight specs and weight bytes, as read from the files.
 * @param config The configuration they claim (from their metadata, or a checkpoint's).
 * @returns A one-line reason, or `undefined` when they fit.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_LENET } from "../config.ts";
 * import { artifactsProblem } from "./artifacts.ts";
 * assert.match(artifactsProblem({ modelTopology: {} }, DEFAULT_LENET)!, /topology/);
 * ```
 */
export function artifactsProblem(artifacts: tf.io.ModelArtifacts, config: LeNetConfig): string | undefined {
  const topology = artifacts.modelTopology as { config?: { layers?: unknown } } | undefined;
  const layers = topology?.config?.layers;
  const expected = expectedLayers(config);
  if (!Array.isArray(layers) || layers.length !== expected.length) {
    return `its topology is not the ${expected.length} layers of a LeNet`;
  }
  for (const [i, [className, fields]] of expected.entries()) {
    const layer = layers[i] as SavedLayer;
    if (layer?.class_name !== className) return `layer ${i + 1} is not a ${className}`;
    for (const [key, value] of Object.entries(fields)) {
      if (JSON.stringify(layer.config?.[key]) !== JSON.stringify(value)) {
        return `layer ${fields.name}'s ${key} is ${
          JSON.stringify(layer.config?.[key])
        }, its configuration says ${JSON.stringify(value)}`;
      }
    }
  }
  return weightsProblem(artifacts, config);
}

function weightsProblem(artifacts: tf.io.ModelArtifacts, config: LeNetConfig): string | undefined {
  const specs = artifacts.weightSpecs;
  const slots = weightSlots(config);
  if (
    !Array.isArray(specs) || specs.length < slots.length || specs.length > slots.length + MAX_EXTRA_TENSORS
  ) {
    return `its weight manifest does not list the ${slots.length} tensors of a LeNet`;
  }
  let bytes = 0;
  for (const [i, spec] of specs.entries()) {
    const slot = slots[i];
    const shape = spec?.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0 && d <= 1 << 26)) {
      return `weight ${spec?.name} has an invalid shape`;
    }
    if (spec.dtype !== "float32" && !(slot === undefined && spec.dtype === "int32")) {
      return `weight ${spec.name} is ${spec.dtype}, not float32`;
    }
    if (slot && (spec.name !== `${slot.layer}/${slot.kind}` || shape.join() !== slot.shape.join())) {
      return `weight ${
        i + 1
      } is ${spec.name} [${shape}], the configuration needs ${slot.layer}/${slot.kind} [${slot.shape}]`;
    }
    bytes += 4 * shape.reduce((a, b) => a * b, 1);
    if (bytes > 4 * weightCount(config) * 4) {
      return "its weight manifest declares too many bytes";
    }
  }
  const data = artifacts.weightData;
  const have = data instanceof ArrayBuffer ? data.byteLength : -1;
  if (have !== bytes) return `its weights have ${have} bytes, the manifest declares ${bytes}`;
  return undefined;
}
