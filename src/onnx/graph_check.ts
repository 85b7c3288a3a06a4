/**
 * An ONNX graph checked before onnxruntime sees it: the ops an image classifier is made of and
 * nothing else, every tensor's shape followed from the input to the output, and the cost of one
 * image bounded: its work (multiply-adds, and every value an elementwise, variadic, pooling or
 * normalising op writes, times its inputs or its window) and its memory (the values alive at
 * once, known scratch included). A graph that loops (`Loop`, `Scan`, `If`), makes shapes from data
 * (`ConstantOfShape`, `Expand`, `Tile`, `Range`, `Shape`, `Resize`, `Pad` ...), carries
 * subgraphs, functions or sparse or external tensors, or does not end in `[batch, 10]`, is
 * refused with a typed error that names the op or the shape: such a graph can otherwise run for
 * ever or take gigabytes from a file of a few hundred bytes.
 *
 * @module
 */
import { firstLine } from "../errors.ts";
import { FLOAT, INT64, ModelProto } from "./_schema.ts";
import { OnnxModelError } from "./model_error.ts";
import { GRAPH_LIMITS, type GraphLimits } from "./graph_limits.ts";

export { OnnxModelError } from "./model_error.ts";
export { GRAPH_LIMITS, type GraphLimits } from "./graph_limits.ts";

/** The opsets of the default domain a graph may import: onnxruntime 1.30 runs up to 23. */
export const OPSET_RANGE: readonly [number, number] = [7, 23];

/** What the check learned of the graph. */
export interface CheckedGraph {
  /** The input's shape without the batch dimension: `[channels, height, width]`. */
  inputShape: [number, number, number];
  /** Classes of the output. */
  classes: number;
  /** Operations for one image (see {@linkcode GraphLimits.maxOperations}). */
  operations: number;
  /** The most values alive at once for one image, weights left out (they are not per image). */
  liveValues: number;
}

interface Tensor {
  dims?: number[];
  dataType?: number;
  rawData?: Uint8Array;
  int64Data?: number[];
  int32Data?: number[];
  doubleData?: number[];
  floatData?: number[];
  dataLocation?: number;
  externalData?: unknown[];
  name?: string;
}
interface Attribute {
  name?: string;
  f?: number;
  i?: number;
  ints?: number[];
  floats?: number[];
  s?: Uint8Array;
  t?: Tensor;
  g?: unknown;
  graphs?: unknown[];
  tensors?: unknown[];
}
interface Node {
  opType?: string;
  domain?: string;
  input?: string[];
  output?: string[];
  attribute?: Attribute[];
}
interface ValueInfo {
  name?: string;
  type?: { tensorType?: { elemType?: number; shape?: { dim?: { dimValue?: number; dimParam?: string }[] } } };
}
interface Model {
  opsetImport?: { domain?: string; version?: number }[];
  functions?: unknown[];
  graph?: {
    node?: Node[];
    initializer?: Tensor[];
    sparseInitializer?: unknown[];
    input?: ValueInfo[];
    output?: ValueInfo[];
  };
}

/** A value in the graph: its shape for one image, and its numbers when they are known (constants). */
interface Value {
  shape: number[];
  ints?: number[];
}

type Attrs = Map<string, Attribute>;
/** What an op makes (its outputs' shapes), the operations it costs, and the scratch it allocates. */
interface Inferred {
  out: Value[];
  ops: number;
  scratch?: number;
}
type Infer = (inputs: (Value | undefined)[], attrs: Attrs, opset: number) => Inferred;

const product = (dims: number[]) => dims.reduce((a, b) => a * b, 1);
// an op that writes one value per value of its input: one operation each
const same: Infer = ([x]) => ({ out: [{ shape: need(x).shape }], ops: product(need(x).shape) });
// an op that moves values, no arithmetic: it costs its copy
const moved = (out: number[]): Inferred => ({ out: [{ shape: out }], ops: product(out) });

function need(value: Value | undefined, what = "an input"): Value {
  if (!value) throw new OnnxModelError(`Wrong graph: ${what} is missing or comes from nowhere`);
  return value;
}

function ints(attrs: Attrs, name: string, fallback: number[]): number[] {
  return attrs.get(name)?.ints?.map(Number) ?? fallback;
}

