// Train the tutorial's LeNet on MNIST (by default each step is one call into our WebAssembly engine,
// on two threads; --engine tfjs trains through TensorFlow.js's wasm backend):
//   deno task train [--epochs N] [--activation relu] [--out runs/latest] [--resume] ...
// Writes the run directory (src/cli/run_dir.ts): model.json + weights.bin, model.onnx, history.json,
// metrics.json, checkpoint.json, the figures and report.html.
import { join } from "node:path";
import { type FlagSpec, helpText, parseFlags, runMain, UsageError } from "../src/cli/flags.ts";
import { formatDuration, progressReporter } from "../src/cli/progress.ts";
import { claimRunDir, DEFAULT_RUN_DIR, type RunDirClaim, saveRun } from "../src/cli/run_dir.ts";
import {
  ACTIVATIONS,
  AUGMENT_LIMITS,
  DEFAULT_LENET,
  DEFAULT_TRAIN,
  FUSED_MAX_THREADS,
  IMAGES_PER_THREAD,
  type LeNetConfig,
  MAX_LAYER_SIZE,
  MAX_SEED,
  RECIPES,
  resolveLeNetConfig,
  resolveTrainConfig,
  type TrainConfig,
} from "../src/config.ts";
import { loadMnist, type MnistData } from "../src/data/dataset.ts";
import { MAX_IDX_BYTES } from "../src/data/idx.ts";
import { takeRange } from "../src/data/labeled_images.ts";
import { confusionMatrix, confusionText } from "../src/figures/analysis.ts";
import { LeNet } from "../src/model/lenet.ts";
import { CHECKPOINT_FILE, loadCheckpoint, type TrainState } from "../src/train/checkpoint.ts";
import { evaluate } from "../src/train/evaluate.ts";
import { DivergedError } from "../src/train/loop.ts";
import { train, type TrainResult } from "../src/train/train.ts";

const size = { type: "integer", min: 1, max: MAX_LAYER_SIZE } as const;

