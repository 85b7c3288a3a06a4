// The ONNX export against tfjs, the ONNX reference checker and a second runtime.
import { fileURLToPath } from "node:url";
import * as tf from "../../src/npm/tfjs.ts";
import * as ortNode from "npm:onnxruntime-node@1.30.0";
import { assert, assertAllClose, assertEquals } from "../_assert.ts";
import { leakFree } from "../_helpers.ts";
import { missing, PYTHON } from "../_tools.ts";
import { initBackend } from "../../src/tfjs/backend.ts";
import { ACTIVATIONS } from "../../src/config.ts";
import { loadMnist } from "../../src/data/dataset.ts";
import { OnnxClassifier } from "../../src/onnx/classifier.ts";
import { LeNet } from "../../src/model/lenet.ts";
import { exportOnnx } from "../../src/onnx/export.ts";
import { readShippedModels, shippedMetadata } from "../../src/cli/shipped_models.ts";
import { normalizePixels } from "../../src/data/batch.ts";

await initBackend("wasm");
const SHIPPED = fileURLToPath(new URL("../../models/lenet-tutorial/", import.meta.url));
const { test } = await loadMnist();
const testPixels = normalizePixels(test.images);

function tfjsProbabilities(lenet: LeNet, pixels: Float32Array, count: number): Float32Array {
  const out = new Float32Array(count * 10);
  for (let start = 0; start < count; start += 1000) {
    const n = Math.min(1000, count - start);
    const probs = tf.tidy(() =>
      lenet.predict(tf.tensor4d(pixels.subarray(start * 784, (start + n) * 784), [n, 28, 28, 1])).dataSync()
    );
    out.set(probs, start * 10);
  }
  return out;
}

async function ortWebProbabilities(
  bytes: Uint8Array,
  pixels: Float32Array,
  count: number,
): Promise<Float32Array> {
  const classifier = await OnnxClassifier.load(bytes);
  const out = new Float32Array(count * 10);
  for (let start = 0; start < count; start += 1000) {
    const n = Math.min(1000, count - start);
    out.set(await classifier.probabilities(pixels.slice(start * 784, (start + n) * 784), n), start * 10);
  }
  await classifier.release();
  return out;
}

function argmaxes(probs: Float32Array): number[] {
  return Array.from({ length: probs.length / 10 }, (_, i) => {
    const row = probs.subarray(i * 10, i * 10 + 10);
    return row.indexOf(Math.max(...row));
  });
}

for (const activation of ACTIVATIONS) {
  Deno.test(`exportOnnx() of a ${activation} LeNet runs on onnxruntime-web like tfjs`, () =>
    leakFree(async () => {
      const lenet = await LeNet.create({
        activation,
        conv1Filters: 5,
        conv2Filters: 7,
        fc1Units: 33,
        fc2Units: 21,
      }, {
        seed: 3,
      });
      const expected = tfjsProbabilities(lenet, testPixels, 200);
      const actual = await ortWebProbabilities(exportOnnx(lenet.toWeights()), testPixels, 200);
      assertAllClose(actual, expected, 1e-5);
      lenet.dispose();
    }));
}

Deno.test("exportOnnx() of the shipped model: onnxruntime-web equals tfjs within 1e-5 on all 10,000 test images", () =>
  leakFree(async () => {
    const lenet = await LeNet.load(SHIPPED);
    const { "lenet-tutorial": record } = await readShippedModels();
    const bytes = exportOnnx(lenet.toWeights(), { metadata: shippedMetadata(record!) });
    assertEquals(bytes, await Deno.readFile(`${SHIPPED}/model.onnx`)); // the shipped .onnx is this export
    const expected = tfjsProbabilities(lenet, testPixels, test.count);
    const actual = await ortWebProbabilities(bytes, testPixels, test.count);
    assertAllClose(actual, expected, 1e-5);
    assertEquals(argmaxes(actual), argmaxes(expected));
    const correct = argmaxes(actual).filter((d, i) => d === test.labels[i]).length;
    assert(correct / test.count > 0.98, `shipped model accuracy ${correct / test.count}`);
    lenet.dispose();
  }));

Deno.test({
  name: "exportOnnx() passes onnx.checker.check_model(full_check=True) of python3-onnx",
  ignore: missing("python3-onnx"),
  fn: async () => {
    const lenet = await LeNet.create({ activation: "elu", fc2Units: 40 });
    const path = await Deno.makeTempFile({ suffix: ".onnx" });
    await Deno.writeFile(path, exportOnnx(lenet.toWeights()));
    const script =
      "import onnx,sys; m=onnx.load(sys.argv[1]); onnx.checker.check_model(m, full_check=True); " +
      "print(m.opset_import[0].version, [d.dim_param or d.dim_value for d in m.graph.input[0].type.tensor_type.shape.dim])";
    const { code, stdout, stderr } = await new Deno.Command(PYTHON, {
      args: ["-c", script, path],
    })
      .output();
    assertEquals(code, 0, new TextDecoder().decode(stderr));
    assertEquals(new TextDecoder().decode(stdout).trim(), "13 ['batch', 1, 28, 28]");
    lenet.dispose();
  },
});

Deno.test("exportOnnx() output runs on onnxruntime-node with the same outputs as onnxruntime-web", () =>
  leakFree(async () => {
    const bytes = await Deno.readFile(`${SHIPPED}/model.onnx`);
    const count = 1000;
    const web = await ortWebProbabilities(bytes, testPixels, count);
    const session = await ortNode.InferenceSession.create(bytes);
    const input = new ortNode.Tensor("float32", testPixels.slice(0, count * 784), [count, 1, 28, 28]);
    const native = (await session.run({ image: input })).probabilities!.data as Float32Array;
    assertAllClose(native, web, 1e-5);
    await session.release();
  }));

Deno.test("single images classified at once each get their own answer (the reused input is not shared)", async () => {
  const { test } = await loadMnist();
  const classifier = await OnnxClassifier.load(
    new URL("../../models/lenet-best/model.onnx", import.meta.url),
  );
  try {
    const images = Array.from(
      { length: 64 },
      (_, i) => normalizePixels(test.images.subarray(i * 784, (i + 1) * 784)),
    );
    const one = async (pixels: Float32Array) => [...await classifier.probabilities(pixels, 1)];
    const sequential: number[][] = [];
    for (const pixels of images) sequential.push(await one(pixels));
    assertEquals(await Promise.all(images.map(one)), sequential);
    assert(
      new Set(sequential.map((p) => p.indexOf(Math.max(...p)))).size > 5,
      "the images are of many digits",
    );
  } finally {
    await classifier.release();
  }
});