function int(attrs: Attrs, name: string, fallback: number): number {
  const a = attrs.get(name);
  return a?.i !== undefined ? Number(a.i) : fallback;
}

function axisOf(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!(a >= 0 && a < rank)) throw new OnnxModelError(`Wrong graph: axis ${axis} of a rank-${rank} tensor`);
  return a;
}

function broadcast(...shapes: number[][]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  return Array.from({ length: rank }, (_, i) => {
    const dims = shapes.map((s) => s[s.length - rank + i] ?? 1);
    const big = Math.max(...dims);
    if (dims.some((d) => d !== 1 && d !== big)) {
      throw new OnnxModelError(`Wrong graph: shapes [${shapes.join("] and [")}] do not broadcast`);
    }
    return big;
  });
}

// a binary or variadic op (Sum of 4,000 inputs is one node): one operation per value per input
const elementwise: Infer = (inputs) => {
  const shape = broadcast(...inputs.map((x) => need(x).shape));
  return { out: [{ shape }], ops: product(shape) * Math.max(1, inputs.length) };
};

// onnxruntime's LRN sums squares over a window of `size` channels with a scratch buffer of
// (channels + size - 1) x height x width floats: the window is bounded by the memory it takes
const lrn: Infer = ([x], attrs) => {
  const shape = need(x).shape, size = int(attrs, "size", 0);
  if (shape.length < 3 || !(size >= 1)) throw new OnnxModelError(`Wrong graph: an LRN of size ${size}`);
  const scratch = (shape[1]! + size - 1) * product(shape.slice(2));
  return { out: [{ shape }], ops: product(shape) * size, scratch };
};

/** The spatial output of a convolution or a pooling, ONNX's formula (auto_pad included). */
function spatial(input: number[], kernel: number[], attrs: Attrs, ceil: boolean): number[] {
  const n = kernel.length;
  const strides = ints(attrs, "strides", new Array(n).fill(1));
  const dilations = ints(attrs, "dilations", new Array(n).fill(1));
  const pads = ints(attrs, "pads", new Array(2 * n).fill(0));
  const autoPad = new TextDecoder().decode(attrs.get("auto_pad")?.s ?? new Uint8Array(0)) || "NOTSET";
  return input.map((size, i) => {
    const k = (kernel[i]! - 1) * dilations[i]! + 1, stride = strides[i]!;
    if (!(stride >= 1 && k >= 1)) throw new OnnxModelError("Wrong graph: a stride or kernel below 1");
    if (autoPad === "SAME_UPPER" || autoPad === "SAME_LOWER") return Math.ceil(size / stride);
    const padded = autoPad === "VALID" ? size : size + pads[i]! + pads[i + n]!;
    const out = (ceil ? Math.ceil : Math.floor)((padded - k) / stride) + 1;
    if (!(out >= 1)) throw new OnnxModelError(`Wrong graph: a window of ${k} on ${padded} values`);
    return out;
  });
}

const pool: Infer = ([x], attrs) => {
  const shape = need(x).shape;
  const kernel = ints(attrs, "kernel_shape", []);
  if (kernel.length !== shape.length - 2) throw new OnnxModelError("Wrong graph: a pooling's kernel_shape");
  const out = [
    ...shape.slice(0, 2),
    ...spatial(shape.slice(2), kernel, attrs, int(attrs, "ceil_mode", 0) === 1),
  ];
  return { out: [{ shape: out }], ops: product(out) * product(kernel) };
};

const conv: Infer = ([x, w], attrs) => {
  const shape = need(x).shape, weight = need(w, "a Conv's weight").shape;
  const group = int(attrs, "group", 1);
  if (weight.length !== shape.length || group < 1 || weight[1]! * group !== shape[1]) {
    throw new OnnxModelError(`Wrong graph: a Conv weight [${weight}] on an input [${shape}]`);
  }
  const out = [shape[0]!, weight[0]!, ...spatial(shape.slice(2), weight.slice(2), attrs, false)];
  // im2col: each output position's window of every input channel of a group
  const scratch = product(weight.slice(1)) * product(out.slice(2));
  return { out: [{ shape: out }], ops: product(out) * product(weight.slice(1)), scratch };
};