const FLAGS: Record<string, FlagSpec> = {
  epochs: {
    type: "integer",
    min: 1,
    max: 100_000,
    description: "passes over the training set",
    default: DEFAULT_TRAIN.epochs,
  },
  "batch-size": { type: "integer", min: 1, description: "images per step", default: DEFAULT_TRAIN.batchSize },
  "learning-rate": {
    type: "number",
    min: Number.MIN_VALUE,
    description: "Adam's peak learning rate",
    default: DEFAULT_TRAIN.learningRate,
  },
  "adam-beta1": {
    type: "number",
    min: 0,
    max: 0.9999,
    description: "Adam's first-moment decay",
    default: DEFAULT_TRAIN.adamBeta1,
  },
  "adam-beta2": {
    type: "number",
    min: 0,
    max: 0.9999,
    description: "Adam's second-moment decay",
    default: DEFAULT_TRAIN.adamBeta2,
  },
  schedule: { type: "string", description: "constant | cosine | one-cycle", default: DEFAULT_TRAIN.schedule },
  warmup: {
    type: "number",
    min: 0,
    max: 0.99,
    description: "one-cycle's warm-up, as a share of all steps",
    default: DEFAULT_TRAIN.warmup,
  },
  engine: {
    type: "string",
    description: "fused (whole step in one WebAssembly call, our C) | tfjs (tfjs wasm backend, ~10x slower)",
    default: DEFAULT_TRAIN.engine,
  },
  threads: {
    type: "integer",
    min: 0,
    max: FUSED_MAX_THREADS,
    description:
      `threads of the fused engine (0: every core, at most one per ${IMAGES_PER_THREAD} images of a batch)`,
    default: DEFAULT_TRAIN.threads,
  },
  activation: { type: "string", description: ACTIVATIONS.join(" | "), default: DEFAULT_LENET.activation },
  "conv1-filters": { ...size, description: "filters of conv 1", default: DEFAULT_LENET.conv1Filters },
  "conv2-filters": { ...size, description: "filters of conv 2", default: DEFAULT_LENET.conv2Filters },
  "fc1-units": { ...size, description: "units of dense 1", default: DEFAULT_LENET.fc1Units },
  "fc2-units": { ...size, description: "units of dense 2", default: DEFAULT_LENET.fc2Units },
  "average-decay": {
    type: "number",
    min: 0,
    max: 0.99999,
    description:
      "weight averaging: decay of the weights' moving average, which is validated and saved (0 none)",
    default: DEFAULT_TRAIN.averageDecay,
  },
  "validation-split": {
    type: "number",
    min: 0,
    max: 0.99,
    description: "share of training images held out for validation; 0 validates on the test set",
    default: DEFAULT_TRAIN.validationSplit,
  },
  seed: {
    type: "integer",
    min: 0,
    max: MAX_SEED,
    description: "seed of initialisation, shuffling and augmentation",
    default: DEFAULT_TRAIN.seed,
  },
  "train-size": { type: "integer", min: 1, description: "train on the first N images only (quick runs)" },
  out: {
    type: "string",
    description: "run directory; a run already there stays until the new one is complete, then is replaced",
    default: DEFAULT_RUN_DIR,
    placeholder: "DIR",
  },
  resume: {
    type: "boolean",
    description: `continue the run in --out from its ${CHECKPOINT_FILE} (only --epochs may change)`,
  },
  augment: {
    type: "boolean",
    description: "each epoch, each training image through a random affine transform",
  },
  "augment-rotation": {
    type: "number",
    min: 0,
    max: AUGMENT_LIMITS.augmentRotation,
    description: "largest rotation, degrees",
    default: DEFAULT_TRAIN.augmentRotation,
  },
  "augment-scale": {
    type: "number",
    min: 0,
    max: AUGMENT_LIMITS.augmentScale,
    description: "largest relative change of scale",
    default: DEFAULT_TRAIN.augmentScale,
  },
  "augment-shear": {
    type: "number",
    min: 0,
    max: AUGMENT_LIMITS.augmentShear,
    description: "largest shear factor",
    default: DEFAULT_TRAIN.augmentShear,
  },
  "augment-shift": {
    type: "number",
    min: 0,
    max: AUGMENT_LIMITS.augmentShift,
    description: "largest shift, pixels",
    default: DEFAULT_TRAIN.augmentShift,
  },
  "augment-elastic": {
    type: "number",
    min: 0,
    max: AUGMENT_LIMITS.augmentElastic,
    description: "with --augment, elastic distortion: largest displacement, pixels (0 none, 2 sensible)",
    default: DEFAULT_TRAIN.augmentElastic,
  },
  "augment-alpha": {
    type: "number",
    min: 0,
    max: AUGMENT_LIMITS.augmentAlpha,
    description:
      "with --augment, Simard's elastic distortion: scale of its smoothed field (0 none, 34 in the paper)",
    default: DEFAULT_TRAIN.augmentAlpha,
  },
  "augment-sigma": {
    type: "number",
    min: 0.5,
    max: AUGMENT_LIMITS.augmentSigma,
    description: "with --augment-alpha, the Gaussian smoothing its field, pixels",
    default: DEFAULT_TRAIN.augmentSigma,
  },
  recipe: {
    type: "string",
    description: Object.entries(RECIPES).map(([name, r]) => `${name}: ${r.description}`).join("; ") +
      "; flags given beside it override it",
    default: "tutorial",
  },
  "train-images": { type: "string", description: "IDX training images (.gz ok)", placeholder: "FILE" },
  "train-labels": { type: "string", description: "IDX training labels", placeholder: "FILE" },
  "test-images": { type: "string", description: "IDX test images", placeholder: "FILE" },
  "test-labels": { type: "string", description: "IDX test labels", placeholder: "FILE" },
  "max-data-mb": {
    type: "number",
    min: 1,
    description: "largest IDX file read, plain or inflated, in MB",
    default: MAX_IDX_BYTES / 2 ** 20,
  },
};

