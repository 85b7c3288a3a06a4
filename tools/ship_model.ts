// Ship a trained run as a model of the repository: copies its tfjs files, writes its ONNX with how
// it was trained and how many MNIST test images it classifies right (counted here, on the ONNX
// model with onnxruntime-web), and records it in models/models.json, which predict reads to pick
// the most accurate shipped model.
//   deno run --allow-read --allow-write=models tools/ship_model.ts runs/best-1 lenet-best "deno task train --recipe best --seed 1"
import { join } from "node:path";
import { writeFileAtomic, writeJsonAtomic } from "../src/_atomic.ts";
import { helpText, parseFlags, runMain, UsageError } from "../src/cli/flags.ts";
import { readRunHistory, RUN_FILES } from "../src/cli/run_dir.ts";
import { normalizePixels } from "../src/data/batch.ts";
import { loadMnist } from "../src/data/dataset.ts";
import { LeNet } from "../src/model/lenet.ts";
import { OnnxClassifier } from "../src/onnx/classifier.ts";
import { exportOnnx } from "../src/onnx/export.ts";
import {
  MODELS_DIR,
  readShippedModels,
  shippedMetadata,
  type ShippedModel,
} from "../src/cli/shipped_models.ts";
import { sha256Hex } from "../src/onnx/trusted_models.ts";

async function main(): Promise<number> {
  const { positionals, help } = parseFlags({}, Deno.args);
  if (help) return (console.log(helpText("tools/ship_model.ts <run dir> <name> <command>", {})), 0);
  if (positionals.length !== 3) {
    throw new UsageError("Expected a run directory, a model name and the command that trained it");
  }
  const [runDir, name, command] = positionals as [string, string, string];
  const lenet = await LeNet.load(runDir);
  const { train } = await readRunHistory(runDir);
  const { test } = await loadMnist();
  const candidate = exportOnnx(lenet.toWeights());
  const classifier = await OnnxClassifier.load(candidate);
  const probs = await classifier.probabilities(normalizePixels(test.images), test.count);
  await classifier.release();
  let correct = 0;
  for (let i = 0; i < test.count; i++) {
    const row = probs.subarray(i * 10, i * 10 + 10);
    if (row.indexOf(Math.max(...row)) === test.labels[i]) correct++;
  }
  const entry: ShippedModel = { command, recipe: train, testCorrect: correct, testImages: test.count };
  const dir = join(MODELS_DIR, name);
  await Deno.mkdir(dir, { recursive: true });
  await lenet.save(dir);
  const onnx = exportOnnx(lenet.toWeights(), { metadata: shippedMetadata(entry) });
  await writeFileAtomic(join(dir, RUN_FILES.onnx), onnx);
  const models = await readShippedModels();
  const record = { ...entry, onnxSha256: await sha256Hex(onnx) }; // trusted to run without a worker
  await writeJsonAtomic(join(MODELS_DIR, "models.json"), { ...models, [name]: record });
  console.log(
    `shipped ${dir}: ${correct}/${test.count} MNIST test images right (${
      (100 * correct / test.count).toFixed(2)
    }%)`,
  );
  lenet.dispose();
  return 0;
}

await runMain(main);
