/**
 * Export of a trained LeNet to a standard ONNX model (opset 13), serialised with protobufjs (`_schema.ts`).
 *
 * The graph takes ONNX's usual NCHW layout, `image: float32[batch, C, H, W]`, pixels in [0, 1], white
 * ink on black as MNIST has it, and returns `probabilities: float32[batch, classes]` (softmax). NCHW
 * is what every ONNX tool and PyTorch export expects, and for one channel it is byte for byte
 * the same buffer as tfjs's NHWC `[batch, 28, 28, 1]`, so no Transpose node is needed. Conv
 * kernels are turned from HWIO to OIHW, and the first dense layer's rows from tfjs's (h, w, c)
 * flatten order to ONNX's (c, h, w).
 *
 * @module
 */
import { AttributeType, FLOAT, ModelProto } from "./_schema.ts";
import type { Activation, LeNetConfig } from "../config.ts";
import { SOFTWARE, weightSlots } from "../config.ts";
import { checkWeights, type LeNetWeights } from "../model/weights.ts";
import { object } from "../_arguments.ts";

/** The ONNX opset the exported graph declares. */
export const ONNX_OPSET = 13;
/** Name of the exported graph's input. */
export const ONNX_INPUT = "image";
/** Name of the exported graph's output. */
export const ONNX_OUTPUT = "probabilities";
const IR_VERSION = 8;

type Weights = Record<string, { data: Float32Array; dims: number[] }>;
interface OnnxNode {
  opType: string;
  input: string[];
  output: string[];
  name: string;
  attribute: Record<string, unknown>[];
}

const ONNX_ACTIVATION: Record<Activation, string> = {
  sigmoid: "Sigmoid",
  relu: "Relu",
  tanh: "Tanh",
  elu: "Elu",
};

function convToOihw(kernel: Float32Array, [kh, kw, ci, co]: number[]): Float32Array {
  const out = new Float32Array(kernel.length);
  for (let h = 0; h < kh!; h++) {
    for (let w = 0; w < kw!; w++) {
      for (let i = 0; i < ci!; i++) {
        for (let o = 0; o < co!; o++) {
          out[((o * ci! + i) * kh! + h) * kw! + w] = kernel[((h * kw! + w) * ci! + i) * co! + o]!;
        }
      }
    }
  }
  return out;
}

function denseRowsToChw(kernel: Float32Array, [h, w, c]: number[], units: number): Float32Array {
  const out = new Float32Array(kernel.length);
  for (let y = 0; y < h!; y++) {
    for (let x = 0; x < w!; x++) {
      for (let k = 0; k < c!; k++) {
        const from = ((y * w! + x) * c! + k) * units, to = ((k * h! + y) * w! + x) * units;
        out.set(kernel.subarray(from, from + units), to);
      }
    }
  }
  return out;
}

/** tfjs `same` pooling pads the bottom/right for odd sizes; ONNX needs that said explicitly. */
function poolPads(inH: number, inW: number): number[] {
  const pad = (n: number) => Math.max((Math.ceil(n / 2) - 1) * 2 + 2 - n, 0);
  const [ph, pw] = [pad(inH), pad(inW)];
  return [Math.floor(ph / 2), Math.floor(pw / 2), ph - Math.floor(ph / 2), pw - Math.floor(pw / 2)];
}

function node(
  op: string,
  inputs: string[],
  output: string,
  attrs: Record<string, number | number[]> = {},
): OnnxNode {
  const attribute = Object.entries(attrs).map(([name, v]) =>
    Array.isArray(v)
      ? { name, ints: v, type: AttributeType.INTS }
      : Number.isInteger(v) && name !== "alpha"
      ? { name, i: v, type: AttributeType.INT }
      : { name, f: v, type: AttributeType.FLOAT }
  );
  return { opType: op, input: inputs, output: [output], name: output, attribute };
}

function namedWeights({ config, weights }: LeNetWeights): Weights {
  const named: Weights = {};
  for (const { layer, kind, shape, offset, size } of weightSlots(config)) {
    named[`${layer}.${kind === "kernel" ? "weight" : "bias"}`] = {
      data: weights.subarray(offset, offset + size),
      dims: shape,
    };
  }
  return named;
}