const gemm: Infer = ([a, b, c], attrs) => {
  let [m, k] = need(a).shape, [k2, n] = need(b, "a Gemm's weight").shape;
  if (need(a).shape.length !== 2 || need(b).shape.length !== 2) {
    throw new OnnxModelError("Wrong graph: Gemm of rank 2 only");
  }
  if (int(attrs, "transA", 0)) [m, k] = [k, m];
  if (int(attrs, "transB", 0)) [k2, n] = [n, k2];
  if (k !== k2) throw new OnnxModelError(`Wrong graph: Gemm of ${k} by ${k2}`);
  if (c) broadcast(c.shape, [m!, n!]);
  return { out: [{ shape: [m!, n!] }], ops: m! * n! * k! };
};

const matmul: Infer = ([a, b]) => {
  const [x, y] = [need(a).shape, need(b).shape];
  if (x.length < 2 || y.length < 2 || x.at(-1) !== y.at(-2)) {
    throw new OnnxModelError(`Wrong graph: MatMul of [${x}] by [${y}]`);
  }
  const batch = broadcast(x.slice(0, -2), y.slice(0, -2));
  const out = [...batch, x.at(-2)!, y.at(-1)!];
  return { out: [{ shape: out }], ops: product(out) * x.at(-1)! };
};

const flatten: Infer = ([x], attrs) => {
  const shape = need(x).shape;
  const axis = int(attrs, "axis", 1), at = axis < 0 ? axis + shape.length : axis;
  return moved([product(shape.slice(0, at)), product(shape.slice(at))]);
};

const reshape: Infer = ([x, target]) => {
  const shape = need(x).shape, wanted = need(target, "a Reshape's shape").ints;
  if (!wanted) throw new OnnxModelError("Unsupported graph: a Reshape to a shape computed at run time");
  const out = wanted.map((d, i) => d === 0 ? shape[i]! : d);
  const known = product(out.filter((d) => d !== -1)), total = product(shape);
  const free = out.indexOf(-1);
  if (free >= 0) out[free] = total / known;
  if (out.some((d) => !(Number.isInteger(d) && d >= 0)) || product(out) !== total) {
    throw new OnnxModelError(`Wrong graph: a Reshape of [${shape}] to [${wanted}]`);
  }
  return moved(out);
};

const transpose: Infer = ([x], attrs) => {
  const shape = need(x).shape;
  const perm = ints(attrs, "perm", shape.map((_, i) => shape.length - 1 - i));
  if (perm.length !== shape.length || new Set(perm).size !== perm.length) {
    throw new OnnxModelError("Wrong graph: a perm");
  }
  return moved(perm.map((p) => shape[axisOf(p, shape.length)]!));
};

/** Squeeze and Unsqueeze take their axes from an attribute before opset 13, from an input after. */
function axesOf(inputs: (Value | undefined)[], attrs: Attrs, opset: number): number[] | undefined {
  if (opset < 13) return attrs.get("axes")?.ints?.map(Number);
  if (!inputs[1]) return undefined;
  const axes = inputs[1].ints;
  if (!axes) throw new OnnxModelError("Unsupported graph: axes computed at run time");
  return axes;
}

const squeeze: Infer = (inputs, attrs, opset) => {
  const shape = need(inputs[0]).shape, axes = axesOf(inputs, attrs, opset);
  const drop = new Set(
    (axes ?? shape.flatMap((d, i) => d === 1 ? [i] : [])).map((a) => axisOf(a, shape.length)),
  );
  return moved(shape.filter((_, i) => !drop.has(i)));
};

const unsqueeze: Infer = (inputs, attrs, opset) => {
  const shape = need(inputs[0]).shape, axes = axesOf(inputs, attrs, opset);
  if (!axes) throw new OnnxModelError("Wrong graph: Unsqueeze without axes");
  const rank = shape.length + axes.length, out = [...shape];
  for (const axis of axes.map((a) => axisOf(a, rank)).sort((a, b) => a - b)) out.splice(axis, 0, 1);
  return moved(out);
};

