// Train LeNet on MNIST on the tfjs WebAssembly SIMD backend:
//   deno task train [--epochs N] [--activation relu] [--out runs/latest] [--resume] ...
// Writes model.json + weights.bin, model.onnx, history.json, metrics.json, checkpoint.json, the figures
// (history.png/.svg, filters, feature maps, confusion matrix, mistakes) and report.html to --out.
import { join } from "node:path";
import { initBackend } from "../src/engines/tfjs/backend.ts";
import { CHECKPOINT_FILE, loadCheckpoint, type TrainState } from "../src/train/checkpoint.ts";
import { type FlagSpec, helpText, parseFlags, runMain, UsageError } from "../src/cli/flags.ts";
import {
  ACTIVATIONS,
  DEFAULT_LENET,
  DEFAULT_TRAIN,
  type LeNetConfig,
  type TrainConfig,
} from "../src/config.ts";
import { loadMnist } from "../src/data/dataset.ts";
import { writeFileAtomic, writeJsonAtomic } from "../src/_atomic.ts";
import { confusionMatrix, confusionText } from "../src/figures/analysis.ts";
import { writeReport } from "../src/figures/report.ts";
import { LeNet } from "../src/model/lenet.ts";
import { exportOnnx } from "../src/onnx/export.ts";
import { formatDuration, progressReporter } from "../src/cli/progress.ts";
import { evaluate } from "../src/train/evaluate.ts";
import { train } from "../src/train/train.ts";
import { takeRange } from "../src/data/labeled_images.ts";

const FLAGS: Record<string, FlagSpec> = {
  epochs: { type: "number", description: "passes over the training set", default: DEFAULT_TRAIN.epochs },
  "batch-size": { type: "number", description: "images per step", default: DEFAULT_TRAIN.batchSize },
  "learning-rate": {
    type: "number",
    description: "Adam's peak learning rate",
    default: DEFAULT_TRAIN.learningRate,
  },
  schedule: { type: "string", description: "constant | cosine | one-cycle", default: DEFAULT_TRAIN.schedule },
  engine: {
    type: "string",
    description: "fused (whole step in one wasm call) | tfjs (tfjs wasm backend + our kernels, ~10x slower)",
    default: DEFAULT_TRAIN.engine,
  },
  threads: {
    type: "number",
    description: "threads of the fused engine: 1 | 2",
    default: DEFAULT_TRAIN.threads,
  },
  activation: { type: "string", description: ACTIVATIONS.join(" | "), default: DEFAULT_LENET.activation },
  "conv1-filters": { type: "number", description: "filters of conv 1", default: DEFAULT_LENET.conv1Filters },
  "conv2-filters": { type: "number", description: "filters of conv 2", default: DEFAULT_LENET.conv2Filters },
  "fc1-units": { type: "number", description: "units of dense 1", default: DEFAULT_LENET.fc1Units },
  "fc2-units": { type: "number", description: "units of dense 2", default: DEFAULT_LENET.fc2Units },
  "validation-split": {
    type: "number",
    description: "share of training images held out for validation; 0 validates on the test set",
    default: DEFAULT_TRAIN.validationSplit,
  },
  seed: { type: "number", description: "seed of initialisation and shuffling", default: DEFAULT_TRAIN.seed },
  "train-size": { type: "number", description: "train on the first N images only (quick runs)" },
  out: { type: "string", description: "output directory", default: "runs/latest", placeholder: "DIR" },
  resume: { type: "boolean", description: `continue the run in --out from its ${CHECKPOINT_FILE}` },
  "train-images": { type: "string", description: "IDX training images (.gz ok)", placeholder: "FILE" },
  "train-labels": { type: "string", description: "IDX training labels", placeholder: "FILE" },
  "test-images": { type: "string", description: "IDX test images", placeholder: "FILE" },
  "test-labels": { type: "string", description: "IDX test labels", placeholder: "FILE" },
};

function configsFromFlags(
  flags: Record<string, unknown>,
): { model: Partial<LeNetConfig>; recipe: Partial<TrainConfig> } {
  return {
    model: {
      activation: flags.activation as LeNetConfig["activation"],
      conv1Filters: flags["conv1-filters"] as number,
      conv2Filters: flags["conv2-filters"] as number,
      fc1Units: flags["fc1-units"] as number,
      fc2Units: flags["fc2-units"] as number,
    },
    recipe: {
      epochs: flags.epochs as number,
      batchSize: flags["batch-size"] as number,
      learningRate: flags["learning-rate"] as number,
      schedule: flags.schedule as TrainConfig["schedule"],
      engine: flags.engine as TrainConfig["engine"],
      threads: flags.threads as number,
      validationSplit: flags["validation-split"] as number,
      seed: flags.seed as number,
    },
  };
}

