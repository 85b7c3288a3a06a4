/**
 * onnxruntime-web's process-wide settings, in one place. Its WebAssembly runtime starts once per
 * process (or page), with the first model loaded, and takes its settings then: how many threads,
 * and where its `.wasm` comes from. Set them with {@linkcode configureOnnxRuntime} before the
 * first `OnnxClassifier.load`, or take the defaults (one thread: on two cores a single image
 * gains nothing from a second, a batch ~1.3x; the `.wasm` read from the installed package).
 *
 * @module
 */
import * as ort from "../npm/onnxruntime_web.ts";
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
let warming: Promise<void> | undefined;

// The smallest model there is (one Identity node, opset 13, 75 bytes, made with python3-onnx's
// helper and checked by its checker): a session of it starts the runtime, with nothing to load.
const IDENTITY_MODEL =
  "CAgSBWxlbmV0OjoKEAoBeBIBeSIISWRlbnRpdHkSBHdhcm1aDwoBeBIKCggIARIECgIIAWIPCgF5EgoKCAgBEgQKAggBQgQKABAN";

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
 * Starts the runtime, with the defaults for whatever was not set: its `.wasm` is read, compiled
 * (on V8's background threads) and initialised by a session of a one-node model, while the caller
 * goes on (reading and checking its own model, decoding a picture). `OnnxClassifier.load` calls it
 * first thing; a program that knows it will classify can call it sooner, to overlap more.
 *
 * @returns When the runtime is ready; it never rejects (a runtime that cannot start says so when
 *   the first real session is created).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startOnnxRuntime } from "./runtime.ts";
 * const first = startOnnxRuntime();
 * assert.equal(startOnnxRuntime(), first); // started once
 * await first;
 * ```
 */
export function startOnnxRuntime(): Promise<void> {
  if (!started) ort.env.wasm.numThreads ??= 1;
  started = true;
  return warming ??= ort.InferenceSession.create(
    Uint8Array.from(atob(IDENTITY_MODEL), (c) => c.charCodeAt(0)),
  )
    .then((session) => session.release(), () => {});
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