const concat: Infer = (inputs, attrs) => {
  const shapes = inputs.map((x) => need(x).shape);
  const axis = axisOf(int(attrs, "axis", 0), shapes[0]!.length);
  const out = [...shapes[0]!];
  out[axis] = shapes.reduce((n, s) => n + s[axis]!, 0);
  return moved(out);
};

const constant: Infer = (_, attrs) => {
  const tensor = attrs.get("value")?.t;
  if (!tensor) throw new OnnxModelError("Unsupported graph: a Constant that is not a tensor");
  return { out: [valueOfTensor(tensor)], ops: 0 };
};

const globalPool: Infer = ([x]) => {
  const shape = need(x).shape;
  return { out: [{ shape: [...shape.slice(0, 2), ...shape.slice(2).map(() => 1)] }], ops: product(shape) };
};

/** The ops an image classifier is made of, each with how its outputs' shapes follow. */
const OPS: Record<string, Infer> = {
  Identity: same,
  Dropout: same,
  Relu: same,
  Sigmoid: same,
  Tanh: same,
  Elu: same,
  Selu: same,
  LeakyRelu: same,
  PRelu: elementwise,
  HardSigmoid: same,
  HardSwish: same,
  Softplus: same,
  Softsign: same,
  Erf: same,
  Gelu: same,
  Neg: same,
  Abs: same,
  Sqrt: same,
  Exp: same,
  Log: same,
  Reciprocal: same,
  Clip: same,
  Softmax: same,
  LogSoftmax: same,
  BatchNormalization: same,
  InstanceNormalization: same,
  LayerNormalization: same,
  LRN: lrn,
  Add: elementwise,
  Sub: elementwise,
  Mul: elementwise,
  Div: elementwise,
  Max: elementwise,
  Min: elementwise,
  Sum: elementwise,
  Mean: elementwise,
  Conv: conv,
  MaxPool: pool,
  AveragePool: pool,
  GlobalAveragePool: globalPool,
  GlobalMaxPool: globalPool,
  Gemm: gemm,
  MatMul: matmul,
  Flatten: flatten,
  Reshape: reshape,
  Transpose: transpose,
  Squeeze: squeeze,
  Unsqueeze: unsqueeze,
  Concat: concat,
  Constant: constant,
};

/** Bytes of one element of each ONNX data type a classifier's tensors may have (float, uint8, int8,
 * int16, int32, int64, bool, float16, double, bfloat16). */
const ELEMENT_BYTES: Record<number, number> = {
  1: 4,
  2: 1,
  3: 1,
  5: 2,
  6: 4,
  7: 8,
  9: 1,
  10: 2,
  11: 8,
  16: 2,
};

/** A tensor of the file (an initializer, or a Constant's value): its shape, and its integers if int64. */
function valueOfTensor(tensor: Tensor): Value {
  if (tensor.dataLocation === 1 || (tensor.externalData?.length ?? 0) > 0) {
    throw new OnnxModelError(`Unsupported graph: tensor ${tensor.name ?? ""} is stored outside the file`);
  }
  const shape = (tensor.dims ?? []).map(Number);
  if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new OnnxModelError("Wrong graph: a tensor's dims");
  }
  // its data must all be there: onnxruntime sizes a tensor by its dims, whatever the file holds
  const size = ELEMENT_BYTES[tensor.dataType ?? 0];
  const held = tensor.rawData?.length
    ? tensor.rawData.length / (size ?? 1)
    : (tensor.floatData?.length ?? 0) + (tensor.int64Data?.length ?? 0) + (tensor.int32Data?.length ?? 0) +
      (tensor.doubleData?.length ?? 0);
  if (size === undefined || held !== product(shape)) {
    throw new OnnxModelError(
      `Wrong graph: tensor ${tensor.name ?? ""} (type ${tensor.dataType}) declares [${
        shape.join(", ")
      }] and holds ${held} values`,
    );
  }
  if (tensor.dataType !== INT64) return { shape };
  const count = product(shape);
  if (count > 64) return { shape }; // a shape or axes list is short; a long one is data, not read
  const raw = tensor.rawData;
  const values = raw && raw.length >= 8 * count
    ? Array.from(
      { length: count },
      (_, i) => Number(new DataView(raw.buffer, raw.byteOffset).getBigInt64(8 * i, true)),
    )
    : (tensor.int64Data ?? []).map(Number);
  return values.length === count ? { shape, ints: values } : { shape };
}

