/**
 * onnxruntime-web's process-wide settings, in one place. Its WebAssembly runtime starts once per
 * process (or page), with the first model loaded, and takes its settings then: how many threads,
 * and where its `.wasm` comes from. Set them with {@linkcode configureOnnxRuntime} before the
 * first `OnnxClassifier.load`, or take the defaults (one thread: on two cores a single image
 * gains nothing from a second, a batch ~1.3x; the `.wasm` read from the installed package).
 *
 * @module
 */
import * as ort from "npm:onnxruntime-web@1.30.0";
import { checkThreads, ConfigError } from "../config.ts";

/** onnxruntime-web's process-wide settings. */
export interface OnnxRuntimeSettings {
  /**
   * Threads of its WebAssembly backend, from 1 to the machine's core count.
   * @default 1
   */
  threads?: number;
  /**
   * The bytes of `ort-wasm-simd-threaded.wasm`, for a program that imports them itself (with no
   * read permission); by default the runtime reads the file from the installed package.
   */
  wasmBinary?: Uint8Array;
}

let started = false;

/**
 * Sets onnxruntime-web's process-wide settings; only before the first model loads.
 *
 * @param settings The settings; those left out keep their defaults.
 * @throws {ConfigError} When a model has loaded already, or `threads` is out of range.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfigError } from "../config.ts";
 * import { OnnxClassifier } from "./classifier.ts";
 * import { configureOnnxRuntime } from "./runtime.ts";
 * configureOnnxRuntime({ threads: 1 });
 * const classifier = await OnnxClassifier.load();
 * assert.throws(() => configureOnnxRuntime({ threads: 2 }), ConfigError); // the runtime runs
 * await classifier.release();
 * ```
 */
export function configureOnnxRuntime(settings: OnnxRuntimeSettings): void {
  if (started) {
    throw new ConfigError("onnxruntime-web is running: set its threads before the first model loads");
  }
  const cores = Math.max(1, navigator.hardwareConcurrency);
  if (settings.threads !== undefined) ort.env.wasm.numThreads = checkThreads(settings.threads, cores);
  if (settings.wasmBinary !== undefined) ort.env.wasm.wasmBinary = settings.wasmBinary;
}

/**
 * Marks the runtime as started (what `OnnxClassifier.load` calls before it creates a session),
 * with the defaults for whatever was not set.
 */
export function startOnnxRuntime(): void {
  if (started) return;
  ort.env.wasm.numThreads ??= 1;
  started = true;
}

/**
 * The threads onnxruntime-web runs (or will run) with.
 *
 * @returns The thread count.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { onnxThreads } from "./runtime.ts";
 * assert.ok(onnxThreads() >= 1);
 * ```
 */
export function onnxThreads(): number {
  return ort.env.wasm.numThreads ?? 1;
}
