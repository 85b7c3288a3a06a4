/**
 * Training kernels that tfjs 4.22's wasm backend lacks or gets wrong, registered on it:
 * - `Conv2DBackpropFilter` is missing (tensorflow/tfjs#8474): without it no convolution learns.
 * - `MaxPoolGrad` drops the gradient of every window whose maximum is negative (its running
 *   maximum starts at 0, not -∞), which silently breaks training with tanh or elu before a pool.
 *
 * The kernel reads its inputs straight from the wasm heap and writes its output there, so no
 * tensor is copied in or out of WebAssembly memory.
 *
 * @module
 */
import * as tf from "../npm/tfjs.ts";
import type { SimdKernels } from "./simd.ts";
import type { Conv2DInfo } from "../tfjs_types.ts";

/** Our C/WebAssembly SIMD kernels once loaded; until then the JavaScript ones below serve. */
let simd: SimdKernels | undefined;

/** The subset of the wasm backend's interface our kernels use. */
interface WasmHeap {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
}

/** The attributes tfjs passes to `Conv2DBackpropFilter`. */
interface BackpropFilterAttrs {
  strides: [number, number] | number;
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  dataFormat: "NHWC" | "NCHW";
  dimRoundingMode?: "floor" | "round" | "ceil";
  filterShape: [number, number, number, number];
}

/**
 * Gradient of a 2-D convolution with respect to its filter, for NHWC tensors:
 * `dW[kh, kw, ci, co] = Σ x[b, oh·sh + kh − pt, ow·sw + kw − pl, ci] · dy[b, oh, ow, co]`.
 * Loops run pixel by pixel so each step is an outer product of an input pixel's channels
 * with the output pixel's gradient; zero inputs (most of an MNIST digit) are skipped.
 *
 * @param x Input activations, `[batch, inH, inW, inC]`, row-major.
 * @param dy Gradient of the output, `[batch, outH, outW, outC]`.
 * @param info Convolution geometry from `backend_util.computeConv2DInfo`.
 * @param dw Where to write the filter gradient, `[kH, kW, inC, outC]`; overwritten.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "../npm/tfjs.ts";
 * import { conv2dBackpropFilterNHWC } from "./kernels.ts";
 * const info = tf.backend_util.computeConv2DInfo([1, 2, 2, 1], [1, 1, 1, 1], 1, 1, "valid");
 * const dw = new Float32Array(1);
 * conv2dBackpropFilterNHWC(new Float32Array([1, 2, 3, 4]), new Float32Array([1, 1, 1, 1]), info, dw);
 * assert.equal(dw[0], 10);
 * ```
 */
export function conv2dBackpropFilterNHWC(
  x: Float32Array,
  dy: Float32Array,
  info: Conv2DInfo,
  dw: Float32Array,
): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const padTop = info.padInfo.top, padLeft = info.padInfo.left;
  dw.fill(0);
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        const dyOff = ((b * outHeight + oh) * outWidth + ow) * outChannels;
        for (let kh = 0; kh < filterHeight; kh++) {
          const ih = oh * strideHeight - padTop + kh * dilationHeight;
          if (ih < 0 || ih >= inHeight) continue;
          for (let kw = 0; kw < filterWidth; kw++) {
            const iw = ow * strideWidth - padLeft + kw * dilationWidth;
            if (iw < 0 || iw >= inWidth) continue;
            const xOff = ((b * inHeight + ih) * inWidth + iw) * inChannels;
            const wOff = (kh * filterWidth + kw) * inChannels * outChannels;
            for (let ci = 0; ci < inChannels; ci++) {
              const xv = x[xOff + ci]!;
              if (xv === 0) continue;
              const row = wOff + ci * outChannels;
              for (let co = 0; co < outChannels; co++) dw[row + co]! += xv * dy[dyOff + co]!;
            }
          }
        }
      }
    }
  }
}

