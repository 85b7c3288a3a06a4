// Inference speed, side by side in one run: onnxruntime-web (1 and 2 threads) against tfjs-wasm
// `predict` and native onnxruntime-node, single image and batches of 256 and 1000.
//   deno task bench   (warm-up happens outside the timed part)
import { IMAGE_PIXELS } from "../../src/config.ts";
import { fileURLToPath } from "node:url";
import * as tf from "../../src/npm/tfjs.ts";
import * as ortNode from "npm:onnxruntime-node@1.30.0";
import { initBackend } from "../../src/tfjs/backend.ts";
import { loadMnist } from "../../src/data/dataset.ts";
import { OnnxClassifier } from "../../src/onnx/classifier.ts";
import { configureOnnxRuntime } from "../../src/onnx/runtime.ts";
import { LeNet } from "../../src/model/lenet.ts";
import { normalizePixels } from "../../src/data/batch.ts";

const MODEL = fileURLToPath(new URL("../../models/lenet-tutorial/", import.meta.url));
await initBackend("wasm");
const { test } = await loadMnist();
const pixels = normalizePixels(test.images.subarray(0, 1000 * IMAGE_PIXELS));
const lenet = await LeNet.load(MODEL);
const onnxBytes = await Deno.readFile(`${MODEL}/model.onnx`);
// onnxruntime-web's thread count is fixed when its wasm starts: one process per setting.
const threads = Number(Deno.env.get("ORT_THREADS") ?? "1");
configureOnnxRuntime({ threads });
const web = await OnnxClassifier.load(onnxBytes);
const native = await ortNode.InferenceSession.create(onnxBytes, { intraOpNumThreads: 1 });

const batch = (n: number) => pixels.subarray(0, n * IMAGE_PIXELS);
const tfjsPredict = (n: number) =>
  tf.tidy(() => lenet.predict(tf.tensor4d(batch(n), [n, 28, 28, 1])).dataSync());
const nodeRun = (n: number) =>
  native.run({ image: new ortNode.Tensor("float32", batch(n).slice(), [n, 1, 28, 28]) });

for (let i = 0; i < 100; i++) { // tfjs-wasm and ort warm up over many calls
  tfjsPredict(256);
  await web.probabilities(batch(256).slice(), 256);
  await nodeRun(256);
}

for (const n of [1, 256, 1000]) {
  const group = n === 1 ? "single image" : `batch ${n}`;
  Deno.bench(`onnxruntime-web ${threads} thread${threads > 1 ? "s" : ""}, ${group}`, { group }, async () => {
    await web.probabilities(batch(n).slice(), n);
  });
  Deno.bench(`tfjs-wasm predict, ${group}`, { group }, () => {
    tfjsPredict(n);
  });
  Deno.bench(`onnxruntime-node (native) 1 thread, ${group}`, { group, baseline: true }, async () => {
    await nodeRun(n);
  });
}
