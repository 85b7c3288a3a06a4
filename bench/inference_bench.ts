// Inference speed on onnxruntime-web, as OnnxClassifier runs it: one image, batches of 256 and
// 1000, and a drawing from the pad's pixels to its answer (preparation included). Needs no
// permission: onnxruntime-web's WebAssembly and the shipped model come in as imports (deno.json
// enables raw imports). Against native onnxruntime-node, which needs ffi:
// bench/with_permissions/native_inference_bench.ts (deno task bench).
//   deno bench bench/inference_bench.ts
import wasmBinary from "npm:onnxruntime-web@1.30.0/ort-wasm-simd-threaded.wasm" with { type: "bytes" };
import model from "../models/lenet-best/model.onnx" with { type: "bytes" };
import { OnnxClassifier } from "../src/onnx/classifier.ts";
import { configureOnnxRuntime } from "../src/onnx/runtime.ts";
import { digitBatch, PADS } from "./_digits.ts";

configureOnnxRuntime({ threads: 1, wasmBinary });
const classifier = await OnnxClassifier.load(model);
const { floats } = digitBatch(1000);
const batch = (n: number) => floats.subarray(0, n * 784);
for (let i = 0; i < 200; i++) await classifier.probabilities(batch(1), 1); // warm-up
for (let i = 0; i < 20; i++) await classifier.probabilities(batch(256), 256);

for (const n of [1, 256, 1000]) {
  const group = n === 1 ? "single image" : `batch ${n}`;
  Deno.bench(`onnxruntime-web 1 thread, ${group}`, { group }, async () => {
    await classifier.probabilities(batch(n), n);
  });
}
let next = 0;
Deno.bench("a drawing, 280x280 RGBA to its answer (classifyRaster)", { group: "single image" }, async () => {
  await classifier.classifyRaster(PADS[next++ % PADS.length]!);
});