/** The attributes tfjs passes to `MaxPoolGrad`. */
interface MaxPoolGradAttrs {
  filterSize: [number, number] | number;
  strides: [number, number] | number;
  pad: "valid" | "same" | number;
  dimRoundingMode?: "floor" | "round" | "ceil";
}

/**
 * Gradient of 2-D max pooling for NHWC tensors: each output gradient goes to the first position
 * holding its window's maximum, padding excluded, as tfjs's `cpu` backend does.
 *
 * @param x The pooling's input, `[batch, inH, inW, channels]`.
 * @param dy Gradient of the pooling's output, `[batch, outH, outW, channels]`.
 * @param info Pooling geometry from `backend_util.computePool2DInfo`.
 * @param dx Where to write the input gradient, shaped like `x`; overwritten.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "../npm/tfjs.ts";
 * import { maxPoolGradNHWC } from "./kernels.ts";
 * const info = tf.backend_util.computePool2DInfo([1, 2, 2, 1], 2, 2, 1, "valid");
 * const dx = new Float32Array(4);
 * maxPoolGradNHWC(new Float32Array([-3, -1, -2, -4]), new Float32Array([5]), info, dx);
 * assert.deepEqual(dx, Float32Array.of(0, 5, 0, 0)); // the window's max is negative: tfjs-wasm loses it
 * ```
 */
export function maxPoolGradNHWC(
  x: Float32Array,
  dy: Float32Array,
  info: Conv2DInfo,
  dx: Float32Array,
): void {
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const padTop = info.padInfo.top, padLeft = info.padInfo.left;
  dx.fill(0);
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      const h0 = oh * strideHeight - padTop;
      for (let ow = 0; ow < outWidth; ow++) {
        const w0 = ow * strideWidth - padLeft;
        const dyOff = ((b * outHeight + oh) * outWidth + ow) * channels;
        for (let c = 0; c < channels; c++) {
          let best = -Infinity, bestAt = -1;
          for (let kh = 0; kh < filterHeight; kh++) {
            const ih = h0 + kh;
            if (ih < 0 || ih >= inHeight) continue;
            for (let kw = 0; kw < filterWidth; kw++) {
              const iw = w0 + kw;
              if (iw < 0 || iw >= inWidth) continue;
              const at = ((b * inHeight + ih) * inWidth + iw) * channels + c;
              if (x[at]! > best || bestAt < 0) {
                best = x[at]!;
                bestAt = at;
              }
            }
          }
          if (bestAt >= 0) dx[bestAt]! += dy[dyOff + c]!;
        }
      }
    }
  }
}

/** Allocates a float32 output on the wasm heap and runs `compute` on views of a, b and it. */
function computeOnHeap(
  backend: WasmHeap,
  outShape: number[],
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  info: Conv2DInfo,
  compute: (a: Float32Array, b: Float32Array, info: Conv2DInfo, out: Float32Array) => void,
): tf.TensorInfo {
  // makeOutput may grow the heap, which detaches earlier views: take the views after it.
  const out = backend.makeOutput(outShape, "float32");
  compute(
    backend.typedArrayFromHeap(a),
    backend.typedArrayFromHeap(b),
    info,
    backend.typedArrayFromHeap(out),
  );
  return out;
}

/** A 4-D shape as the tuple tfjs's geometry functions take, checked. */
function rank4(shape: readonly number[], what: string): [number, number, number, number] {
  const [n, h, w, c] = shape;
  if (shape.length !== 4 || n === undefined || h === undefined || w === undefined || c === undefined) {
    throw new Error(`${what}: expected a 4-D NHWC shape, got [${shape}]`);
  }
  return [n, h, w, c];
}

/** The last two dimensions of a matrix operand's shape (rows, columns), checked. */
function matrixOf(shape: readonly number[], what: string): [number, number] {
  const [rows, cols] = shape.slice(-2);
  if (rows === undefined || cols === undefined) throw new Error(`${what}: expected a matrix, got [${shape}]`);
  return [rows, cols];
}

function isWasmHeap(backend: object): backend is WasmHeap {
  return "makeOutput" in backend && "typedArrayFromHeap" in backend;
}

