// TensorFlow.js, written once: the core and the layers API (what the `@tensorflow/tfjs` umbrella
// re-exports, without its webgl backend, converter, data API and core-js, ~210 MB less to download).
// The wasm and cpu backends are imported where they are activated (backend.ts).
export * from "npm:@tensorflow/tfjs-core@4.22.0";
export * from "npm:@tensorflow/tfjs-layers@4.22.0";