function graphNodes(config: LeNetConfig, weights: Weights): { nodes: OnnxNode[]; inits: Weights } {
  const [h, w] = config.inputShape;
  const act = (x: string, out: string): OnnxNode =>
    node(ONNX_ACTIVATION[config.activation], [x], out, config.activation === "elu" ? { alpha: 1.0 } : {});
  const inits: Weights = {};
  const nodes: OnnxNode[] = [];
  let x = ONNX_INPUT, size = [h, w];
  for (const conv of ["conv1", "conv2"]) {
    const k = weights[`${conv}.weight`]!;
    const [kh, kw, ci, co] = k.dims as [number, number, number, number];
    inits[`${conv}.weight`] = { data: convToOihw(k.data, k.dims), dims: [co, ci, kh, kw] };
    inits[`${conv}.bias`] = weights[`${conv}.bias`]!;
    nodes.push(
      node("Conv", [x, `${conv}.weight`, `${conv}.bias`], conv, { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }),
    );
    nodes.push(act(conv, `${conv}.act`));
    const pool = conv === "conv1" ? "pool1" : "pool2";
    nodes.push(
      node("MaxPool", [`${conv}.act`], pool, {
        kernel_shape: [2, 2],
        strides: [2, 2],
        pads: poolPads(size[0]!, size[1]!),
      }),
    );
    size = size.map((n) => Math.ceil(n / 2));
    x = pool;
  }
  nodes.push(node("Flatten", [x], "flatten", { axis: 1 }));
  x = "flatten";
  for (const dense of ["fc1", "fc2", "output"]) {
    const k = weights[`${dense}.weight`]!;
    const data = dense === "fc1"
      ? denseRowsToChw(k.data, [size[0]!, size[1]!, config.conv2Filters], k.dims[1]!)
      : k.data;
    inits[`${dense}.weight`] = { data, dims: k.dims };
    inits[`${dense}.bias`] = weights[`${dense}.bias`]!;
    nodes.push(node("Gemm", [x, `${dense}.weight`, `${dense}.bias`], dense));
    if (dense !== "output") nodes.push(act(dense, `${dense}.act`));
    x = dense === "output" ? dense : `${dense}.act`;
  }
  nodes.push(node("Softmax", [x], ONNX_OUTPUT, { axis: 1 }));
  return { nodes, inits };
}

function tensorProto(name: string, { data, dims }: { data: Float32Array; dims: number[] }) {
  const bytes = new Uint8Array(data.length * 4);
  const view = new DataView(bytes.buffer);
  data.forEach((v, i) => view.setFloat32(i * 4, v, true)); // ONNX raw data is little-endian
  return { name, dims, dataType: FLOAT, rawData: bytes };
}

function valueInfo(name: string, dims: (number | string)[], doc: string) {
  return {
    name,
    docString: doc,
    type: {
      tensorType: {
        elemType: FLOAT,
        shape: { dim: dims.map((d) => typeof d === "string" ? { dimParam: d } : { dimValue: d }) },
      },
    },
  };
}

/** Options of {@linkcode exportOnnx}. */
export interface ExportOptions {
  /**
   * Entries for the model's `metadata_props` (how it was trained, how accurate it is), after the
   * `lenet` entry that holds its configuration.
   * @default {}
   */
  metadata?: Record<string, string>;
}

/**
 * Exports a LeNet (any configuration this module builds) as ONNX bytes. It needs no
 * TensorFlow.js: give it `lenet.toWeights()`, or a `FusedTrainer`'s configuration and weights.
 *
 * @param model The configuration and its trained weights, flat, in tfjs's order.
 * @param options Metadata to record beside the configuration.
 * @returns A serialised `ModelProto`, opset 13, input `image` `[batch, C, H, W]`, output
 *   `probabilities` `[batch, classes]`.
 * @throws {WeightsError} When the weights do not fit the configuration.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_LENET } from "../config.ts";
 * import { exportOnnx } from "./export.ts";
 * const bytes = exportOnnx({ config: DEFAULT_LENET, weights: new Float32Array(106_154) });
 * assert.ok(bytes.length > 4 * 106_154); // every weight as a float32, plus the graph
 * ```
 */
export function exportOnnx(model: LeNetWeights, options: ExportOptions = {}): Uint8Array {
  const { metadata = {} }: ExportOptions = object(options, "exportOnnx(options)");
  const checked = checkWeights(model);
  const { config } = checked;
  const [h, w, c] = config.inputShape;
  const { nodes, inits } = graphNodes(config, namedWeights(checked));
  const proto = {
    irVersion: IR_VERSION,
    producerName: `${SOFTWARE} (Deno, tfjs 4.22)`,
    producerVersion: "1",
    docString: "LeNet trained on MNIST with the lenet Deno module",
    opsetImport: [{ domain: "", version: ONNX_OPSET }],
    metadataProps: [
      { key: "lenet", value: JSON.stringify(config) },
      ...Object.entries(metadata).map(([key, value]) => ({ key, value })),
    ],
    graph: {
      name: "lenet",
      node: nodes,
      initializer: Object.entries(inits).map(([name, t]) => tensorProto(name, t)),
      input: [
        valueInfo(
          ONNX_INPUT,
          ["batch", c, h, w],
          "NCHW float32, pixels in [0,1], white digit on black (MNIST)",
        ),
      ],
      output: [valueInfo(ONNX_OUTPUT, ["batch", config.numClasses], "softmax class probabilities")],
    },
  };
  return new Uint8Array(ModelProto.encode(proto).finish()); // a plain copy, not a pooled Buffer
}
