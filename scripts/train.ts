// Train the tutorial's LeNet on MNIST (by default each step is one call into our WebAssembly engine,
// on two threads; --engine tfjs trains through TensorFlow.js's wasm backend):
//   deno task train [--epochs N] [--activation relu] [--out runs/latest] [--resume] ...
// Writes the run directory (src/cli/run_dir.ts): model.json + weights.bin, model.onnx, history.json,
// metrics.json, checkpoint.json, the figures and report.html.
import { join } from "node:path";
import { type FlagSpec, helpText, parseFlags, runMain, UsageError } from "../src/cli/flags.ts";
import { formatDuration, progressReporter } from "../src/cli/progress.ts";
import { DEFAULT_RUN_DIR, saveRun } from "../src/cli/run_dir.ts";
import {
  ACTIVATIONS,
  DEFAULT_LENET,
  DEFAULT_TRAIN,
  type LeNetConfig,
  type TrainConfig,
} from "../src/config.ts";
import { loadMnist, type MnistData } from "../src/data/dataset.ts";
import { takeRange } from "../src/data/labeled_images.ts";
import { confusionMatrix, confusionText } from "../src/figures/analysis.ts";
import { LeNet } from "../src/model/lenet.ts";
import { CHECKPOINT_FILE, loadCheckpoint, type TrainState } from "../src/train/checkpoint.ts";
import { evaluate } from "../src/train/evaluate.ts";
import { train, type TrainResult } from "../src/train/train.ts";

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
    description: "fused (whole step in one WebAssembly call, our C) | tfjs (tfjs wasm backend, ~10x slower)",
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
  out: { type: "string", description: "output directory", default: DEFAULT_RUN_DIR, placeholder: "DIR" },
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

/** A new model from the flags, or the checkpoint's model and recipe with --resume. */
async function startRun(
  flags: Record<string, unknown>,
  checkpointPath: string,
): Promise<{ lenet: LeNet; recipe: Partial<TrainConfig>; resume?: TrainState }> {
  const { model, recipe } = configsFromFlags(flags);
  if (!flags.resume) return { lenet: await LeNet.create(model, { seed: recipe.seed }), recipe };
  const { lenet, state } = await loadCheckpoint(checkpointPath);
  const epochs = (flags.explicit as Set<string>).has("epochs") ? { epochs: recipe.epochs } : {};
  return { lenet, recipe: { ...state.train, ...epochs }, resume: state };
}

function loadData(flags: Record<string, unknown>): Promise<MnistData> {
  return loadMnist({
    trainImages: flags["train-images"] as string | undefined,
    trainLabels: flags["train-labels"] as string | undefined,
    testImages: flags["test-images"] as string | undefined,
    testLabels: flags["test-labels"] as string | undefined,
  });
}

/** Trains until done or Ctrl-C (a second Ctrl-C quits at once). */
async function trainUntilInterrupted(
  lenet: LeNet,
  set: MnistData["train"],
  options: Parameters<typeof train>[2],
): Promise<TrainResult> {
  const controller = new AbortController();
  const onSigint = () => controller.signal.aborted ? Deno.exit(130) : controller.abort();
  Deno.addSignalListener("SIGINT", onSigint);
  try {
    return await train(lenet, set, {
      ...options,
      signal: controller.signal,
      ...progressReporter(Deno.stdout),
    });
  } finally {
    Deno.removeSignalListener("SIGINT", onSigint);
  }
}

const count = (n: number) => n.toLocaleString("en-US");

async function main(): Promise<number> {
  const { flags, positionals, help } = parseFlags(FLAGS, Deno.args);
  if (help) return (console.log(helpText("deno task train [options]", FLAGS)), 0);
  if (positionals.length > 0) throw new UsageError(`Unexpected argument "${positionals[0]}"`);
  const outDir = flags.out as string;
  const checkpointPath = join(outDir, CHECKPOINT_FILE);
  const { lenet, recipe, resume } = await startRun(flags, checkpointPath);
  const data = await loadData(flags);
  const trainSet = takeRange(
    data.train,
    0,
    Math.min(data.train.count, (flags["train-size"] as number) ?? Infinity),
  );
  await Deno.mkdir(outDir, { recursive: true });
  const engine = recipe.engine ?? DEFAULT_TRAIN.engine;
  console.log(`data: ${count(trainSet.count)} training, ${count(data.test.count)} test images`);
  console.log(`engine: ${engine}; recipe: ${JSON.stringify(recipe)}`);
  console.log(lenet.summaryText());
  if (resume) console.log(`resuming after epoch ${resume.epoch} from ${checkpointPath}`);

  const started = performance.now();
  const { history, interrupted } = await trainUntilInterrupted(lenet, trainSet, {
    ...recipe,
    validation: data.test,
    checkpointPath,
    resume,
  });
  if (interrupted) {
    const kept = history.length > 0
      ? `epoch ${history.length} is kept in ${checkpointPath}; continue with: deno task train --resume --out ${outDir}`
      : "no epoch was completed, nothing was saved";
    console.log(`\nInterrupted: ${kept}`);
    return 130;
  }
  const evaluation = await evaluate(lenet, data.test);
  const wallSeconds = (performance.now() - started) / 1000;
  console.log(
    confusionText(confusionMatrix(data.test.labels, evaluation.predictions, lenet.config.numClasses)),
  );
  await saveRun(outDir, {
    lenet,
    recipe,
    history,
    test: data.test,
    evaluation,
    metrics: {
      testAccuracy: evaluation.accuracy,
      testLoss: evaluation.loss,
      epochs: history.length,
      wallSeconds,
      trainImages: trainSet.count,
      testImages: data.test.count,
      engine,
    },
  });
  console.log(`saved model (tfjs and ONNX), history, metrics, figures and report.html in ${outDir}/`);
  const correct = Math.round(evaluation.accuracy * data.test.count);
  console.log(
    `Test accuracy ${(100 * evaluation.accuracy).toFixed(2)}% (${count(correct)}/${
      count(data.test.count)
    }) ` +
      `after ${history.length} epoch${history.length === 1 ? "" : "s"}, wall time ${
        formatDuration(wallSeconds)
      }`,
  );
  return 0;
}

await runMain(main);
