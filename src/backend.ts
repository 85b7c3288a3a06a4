/**
 * Choosing and checking the compute backend. Training and tfjs inference run on tfjs's
 * WebAssembly backend with SIMD; initialisation is explicit, never a side effect of an import.
 *
 * @module
 */
import * as tf from "npm:@tensorflow/tfjs@4.22.0";
import "npm:@tensorflow/tfjs-backend-wasm@4.22.0";
import { registerWasmTrainingKernels } from "./kernels.ts";
import { loadSimdKernels, type SimdKernels } from "./simd.ts";

let simdKernels: Promise<SimdKernels> | undefined;

/** Backends the module can run on: `wasm` for real work, `cpu` as the reference in tests. */
export type BackendName = "wasm" | "cpu";

/** Raised when the requested backend cannot be had as asked (for example wasm without SIMD). */
export class BackendError extends Error {
  /**
   * Creates the error.
   *
   * @param message What is missing.
   */
  constructor(message: string) {
    super(message);
    this.name = "BackendError";
  }
}

/** What {@linkcode initBackend} set up. */
export interface BackendInfo {
  /** The active tfjs backend. */
  name: BackendName;
  /** Whether WebAssembly SIMD is in use (always true for `wasm`). */
  simd: boolean;
  /** Whether the wasm backend runs multithreaded (false in Deno: no classic workers). */
  threads: boolean;
}

/**
 * Activates a tfjs backend: by default `wasm`, with the training kernels it lacks registered and
 * SIMD asserted. Never falls back silently: if the backend cannot start, this throws.
 *
 * @param name The backend to activate.
 * @returns What is running.
 * @throws {BackendError} When the backend fails to start or wasm runs without SIMD.
 *
 * @example
 * ```ts
 * import { initBackend } from "./backend.ts";
 * const info = await initBackend();
 * console.log(info.name, info.simd); // wasm true
 * ```
 */
export async function initBackend(name: BackendName = "wasm"): Promise<BackendInfo> {
  if (name === "wasm") registerWasmTrainingKernels(await (simdKernels ??= loadSimdKernels()));
  const ok = await tf.setBackend(name);
  await tf.ready();
  if (!ok || tf.getBackend() !== name) {
    throw new BackendError(`Could not start the tfjs "${name}" backend (active: ${tf.getBackend()})`);
  }
  const simd = name === "wasm" && tf.env().getBool("WASM_HAS_SIMD_SUPPORT") as boolean;
  if (name === "wasm" && !simd) {
    throw new BackendError("The tfjs wasm backend runs without SIMD: refusing to train slowly");
  }
  const threads = name === "wasm" && tf.env().getBool("WASM_HAS_MULTITHREAD_SUPPORT") as boolean;
  return { name, simd, threads };
}
