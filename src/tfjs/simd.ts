/**
 * Our WebAssembly SIMD kernels (`wasm/kernels.c`, built to `wasm/kernels.wasm` and embedded in
 * `src/_wasm_modules.ts` by `deno task build:wasm`). The module owns its memory: each call copies its inputs in, computes,
 * and copies the output straight into the tfjs heap view it is given.
 *
 * @module
 */
import { KERNELS_WASM_BASE64 } from "../_wasm_modules.ts";
import { fromBase64 } from "../_base64.ts";
import type { Conv2DInfo } from "../tfjs_types.ts";
import { exportsOf } from "../_wasm_exports.ts";

/** The kernels the module exports, on views of the caller's arrays. */
export interface SimdKernels {
  /** Filter gradient of a 2-D convolution: `(x, dy, info, dw)`, NHWC and HWIO. */
  conv2dBackpropFilter(x: Float32Array, dy: Float32Array, info: Conv2DInfo, dw: Float32Array): void;
  /** Input gradient of a 2-D convolution: `(dy, filter, info, dx)`, NHWC and HWIO. */
  conv2dBackpropInput(dy: Float32Array, filter: Float32Array, info: Conv2DInfo, dx: Float32Array): void;
  /** Batched matrix product `c = op(a) · op(b)`; a batch of 1 on either side is broadcast. */
  batchMatMul(a: Float32Array, b: Float32Array, c: Float32Array, shape: MatMulShape): void;
  /** Input gradient of max pooling: `(x, dy, info, dx)`, NHWC. */
  maxPoolGrad(x: Float32Array, dy: Float32Array, info: Conv2DInfo, dx: Float32Array): void;
}

/** The shape of a batched matrix product: `[batch, M, K] x [batch, K, N]`, before transposes. */
export interface MatMulShape {
  /** Matrices in `a` (1 broadcasts). */
  batchA: number;
  /** Matrices in `b` (1 broadcasts). */
  batchB: number;
  /** Rows of the product. */
  m: number;
  /** The summed dimension. */
  k: number;
  /** Columns of the product. */
  n: number;
  /** `a` is stored K x M. */
  transposeA: boolean;
  /** `b` is stored N x K. */
  transposeB: boolean;
}

interface Exports {
  memory: WebAssembly.Memory;
  heap_base(): number;
  conv2d_backprop_filter(a: number, b: number, out: number, ...geometryAndScratch: number[]): void;
  conv2d_backprop_input(a: number, b: number, out: number, ...geometryAndScratch: number[]): void;
  conv_scratch_floats(batch: number, h: number, w: number, inC: number, outC: number): number;
  batch_matmul(a: number, b: number, out: number, ...shapeAndScratch: number[]): void;
  max_pool_grad(a: number, b: number, out: number, ...geometry: number[]): void;
}

const EXPORTS: Record<keyof Exports, true> = {
  memory: true,
  heap_base: true,
  conv2d_backprop_filter: true,
  conv2d_backprop_input: true,
  conv_scratch_floats: true,
  batch_matmul: true,
  max_pool_grad: true,
};

// The window's geometry as the C kernels take it: the input and output sizes, the filter, the
// strides and the top-left padding; a convolution adds its output channels and its dilations.
function windowGeometry(info: Conv2DInfo, convolution: boolean): number[] {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth } = info;
  return [
    batchSize,
    inHeight,
    inWidth,
    inChannels,
    outHeight,
    outWidth,
    ...(convolution ? [info.outChannels] : []),
    filterHeight,
    filterWidth,
    info.strideHeight,
    info.strideWidth,
    info.padInfo.top,
    info.padInfo.left,
    ...(convolution ? [info.dilationHeight, info.dilationWidth] : []),
  ];
}

const geometry = (info: Conv2DInfo) => windowGeometry(info, true);

/**
 * Instantiates the SIMD kernels. The module is embedded in the sources (`src/_wasm_modules.ts`,
 * written by `deno task build:wasm`), so this needs no file or network access.
 *
 * @param bytes Another build of `wasm/kernels.c`, if wanted.
 * @returns The kernels.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadSimdKernels } from "./simd.ts";
 * const simd = await loadSimdKernels();
 * assert.equal(typeof simd.conv2dBackpropFilter, "function");
 * ```
 */
export async function loadSimdKernels(bytes?: Uint8Array<ArrayBuffer>): Promise<SimdKernels> {
  const { instance } = await WebAssembly.instantiate(bytes ?? fromBase64(KERNELS_WASM_BASE64), {});
  const wasm = exportsOf<Exports>(instance, EXPORTS, "kernels.wasm");
  const base = wasm.heap_base();

  /**
   * Copies a and b in, runs `kernel` with room for `scratch` floats after its output (its address
   * goes last among the arguments, when asked for), copies `out.length` floats back into `out`.
   */
  const call = (
    kernel: (a: number, b: number, out: number, ...args: number[]) => void,
    a: Float32Array,
    b: Float32Array,
    args: number[],
    out: Float32Array,
    scratch?: number,
  ) => {
    const aAt = (base + 15) & ~15,
      bAt = aAt + ((a.byteLength + 64 + 15) & ~15), // 64 bytes of slack after each: the blocked
      outAt = bAt + ((b.byteLength + 64 + 15) & ~15), // product reads a little past a row
      scratchAt = outAt + ((out.byteLength + 64 + 15) & ~15);
    const end = scratchAt + 4 * (scratch ?? 0) + 64;
    const missing = end - wasm.memory.buffer.byteLength;
    if (missing > 0) wasm.memory.grow(Math.ceil(missing / 65536));
    const heap = new Float32Array(wasm.memory.buffer);
    heap.set(a, aAt / 4);
    heap.set(b, bAt / 4);
    kernel(aAt, bAt, outAt, ...args, ...(scratch === undefined ? [] : [scratchAt]));
    out.set(heap.subarray(outAt / 4, outAt / 4 + out.length));
  };
  const convScratch = (info: Conv2DInfo) =>
    wasm.conv_scratch_floats(info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.outChannels);
  return {
    conv2dBackpropFilter: (x, dy, info, dw) =>
      call(wasm.conv2d_backprop_filter, x, dy, geometry(info), dw, convScratch(info)),
    conv2dBackpropInput: (dy, filter, info, dx) =>
      call(wasm.conv2d_backprop_input, dy, filter, geometry(info), dx, convScratch(info)),
    batchMatMul: (a, b, c, { batchA, batchB, m, k, n, transposeA, transposeB }) =>
      call(wasm.batch_matmul, a, b, [batchA, batchB, m, k, n, +transposeA, +transposeB], c, k * n),
    maxPoolGrad: (x, dy, info, dx) => call(wasm.max_pool_grad, x, dy, windowGeometry(info, false), dx),
  };
}