/**
 * Adapts a kernel written against its own attributes' type to tfjs's untyped `KernelFunc`: it
 * takes the named inputs in order (each checked present) and the wasm backend's heap (checked).
 * tfjs names each kernel's attributes (its kernel_names.ts); `Attrs` states them, the one thing
 * trusted here.
 */
function kernel<Attrs, const Names extends readonly string[]>(
  name: string,
  inputNames: Names,
  run: (heap: WasmHeap, inputs: { [K in keyof Names]: tf.TensorInfo }, attrs: Attrs) => tf.TensorInfo,
): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    if (!isWasmHeap(backend)) throw new Error(`${name}: registered on a backend that is not wasm`);
    const tensors = inputNames.map((input) => {
      const tensor = inputs[input];
      if (tensor === undefined) throw new Error(`${name}: no input "${input}"`);
      return tensor;
    });
    const given: unknown = attrs ?? {};
    return run(backend, tensors as { [K in keyof Names]: tf.TensorInfo }, given as Attrs);
  };
}

const maxPoolGradWasm = kernel<MaxPoolGradAttrs, ["dy", "input"]>(
  "MaxPoolGrad",
  ["dy", "input"],
  (heap, [dy, input], attrs) => {
    const info = tf.backend_util.computePool2DInfo(
      rank4(input.shape, "MaxPoolGrad"),
      attrs.filterSize,
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
    );
    return computeOnHeap(heap, input.shape, input, dy, info, simd?.maxPoolGrad ?? maxPoolGradNHWC);
  },
);

