// The digit's preparation runs in WebAssembly (wasm/prepare.c, embedded in _prepare_wasm.ts by
// `deno task build:wasm`): one call from a picture's gray levels, or its 8-bit RGBA, to the 28x28.
// Instantiated on first use, synchronously (the module is ~22 KB, which every runtime compiles on
// its main thread). A wasm memory never shrinks: pictures up to KEPT_PIXELS share one instance,
// each larger one gets an instance of its own, dropped with its memory after the call.
import { IMAGE_PIXELS } from "../config.ts";
import { fromBase64 } from "../_base64.ts";
import { exportsOf } from "../_wasm_exports.ts";
import { PREPARE_WASM_BASE64 } from "./_prepare_wasm.ts";

/** The largest picture whose instance is kept between calls: 512x512, a decoded photo's size. */
const KEPT_PIXELS = 512 * 512;

interface Exports {
  memory: WebAssembly.Memory;
  prepare_reserve(inputBytes: number): number;
  prepare_gray(width: number, height: number): number;
  prepare_rgba(width: number, height: number, maxValue: number): number;
  prepare_gray_of_rgba(width: number, height: number, maxValue: number): number;
  prepare_result(): number;
}
const EXPORTS: Record<keyof Exports, true> = {
  memory: true,
  prepare_reserve: true,
  prepare_gray: true,
  prepare_rgba: true,
  prepare_gray_of_rgba: true,
  prepare_result: true,
};

/** What the preparation found: the digit, or a blank picture and its contrast. */
export type Preparation =
  | { blank: false; pixels: Float32Array; inverted: boolean; box: [number, number, number, number] }
  | { blank: true; contrast: number };

let compiled: WebAssembly.Module | undefined;
let kept: Exports | undefined;

function instance(pixels: number): Exports {
  compiled ??= new WebAssembly.Module(fromBase64(PREPARE_WASM_BASE64));
  const make = () => exportsOf<Exports>(new WebAssembly.Instance(compiled!, {}), EXPORTS, "prepare.wasm");
  if (pixels > KEPT_PIXELS) return make();
  return kept ??= make();
}

// An instance holding the picture's n pixels (4 bytes each: gray floats or RGBA) where the module
// reads them.
function loaded(n: number, input: Float32Array | Uint8Array | Uint8ClampedArray): Exports {
  const wasm = instance(n), at = wasm.prepare_reserve(4 * n);
  new Uint8Array(wasm.memory.buffer, at, 4 * n).set(new Uint8Array(input.buffer, input.byteOffset, 4 * n));
  return wasm;
}

// What a preparation answered (its return value: 1 when the picture is blank). The answer is
// prepare.c's `result`: 784 floats, then the inverted flag and the box (5 int32), then the contrast
// (a double, at the next multiple of 8). Views are taken now: the memory may have grown.
function answer(wasm: Exports, blank: number): Preparation {
  const result = wasm.prepare_result(), memory = wasm.memory.buffer;
  if (blank) {
    return { blank: true, contrast: new Float64Array(memory, result + 4 * IMAGE_PIXELS + 24, 1)[0]! };
  }
  const [inverted, x, y, w, h] = new Int32Array(memory, result + 4 * IMAGE_PIXELS, 5);
  return {
    blank: false,
    pixels: new Float32Array(memory, result, IMAGE_PIXELS).slice(),
    inverted: inverted === 1,
    box: [x!, y!, w!, h!],
  };
}

/**
 * Prepares a gray picture (floats in [0, 1], 0 black, row-major; its first `width * height` read).
 * A picture too large for a WebAssembly memory throws the engine's RangeError or RuntimeError.
 */
export function prepareGray(gray: Float32Array, width: number, height: number): Preparation {
  const wasm = loaded(width * height, gray);
  return answer(wasm, wasm.prepare_gray(width, height));
}

/** Prepares an RGBA picture of 8-bit samples (`maxValue` their largest value, 255 as a rule). */
export function prepareRgba(
  data: Uint8Array | Uint8ClampedArray,
  width: number,
  height: number,
  maxValue: number,
): Preparation {
  const wasm = loaded(width * height, data);
  return answer(wasm, wasm.prepare_rgba(width, height, maxValue));
}

/** Gray levels of 8-bit RGBA samples (out of `maxValue`), alpha laid on white paper, into `gray`. */
export function grayOfRgba(
  data: Uint8Array | Uint8ClampedArray,
  width: number,
  height: number,
  maxValue: number,
  gray: Float32Array,
): void {
  const n = width * height, wasm = loaded(n, data);
  const at = wasm.prepare_gray_of_rgba(width, height, maxValue); // before the view: the memory may grow
  gray.set(new Float32Array(wasm.memory.buffer, at, n));
}