function dimsOf(info: ValueInfo | undefined): (number | string)[] {
  return (info?.type?.tensorType?.shape?.dim ?? []).map((d) => d.dimParam || Number(d.dimValue ?? 0));
}

function decodeModel(bytes: Uint8Array, name: string): Model {
  if (bytes.length === 0) throw new OnnxModelError(`Not an ONNX model: ${name} is empty`);
  try {
    return ModelProto.toObject(ModelProto.decode(bytes), { longs: Number }) as Model;
  } catch (error) {
    throw new OnnxModelError(`Not an ONNX model: ${name} (${firstLine(error)})`);
  }
}

function checkOpsets(model: Model, name: string): number {
  const imports = model.opsetImport ?? [];
  const foreign = imports.find((o) => o.domain && o.domain !== "ai.onnx");
  if (foreign) {
    throw new OnnxModelError(`Unsupported model ${name}: it imports the op domain "${foreign.domain}"`);
  }
  const version = Number(imports.find((o) => !o.domain || o.domain === "ai.onnx")?.version ?? 0);
  const [low, high] = OPSET_RANGE;
  if (!(version >= low && version <= high)) {
    throw new OnnxModelError(`Unsupported model ${name}: opset ${version}, expected ${low} to ${high}`);
  }
  if ((model.functions?.length ?? 0) > 0) {
    throw new OnnxModelError(`Unsupported model ${name}: it defines functions`);
  }
  return version;
}

/**
 * Follows every node in order (ONNX keeps nodes sorted): its outputs' shapes, its operations, and
 * the values alive while it runs (what earlier nodes made and later ones still read, its outputs
 * and its scratch). Refuses the first node past a bound.
 */
function walkNodes(
  nodes: Node[],
  values: Map<string, Value>,
  { input, outputs, weights }: { input: string; outputs: ValueInfo[]; weights: number },
  { name, opset, limits }: { name: string; opset: number; limits: GraphLimits },
): { operations: number; liveValues: number } {
  // the last node that reads each value; the graph's outputs live to the end
  const lastRead = new Map<string, number>();
  nodes.forEach((node, i) => node.input?.forEach((input) => lastRead.set(input, i)));
  for (const output of outputs) lastRead.set(output.name ?? "", Infinity);
  // the values nodes made, and the image, by name, with their sizes: what is alive now
  const alive = new Map([[input, product(values.get(input)!.shape)]]);
  let operations = 0, liveValues = 0, living = alive.get(input)!;
  for (const [i, node] of nodes.entries()) {
    const op = node.opType ?? "";
    if (node.domain && node.domain !== "ai.onnx") {
      throw new OnnxModelError(`Unsupported op ${node.domain}.${op} in ${name}`);
    }
    const infer = OPS[op];
    if (!infer) throw new OnnxModelError(`Unsupported op ${op} in ${name}: not an op of an image classifier`);
    const attrs: Attrs = new Map((node.attribute ?? []).map((a) => [a.name ?? "", a]));
    if ([...attrs.values()].some((a) => a.g || (a.graphs?.length ?? 0) > 0)) {
      throw new OnnxModelError(`Unsupported op ${op} in ${name}: it carries a subgraph`);
    }
    const ins = (node.input ?? []).map((input) => input === "" ? undefined : values.get(input));
    const { out, ops, scratch = 0 } = infer(ins, attrs, opset);
    operations += ops;
    let made = 0;
    for (const [k, value] of out.entries()) {
      const size = product(value.shape);
      if (!value.shape.every((d) => Number.isSafeInteger(d) && d >= 0) || size > limits.maxTensorValues) {
        throw new OnnxModelError(
          `Model ${name}: ${op} makes a tensor of [${value.shape.join(", ")}], over ${
            limits.maxTensorValues.toLocaleString("en-US")
          } values`,
        );
      }
      const output = node.output?.[k];
      if (output) values.set(output, value), alive.set(output, size);
      made += size;
    }
    liveValues = Math.max(liveValues, living + made + scratch);
    if (weights + liveValues > limits.maxLiveValues) {
      throw new OnnxModelError(
        `Model ${name} needs ${(weights + liveValues).toLocaleString("en-US")} values alive at once for ` +
          `one image (at its ${op}), over ${limits.maxLiveValues.toLocaleString("en-US")}`,
      );
    }
    if (operations > limits.maxOperations) {
      throw new OnnxModelError(
        `Model ${name} costs over ${limits.maxOperations.toLocaleString("en-US")} operations an image ` +
          `(at its ${op})`,
      );
    }
    living += made;
    // what no later node reads is freed
    for (const key of new Set([...(node.input ?? []), ...(node.output ?? [])])) {
      if ((lastRead.get(key) ?? -1) <= i && alive.has(key)) living -= alive.get(key)!, alive.delete(key);
    }
  }
  return { operations, liveValues };
}

