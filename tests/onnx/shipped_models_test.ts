// The shipped models: each classifies exactly as many MNIST test images right as models.json (and
// its ONNX metadata) says, models.json records its graph check's live values, its weights are the
// ones its command makes (the short run remade here, bit for bit), and the library's default model
// is the most accurate of them.
import { assert, assertEquals } from "../_assert.ts";
import { fileURLToPath } from "node:url";
import { chooseModel, MODELS_DIR, readShippedModels } from "../../src/cli/shipped_models.ts";
import { normalizePixels } from "../../src/data/batch.ts";
import { loadMnist } from "../../src/data/dataset.ts";
import { OnnxClassifier, SHIPPED_MODEL } from "../../src/onnx/classifier.ts";
import { ModelProto } from "../../src/onnx/_schema.ts";
import { checkGraph } from "../../src/onnx/graph_check.ts";
import { sha256Hex } from "../../src/onnx/trusted_models.ts";
import { pinsBits, remakeWeights, shortCommand, trainFlagsOf } from "../../testing/remake.ts";

const { test } = await loadMnist();

Deno.test("every shipped model gets exactly the MNIST test count its record and its ONNX metadata state", async () => {
  const models = await readShippedModels();
  for (const [name, record] of Object.entries(models)) {
    const bytes = await Deno.readFile(`${MODELS_DIR}${name}/model.onnx`);
    const meta = ModelProto.toObject(ModelProto.decode(bytes)).metadataProps as {
      key: string;
      value: string;
    }[];
    assertEquals(Number(meta.find((m) => m.key === "testCorrect")?.value), record.testCorrect, name);
    assertEquals(await sha256Hex(bytes), record.onnxSha256, `${name}: models.json's hash is the file's`);
    // what the classifier takes instead of checking a shipped graph again
    assertEquals(record.liveValues, checkGraph(bytes, name).liveValues, `${name}: models.json's live values`);
    const classifier = await OnnxClassifier.load(bytes);
    const answers = await classifier.classify(normalizePixels(test.images));
    await classifier.release();
    assertEquals(answers.filter((a, i) => a.digit === test.labels[i]).length, record.testCorrect, name);
  }
});

Deno.test("the library's default model is the most accurate shipped model, the one predict picks without a local run", async () => {
  const models = Object.entries(await readShippedModels());
  const [best] = models.sort(([, a], [, b]) => b.testCorrect - a.testCorrect)[0]!;
  assertEquals(fileURLToPath(SHIPPED_MODEL), `${MODELS_DIR}${best}/model.onnx`);
  assertEquals((await chooseModel("x.onnx")).why, "given by --model");
});

Deno.test("every shipped model's command remakes it: its weights' hash, and the short run's weights remade here bit for bit", async () => {
  for (const [name, record] of Object.entries(await readShippedModels())) {
    // the same bits on every machine: the plain build, and the threads named
    assert(pinsBits(trainFlagsOf(record.command)), `${name}: names --simd plain and --threads`);
    const weights = await Deno.readFile(`${MODELS_DIR}${name}/weights.bin`);
    assertEquals(await sha256Hex(weights), record.weightsSha256, `${name}: models.json's weights hash`);
    const short = shortCommand(record.command);
    assertEquals(record.short?.command, short, name);
    assertEquals(
      await remakeWeights(trainFlagsOf(short)),
      record.short?.weightsSha256,
      `${name}: short remake`,
    );
  }
});