/** The geometry of the convolution a gradient kernel differentiates (NHWC only). */
function convolutionInfo(
  kernel: string,
  inputShape: number[],
  filterShape: number[],
  attrs: Omit<BackpropFilterAttrs, "filterShape">,
): Conv2DInfo {
  if (attrs.dataFormat === "NCHW") throw new Error(`${kernel} on wasm supports NHWC only, got NCHW`);
  return tf.backend_util.computeConv2DInfo(
    rank4(inputShape, kernel),
    rank4(filterShape, kernel),
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
}

const conv2DBackpropFilterWasm = kernel<BackpropFilterAttrs, ["x", "dy"]>(
  "Conv2DBackpropFilter",
  ["x", "dy"],
  (heap, [x, dy], attrs) => {
    const info = convolutionInfo("Conv2DBackpropFilter", x.shape, attrs.filterShape, attrs);
    const compute = simd?.conv2dBackpropFilter ?? conv2dBackpropFilterNHWC;
    return computeOnHeap(heap, attrs.filterShape, x, dy, info, compute);
  },
);

/** The attributes tfjs passes to `Conv2DBackpropInput`. */
interface BackpropInputAttrs extends Omit<BackpropFilterAttrs, "filterShape"> {
  inputShape: [number, number, number, number];
}

const conv2DBackpropInputWasm = kernel<BackpropInputAttrs, ["dy", "filter"]>(
  "Conv2DBackpropInput",
  ["dy", "filter"],
  (heap, [dy, filter], attrs) => {
    const info = convolutionInfo("Conv2DBackpropInput", attrs.inputShape, filter.shape, attrs);
    return computeOnHeap(heap, attrs.inputShape, dy, filter, info, simd!.conv2dBackpropInput);
  },
);

const OURS = new Set<tf.KernelFunc>();
const REPLACED = new Map<string, tf.KernelConfig>(); // tfjs's own kernels that ours replaced

function install(kernelName: string, kernelFunc: tf.KernelFunc, added: string[]): void {
  const existing = tf.getKernel(kernelName, "wasm");
  if (existing && OURS.has(existing.kernelFunc)) return;
  if (existing) {
    REPLACED.set(kernelName, existing);
    tf.unregisterKernel(kernelName, "wasm");
  }
  tf.registerKernel({ kernelName, backendName: "wasm", kernelFunc });
  OURS.add(kernelFunc);
  added.push(kernelName);
}

/**
 * Takes our SIMD kernels out of the `wasm` backend again (tfjs's own `Conv2DBackpropInput` and
 * `BatchMatMul` come back, and `Conv2DBackpropFilter` falls back to plain JavaScript), or puts
 * them back: the baseline `deno task bench` compares against. `MaxPoolGrad` stays ours (tfjs's is
 * wrong).
 *
 * @param kernels Our SIMD kernels to use, or `undefined` for the JavaScript baseline.
 *
 * @example
 * ```ts
 * import { useSimdKernels } from "./kernels.ts";
 * useSimdKernels(undefined); // the wasm backend now trains with the JavaScript filter gradient
 * ```
 */
export function useSimdKernels(kernels: SimdKernels | undefined): void {
  if (kernels) return void registerWasmTrainingKernels(kernels);
  simd = undefined;
  for (const name of ["Conv2DBackpropInput", "BatchMatMul"]) {
    const original = REPLACED.get(name);
    if (!original || !OURS.has(tf.getKernel(name, "wasm")?.kernelFunc!)) continue;
    tf.unregisterKernel(name, "wasm");
    tf.registerKernel(original);
    // tfjs binds a kernel to the module when its backend starts; ours replaced it before that
    const backend = tf.findBackend("wasm");
    if (backend) original.setupFunc?.(backend);
  }
}

/** Product of the leading (batch) dimensions of a matrix operand. */
function batchOf(shape: number[]): number {
  return shape.slice(0, -2).reduce((a, b) => a * b, 1);
}

const batchMatMulWasm = kernel<{ transposeA: boolean; transposeB: boolean }, ["a", "b"]>(
  "BatchMatMul",
  ["a", "b"],
  (heap, [a, b], { transposeA, transposeB }) => {
    const [batchA, batchB] = [batchOf(a.shape), batchOf(b.shape)];
    if (batchA !== batchB && batchA !== 1 && batchB !== 1) {
      throw new Error(`BatchMatMul on wasm: cannot broadcast batch shapes [${a.shape}] and [${b.shape}]`);
    }
    const [rowsA, colsA] = matrixOf(a.shape, "BatchMatMul");
    const [rowsB, colsB] = matrixOf(b.shape, "BatchMatMul");
    const [m, k] = transposeA ? [colsA, rowsA] : [rowsA, colsA];
    const n = transposeB ? rowsB : colsB;
    const lead = (batchA >= batchB ? a : b).shape.slice(0, -2);
    const out = heap.makeOutput([...lead, m, n], "float32");
    simd!.batchMatMul(
      heap.typedArrayFromHeap(a),
      heap.typedArrayFromHeap(b),
      heap.typedArrayFromHeap(out),
      { batchA, batchB, m, k, n, transposeA, transposeB },
    );
    return out;
  },
);

/**
 * Registers on the `wasm` backend the training kernels it lacks or gets wrong. Idempotent. Given
 * our SIMD kernels (`loadSimdKernels`), it also replaces tfjs's slow `Conv2DBackpropInput` and
 * `BatchMatMul` (the dense layers' gradients) and computes `Conv2DBackpropFilter` with them; without, the JavaScript filter gradient serves.
 * `initBackend` always passes them.
 *
 * @param kernels Our WebAssembly SIMD kernels.
 * @returns The names of the kernels this call registered (empty when already done).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { registerWasmTrainingKernels } from "./kernels.ts";
 * registerWasmTrainingKernels();
 * assert.deepEqual(registerWasmTrainingKernels(), []); // registered once
 * ```
 */
export function registerWasmTrainingKernels(kernels?: SimdKernels): string[] {
  if (kernels) simd = kernels;
  const added: string[] = [];
  install("Conv2DBackpropFilter", conv2DBackpropFilterWasm, added);
  install("MaxPoolGrad", maxPoolGradWasm, added);
  if (simd) {
    install("Conv2DBackpropInput", conv2DBackpropInputWasm, added);
    install("BatchMatMul", batchMatMulWasm, added);
  }
  return added;
}