/**
 * Checks an ONNX model's graph before it runs (see the module's doc) and follows every tensor's
 * shape for one image.
 *
 * @param bytes The model file's content.
 * @param name How errors name the model.
 * @param limits Bounds other than {@linkcode GRAPH_LIMITS}.
 * @returns The input's shape, the classes and the cost of one image.
 * @throws {OnnxModelError} Naming the op, the shape or the limit that refuses the graph.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkGraph } from "./graph_check.ts";
 * const bytes = await Deno.readFile(new URL("../../models/lenet-tutorial/model.onnx", import.meta.url));
 * const graph = checkGraph(bytes, "lenet-tutorial");
 * assert.deepEqual(graph.inputShape, [1, 28, 28]);
 * assert.equal(graph.classes, 10);
 * ```
 */
export function checkGraph(bytes: Uint8Array, name: string, limits: Partial<GraphLimits> = {}): CheckedGraph {
  const all = { ...GRAPH_LIMITS, ...limits };
  const model = decodeModel(bytes, name);
  const graph = model.graph;
  if (!graph) throw new OnnxModelError(`Not an ONNX model: ${name} has no graph`);
  const opset = checkOpsets(model, name);
  if ((graph.sparseInitializer?.length ?? 0) > 0) {
    throw new OnnxModelError(`Unsupported model ${name}: sparse tensors`);
  }
  const nodes = graph.node ?? [];
  if (nodes.length > all.maxNodes) {
    throw new OnnxModelError(`Model ${name} has ${nodes.length} nodes, over ${all.maxNodes}`);
  }

  const values = new Map<string, Value>();
  let weights = 0;
  for (const tensor of graph.initializer ?? []) {
    const value = valueOfTensor(tensor);
    values.set(tensor.name ?? "", value);
    weights += product(value.shape);
  }
  const inputs = (graph.input ?? []).filter((input) => !values.has(input.name ?? ""));
  const dims = dimsOf(inputs[0]);
  const image = dims.slice(1);
  const inputValues = image.reduce<number>((n, d) => n * (typeof d === "number" ? d : Infinity), 1);
  if (
    inputs.length !== 1 || dims.length !== 4 || !image.every((d) => typeof d === "number" && d >= 1) ||
    inputValues > all.maxInputValues || inputs[0]!.type?.tensorType?.elemType !== FLOAT
  ) {
    throw new OnnxModelError(
      `Wrong input in ${name}: expected one float32 input [batch, channels, height, width] of at most ` +
        `${all.maxInputValues.toLocaleString("en-US")} values an image, got [${dims.join(", ")}]`,
    );
  }
  const inputShape = image as [number, number, number];
  values.set(inputs[0]!.name ?? "", { shape: [1, ...inputShape] });
  const outputs = graph.output ?? [];
  const { operations, liveValues } = walkNodes(
    nodes,
    values,
    { input: inputs[0]!.name ?? "", outputs, weights },
    { name, opset, limits: all },
  );
  const result = values.get(outputs[0]?.name ?? "");
  if (outputs.length !== 1 || !result || result.shape.length !== 2 || result.shape[1] !== all.classes) {
    throw new OnnxModelError(
      `Wrong output in ${name}: expected one output [batch, ${all.classes}], got [${
        (result ? ["batch", ...result.shape.slice(1)] : dimsOf(outputs[0])).join(", ")
      }]`,
    );
  }
  return { inputShape, classes: all.classes, operations, liveValues };
}