// Which key of the model or of the recipe each flag sets.
const SETS: Record<string, [keyof LeNetConfig | keyof TrainConfig, "model" | "recipe"]> = {
  epochs: ["epochs", "recipe"],
  "batch-size": ["batchSize", "recipe"],
  "learning-rate": ["learningRate", "recipe"],
  "adam-beta1": ["adamBeta1", "recipe"],
  "adam-beta2": ["adamBeta2", "recipe"],
  schedule: ["schedule", "recipe"],
  warmup: ["warmup", "recipe"],
  engine: ["engine", "recipe"],
  threads: ["threads", "recipe"],
  "validation-split": ["validationSplit", "recipe"],
  "average-decay": ["averageDecay", "recipe"],
  seed: ["seed", "recipe"],
  augment: ["augment", "recipe"],
  "augment-rotation": ["augmentRotation", "recipe"],
  "augment-scale": ["augmentScale", "recipe"],
  "augment-shear": ["augmentShear", "recipe"],
  "augment-shift": ["augmentShift", "recipe"],
  "augment-elastic": ["augmentElastic", "recipe"],
  "augment-alpha": ["augmentAlpha", "recipe"],
  "augment-sigma": ["augmentSigma", "recipe"],
  activation: ["activation", "model"],
  "conv1-filters": ["conv1Filters", "model"],
  "conv2-filters": ["conv2Filters", "model"],
  "fc1-units": ["fc1Units", "model"],
  "fc2-units": ["fc2Units", "model"],
};

/** The model and recipe: the --recipe preset, with the flags given on the command line over it. */
function configsFromFlags(flags: Record<string, unknown>): { model: LeNetConfig; recipe: TrainConfig } {
  const name = flags.recipe as string;
  const preset = RECIPES[name as keyof typeof RECIPES];
  if (!preset) {
    throw new UsageError(`Unknown --recipe "${name}": expected ${Object.keys(RECIPES).join(", ")}`);
  }
  const model: Record<string, unknown> = { ...preset.model },
    recipe: Record<string, unknown> = { ...preset.train };
  for (const flag of flags.explicit as Set<string>) {
    const entry = SETS[flag];
    if (entry) (entry[1] === "model" ? model : recipe)[entry[0]] = flags[flag];
  }
  return { model: resolveLeNetConfig(model), recipe: resolveTrainConfig(recipe) };
}

// With --resume, the checkpoint's model and recipe hold: a flag that says otherwise is refused
// rather than silently ignored (only --epochs may change).
function refuseContradictions(flags: Record<string, unknown>, lenet: LeNet, state: TrainState): void {
  for (const name of flags.explicit as Set<string>) {
    const entry = name === "epochs" ? undefined : SETS[name];
    if (!entry) continue;
    const [key, where] = entry;
    const saved = (where === "model" ? lenet.config : state.train) as unknown as Record<string, unknown>;
    if (saved[key] !== flags[name]) {
      throw new UsageError(
        `--${name} ${flags[name]} contradicts the checkpoint (${
          saved[key]
        }): --resume continues its recipe; ` +
          "only --epochs may change",
      );
    }
  }
}

/** A new model from the flags, or the checkpoint's model and recipe with --resume. */
async function startRun(
  flags: Record<string, unknown>,
  claim: RunDirClaim,
): Promise<{ lenet: LeNet; recipe: Partial<TrainConfig>; resume?: TrainState; from?: string }> {
  const { model, recipe } = configsFromFlags(flags);
  if (!flags.resume) return { lenet: await LeNet.create(model, { seed: recipe.seed }), recipe };
  if (!claim.resumeFrom) {
    throw new UsageError(`Nothing to resume: no ${CHECKPOINT_FILE} in ${claim.dir} or ${claim.staging}`);
  }
  const { lenet, state } = await loadCheckpoint(claim.resumeFrom!);
  try {
    refuseContradictions(flags, lenet, state);
  } catch (error) {
    lenet.dispose();
    throw error;
  }
  const epochs = (flags.explicit as Set<string>).has("epochs") ? recipe.epochs : state.train.epochs;
  if (epochs <= state.epoch) {
    lenet.dispose();
    throw new UsageError(
      `Nothing to resume: the checkpoint has done ${state.epoch} epoch${state.epoch === 1 ? "" : "s"}` +
        ` of ${epochs}; give --epochs above ${state.epoch} to train on`,
    );
  }
  return { lenet, recipe: { ...state.train, epochs }, resume: state, from: claim.resumeFrom };
}

