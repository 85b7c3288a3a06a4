/**
 * A LeNet's TensorFlow.js layers (conv 3x3 'same' → max-pool 2 → conv → max-pool → dense →
 * dense → softmax), built on whichever backend tfjs has active. A module of its own, with no file
 * or Deno code, so that a browser bundle can build the same model (`tools/web_bench/`).
 *
 * @module
 */
import * as tf from "../npm/tfjs.ts";
import type { LeNetConfig } from "../config.ts";

/**
 * The tfjs layers of a LeNet, on whatever backend tfjs has active: what {@linkcode LeNet.create}
 * builds once it has started the WebAssembly backend, and what a browser benchmark builds on
 * tfjs's default backend there (`tools/web_figures.ts`).
 *
 * @param config The architecture.
 * @param seed Seed of the Glorot-uniform initialisers (each layer takes the next).
 * @returns An uncompiled Sequential model.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_LENET } from "../config.ts";
 * import { initBackend } from "../tfjs/backend.ts";
 * import { lenetLayers } from "./layers.ts";
 * await initBackend();
 * const model = lenetLayers(DEFAULT_LENET, 1);
 * assert.equal(model.countParams(), 106_154);
 * model.dispose();
 * ```
 */
export function lenetLayers(config: LeNetConfig, seed: number): tf.Sequential {
  const { activation } = config;
  let layerSeed = seed;
  const init = () => tf.initializers.glorotUniform({ seed: layerSeed++ });
  const conv = (name: string, filters: number, inputShape?: number[]) =>
    tf.layers.conv2d({
      name,
      inputShape,
      filters,
      kernelSize: 3,
      padding: "same",
      activation,
      kernelInitializer: init(),
    });
  const pool = (name: string) => tf.layers.maxPooling2d({ name, poolSize: 2, strides: 2, padding: "same" });
  const dense = (name: string, units: number, act: typeof activation | "softmax") =>
    tf.layers.dense({ name, units, activation: act, kernelInitializer: init() });
  return tf.sequential({
    name: "lenet",
    layers: [
      conv("conv1", config.conv1Filters, config.inputShape),
      pool("pool1"),
      conv("conv2", config.conv2Filters),
      pool("pool2"),
      tf.layers.flatten({ name: "flatten" }),
      dense("fc1", config.fc1Units, activation),
      dense("fc2", config.fc2Units, activation),
      dense("output", config.numClasses, "softmax"),
    ],
  });
}
