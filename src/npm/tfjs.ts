// TensorFlow.js, written once: the core and the layers API (what the `@tensorflow/tfjs` umbrella
// re-exports, without its webgl backend, converter, data API and core-js, ~210 MB less to download),
// and its two backends, which register themselves when imported, so they are imported only when
// tfjs/backend.ts activates one.
export * from "npm:@tensorflow/tfjs-core@4.22.0";
export * from "npm:@tensorflow/tfjs-layers@4.22.0";

/** Imports (and so registers) tfjs's WebAssembly backend. */
export const importWasmBackend = (): Promise<unknown> => import("npm:@tensorflow/tfjs-backend-wasm@4.22.0");
/** Imports (and so registers) tfjs's plain JavaScript backend, the tests' reference. */
export const importCpuBackend = (): Promise<unknown> => import("npm:@tensorflow/tfjs-backend-cpu@4.22.0");