function loadData(flags: Record<string, unknown>): Promise<MnistData> {
  return loadMnist({
    trainImages: flags["train-images"] as string | undefined,
    trainLabels: flags["train-labels"] as string | undefined,
    testImages: flags["test-images"] as string | undefined,
    testLabels: flags["test-labels"] as string | undefined,
  }, { maxBytes: Math.round((flags["max-data-mb"] as number) * 2 ** 20) });
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
  configsFromFlags(flags); // bad values are refused before any file is made
  using claim = await claimRunDir(flags.out as string, flags.resume === true);
  try {
    return await trainInto(claim, flags);
  } catch (error) {
    await claim.abandon(); // a staging directory with no completed epoch goes
    if (error instanceof DivergedError) {
      throw new DivergedError(`${error.message}; ${claim.dir} is as it was`, { cause: error });
    }
    throw error;
  }
}

/** How many training images: --train-size, or (resuming) as many as the checkpoint's run took. */
function trainSize(flags: Record<string, unknown>, available: number, resume?: TrainState): number {
  const given = flags["train-size"] as number | undefined;
  const saved = resume?.trainCount;
  if (saved !== undefined && given !== undefined && given !== saved) {
    throw new UsageError(
      `--train-size ${given} contradicts the checkpoint (${saved}): --resume continues its run`,
    );
  }
  if (saved !== undefined && saved > available) {
    throw new UsageError(
      `The checkpoint's run trained on ${saved} images; the training set has ${available}`,
    );
  }
  return saved ?? Math.min(given ?? available, available);
}

async function trainInto(claim: RunDirClaim, flags: Record<string, unknown>): Promise<number> {
  const { lenet, recipe, resume, from } = await startRun(flags, claim);
  const data = await loadData(flags);
  const trainSet = takeRange(data.train, 0, trainSize(flags, data.train.count, resume));
  const engine = recipe.engine ?? DEFAULT_TRAIN.engine;
  console.log(`data: ${count(trainSet.count)} training, ${count(data.test.count)} test images`);
  console.log(`engine: ${engine}; recipe: ${JSON.stringify(recipe)}`);
  console.log(lenet.summaryText());
  if (resume) console.log(`resuming after epoch ${resume.epoch} from ${from}`);

  const checkpointPath = join(claim.staging, CHECKPOINT_FILE);
  const started = performance.now();
  const { history, interrupted } = await trainUntilInterrupted(lenet, trainSet, {
    ...recipe,
    validation: data.test,
    checkpointPath,
    resume,
  });
  if (interrupted) {
    await claim.abandon();
    const kept = history.length > 0
      ? `epoch ${history.length} is kept in ${checkpointPath}; continue with: deno task train --resume --out ${claim.dir}`
      : `no epoch was completed; ${claim.dir} holds what it held before`;
    console.log(`\nInterrupted: ${kept}`);
    return 130;
  }
  const evaluation = await evaluate(lenet, data.test);
  const wallSeconds = (performance.now() - started) / 1000;
  console.log(
    confusionText(confusionMatrix(data.test.labels, evaluation.predictions, lenet.config.numClasses)),
  );
  await saveRun(claim.staging, {
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
  await claim.commit();
  console.log(`saved model (tfjs and ONNX), history, metrics, figures and report.html in ${claim.dir}/`);
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
