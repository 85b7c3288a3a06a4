// Ship a trained run as a model of the repository: copies its tfjs files, writes its ONNX with how
// it was trained and how many MNIST test images it classifies right (counted here, on the ONNX
// model with onnxruntime-web), and records it in models/models.json, which predict reads to pick
// the most accurate shipped model. The record names the command, the commit and the SHA-256 of the
// weights, so that anyone can remake the model bit for bit: the run must come from the plain
// WebAssembly build (`--simd plain`: the same bits on every CPU), from a clean checkout, and the
// command must make those weights; a short version of the command (one epoch on 2,000 images) is run
// here and its hash recorded too, which tests/onnx/shipped_models_test.ts checks at every commit.
//   deno run --allow-read --allow-write=models,. --allow-run=git,deno tools/ship_model.ts runs/best lenet-best "deno task train --recipe best --simd plain --threads 2 --seed 1"
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
import { checkGraph } from "../src/onnx/graph_check.ts";
import { pinsBits, remakeWeights, shortCommand, trainFlagsOf } from "../testing/remake.ts";

async function main(): Promise<number> {
  const { positionals, help } = parseFlags({}, Deno.args);
  if (help) return (console.log(helpText("tools/ship_model.ts <run dir> <name> <command>", {})), 0);
  if (positionals.length !== 3) {
    throw new UsageError("Expected a run directory, a model name and the command that trained it");
  }
  const [runDir, name, command] = positionals as [string, string, string];
  const lenet = await LeNet.load(runDir);
  const { train } = await readRunHistory(runDir);
  if (train.simd !== "plain") {
    throw new UsageError(
      `${runDir} was trained with --simd ${train.simd}: ship a --simd plain run (the same bits on every CPU)`,
    );
  }
  const commit = await cleanCommit();
  const weightsSha256 = await sha256Hex(await Deno.readFile(join(runDir, RUN_FILES.weights)));
  const flags = trainFlagsOf(command);
  if (!pinsBits(flags)) {
    throw new UsageError(
      `Name the build and the threads in the command (--simd plain --threads N): ${command}`,
    );
  }
  console.log(`remaking ${runDir} with: ${command} (a whole run, to check the command makes these weights)`);
  if (await remakeWeights(flags) !== weightsSha256) {
    throw new UsageError(
      `${command} does not remake the weights of ${runDir}: ship the run the command makes`,
    );
  }
  const shortRun = shortCommand(command);
  const short = { command: shortRun, weightsSha256: await remakeWeights(trainFlagsOf(shortRun)) };

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
  const entry: ShippedModel = {
    command,
    recipe: train,
    testCorrect: correct,
    testImages: test.count,
    commit,
    weightsSha256,
    short,
  };
  const dir = join(MODELS_DIR, name);
  await Deno.mkdir(dir, { recursive: true });
  await lenet.save(dir);
  const onnx = exportOnnx(lenet.toWeights(), { metadata: shippedMetadata(entry) });
  await writeFileAtomic(join(dir, RUN_FILES.onnx), onnx);
  const models = await readShippedModels();
  // trusted to run without a worker, and without parsing its graph again
  const record = {
    ...entry,
    onnxSha256: await sha256Hex(onnx),
    liveValues: checkGraph(onnx, dir).liveValues,
  };
  await writeJsonAtomic(join(MODELS_DIR, "models.json"), { ...models, [name]: record });
  console.log(
    `shipped ${dir}: ${correct}/${test.count} MNIST test images right (${
      (100 * correct / test.count).toFixed(2)
    }%)`,
  );
  lenet.dispose();
  return 0;
}

// The commit HEAD names, when the checkout holds no change it does not (models/ and runs/ aside):
// the commit that remakes the model.
async function cleanCommit(): Promise<string> {
  const git = async (...args: string[]) => {
    const { code, stdout } = await new Deno.Command("git", { args, stderr: "null" }).output();
    if (code !== 0) throw new UsageError(`git ${args.join(" ")} failed: ship from a git checkout`);
    return new TextDecoder().decode(stdout).trim();
  };
  const changed = (await git("status", "--porcelain", "--", ".", ":!models", ":!runs")).split("\n").filter(
    Boolean,
  );
  if (changed.length > 0) throw new UsageError(`Commit your changes first (${changed[0]!.trim()}, ...)`);
  return await git("rev-parse", "--short=12", "HEAD");
}

await runMain(main);