async function main(): Promise<number> {
  const { flags, positionals, help } = parseFlags(FLAGS, Deno.args);
  if (help) {
    console.log(helpText("deno task train [options]", FLAGS));
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`Unexpected argument "${positionals[0]}"`);
  const outDir = flags.out as string;
  const checkpointPath = join(outDir, CHECKPOINT_FILE);
  const fromFlags = configsFromFlags(flags);
  let recipe = fromFlags.recipe;
  let lenet: LeNet, resume: TrainState | undefined;
  const backend = await initBackend("wasm");
  if (flags.resume) {
    ({ lenet, state: resume } = await loadCheckpoint(checkpointPath));
    recipe = { ...resume.train, ...(flags.explicit.has("epochs") ? { epochs: recipe.epochs } : {}) };
  } else {
    lenet = await LeNet.create(fromFlags.model, { seed: recipe.seed });
  }
  const data = await loadMnist({
    trainImages: flags["train-images"] as string | undefined,
    trainLabels: flags["train-labels"] as string | undefined,
    testImages: flags["test-images"] as string | undefined,
    testLabels: flags["test-labels"] as string | undefined,
  });
  const trainSize = Math.min(data.train.count, (flags["train-size"] as number | undefined) ?? Infinity);
  const trainSet = takeRange(data.train, 0, trainSize);
  await Deno.mkdir(outDir, { recursive: true });

  console.log(
    `backend: tfjs ${backend.name} (SIMD ${backend.simd ? "on" : "off"}, threads ${
      backend.threads ? "on" : "off"
    })`,
  );
  console.log(
    `data: ${trainSet.count.toLocaleString("en-US")} training, ${
      data.test.count.toLocaleString("en-US")
    } test images`,
  );
  console.log(`recipe: ${JSON.stringify(recipe)}`);
  console.log(lenet.summaryText());
  if (resume) console.log(`resuming after epoch ${resume.epoch} from ${checkpointPath}`);

  const controller = new AbortController();
  const onSigint = () => controller.signal.aborted ? Deno.exit(130) : controller.abort();
  Deno.addSignalListener("SIGINT", onSigint);
  const started = performance.now();
  const { history, interrupted } = await train(lenet, trainSet, {
    ...recipe,
    validation: data.test,
    checkpointPath,
    resume,
    signal: controller.signal,
    ...progressReporter(Deno.stdout),
  });
  Deno.removeSignalListener("SIGINT", onSigint);
  if (interrupted) {
    const kept = history.length > 0
      ? `epoch ${history.length} is kept in ${checkpointPath}; continue with: deno task train --resume --out ${outDir}`
      : "no epoch was completed, nothing was saved";
    console.log(`\nInterrupted: ${kept}`);
    return 130;
  }

  const test = await evaluate(lenet, data.test);
  const wallSeconds = (performance.now() - started) / 1000;
  await lenet.save(outDir);
  await writeFileAtomic(join(outDir, "model.onnx"), exportOnnx(lenet.toWeights()));
  await writeJsonAtomic(join(outDir, "history.json"), {
    model: lenet.config,
    train: recipe,
    epochs: history,
  });
  await writeJsonAtomic(join(outDir, "metrics.json"), {
    testAccuracy: test.accuracy,
    testLoss: test.loss,
    epochs: history.length,
    wallSeconds,
    trainImages: trainSet.count,
    testImages: data.test.count,
    backend: `tfjs-${backend.name}`,
    engine: recipe.engine ?? "tfjs",
  });
  const correct = Math.round(test.accuracy * data.test.count);
  console.log(confusionText(confusionMatrix(data.test.labels, test.predictions, lenet.config.numClasses)));
  await writeReport(outDir, { lenet, recipe, history, test: data.test, evaluation: test });
  console.log(`saved model (tfjs and ONNX), history, metrics, figures and report.html in ${outDir}/`);
  const epochs = `${history.length} epoch${history.length === 1 ? "" : "s"}`;
  console.log(
    `Test accuracy ${(100 * test.accuracy).toFixed(2)}% (${correct.toLocaleString("en-US")}/` +
      `${data.test.count.toLocaleString("en-US")}) after ${epochs}, wall time ${formatDuration(wallSeconds)}`,
  );
  return 0;
}

await runMain(main);
