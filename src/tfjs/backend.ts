/**
 * Choosing and checking the compute backend. Training and tfjs inference run on tfjs's
 * WebAssembly backend with SIMD. Nothing starts on import: the first call that needs tfjs
 * (`LeNet.create`, `LeNet.load`, `train`, ...) awaits {@linkcode ensureBackend}, which starts
 * wasm once; {@linkcode initBackend} picks a backend explicitly (`cpu` is the tests' reference).
 *
 * @module
 */
import { LenetError } from "../errors.ts";
import * as tf from "../npm/tfjs.ts";
import { registerWasmTrainingKernels } from "./kernels.ts";
import { loadSimdKernels, type SimdKernels } from "./simd.ts";

let simdKernels: Promise<SimdKernels> | undefined;
let started: Promise<BackendInfo> | undefined;

/** Backends the module can run on: `wasm` for real work, `cpu` as the reference in tests. */
export type BackendName = "wasm" | "cpu";

/** Raised when the requested backend cannot be had as asked (for example wasm without SIMD). */
export class BackendError extends LenetError {}

/** What {@linkcode initBackend} set up. */
export interface BackendInfo {
  /** The active tfjs backend. */
  name: BackendName;
  /** Whether WebAssembly SIMD is in use (always true for `wasm`). */
  simd: boolean;
  /** Whether the wasm backend runs multithreaded (false in Deno: no classic workers). */
  threads: boolean;
}

// Importing a tfjs backend registers it (tfjs's own side effect), so each is imported only when
// asked for.
async function registerBackend(name: BackendName): Promise<void> {
  if (name === "wasm") {
    await tf.importWasmBackend();
    registerWasmTrainingKernels(await (simdKernels ??= loadSimdKernels()));
  } else {
    await tf.importCpuBackend();
  }
}

/**
 * Activates a tfjs backend: by default `wasm`, with the training kernels it lacks registered and
 * SIMD asserted. Never falls back silently: if the backend cannot start, this throws. Calling it
 * is optional: everything that needs a backend starts `wasm` by itself.
 *
 * @param name The backend to activate.
 * @returns What is running.
 * @throws {BackendError} When the backend fails to start or wasm runs without SIMD.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initBackend } from "./backend.ts";
 * const info = await initBackend();
 * assert.deepEqual([info.name, info.simd], ["wasm", true]);
 * ```
 */
export async function initBackend(name: BackendName = "wasm"): Promise<BackendInfo> {
  await registerBackend(name);
  const ok = await tf.setBackend(name);
  await tf.ready();
  if (!ok || tf.getBackend() !== name) {
    throw new BackendError(`Could not start the tfjs "${name}" backend (active: ${tf.getBackend()})`);
  }
  const simd = name === "wasm" && tf.env().getBool("WASM_HAS_SIMD_SUPPORT");
  if (name === "wasm" && !simd) {
    throw new BackendError("The tfjs wasm backend runs without SIMD: refusing to train slowly");
  }
  const threads = name === "wasm" && tf.env().getBool("WASM_HAS_MULTITHREAD_SUPPORT");
  const info: BackendInfo = { name, simd, threads };
  started = Promise.resolve(info);
  return info;
}

/**
 * Makes sure a backend is running: the one {@linkcode initBackend} chose, else `wasm`, started
 * once however many calls wait for it.
 *
 * @returns What is running.
 * @throws {BackendError} As {@linkcode initBackend}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ensureBackend } from "./backend.ts";
 * const [a, b] = await Promise.all([ensureBackend(), ensureBackend()]);
 * assert.equal(a, b);
 * ```
 */
export function ensureBackend(): Promise<BackendInfo> {
  return started ??= initBackend("wasm").catch((error) => {
    started = undefined;
    throw error;
  });
}
