// onnxruntime-web, its version written once: every module that runs ONNX imports it from here.
export * from "npm:onnxruntime-web@1.30.0";

/** Its specifier: the page's bundler keeps it external (the page's import map points it at ort/). */
export const ONNXRUNTIME_WEB = "npm:onnxruntime-web@1.30.0";
