// Train the tutorial's LeNet on MNIST (by default each step is one call into our WebAssembly engine,
// on every core the batch keeps busy; --engine tfjs trains through TensorFlow.js's wasm backend):
//   deno task train [--epochs N] [--activation relu] [--out runs/latest] [--resume] ...
// Writes the run directory (src/cli/run_dir.ts): model.json + weights.bin, model.onnx, history.json,
// metrics.json, checkpoint.json, the figures and report.html.
import { join } from "node:path";
import { helpText, parseFlags, runMain, UsageError } from "../src/cli/flags.ts";
import { formatDuration, progressReporter } from "../src/cli/progress.ts";
import { claimRunDir, type RunDirClaim, saveRun } from "../src/cli/run_dir.ts";
import { DEFAULT_TRAIN, type TrainConfig } from "../src/config.ts";
import {
  configsFromFlags,
  refuseContradictions,
  TRAIN_FLAGS,
  type TrainFlags,
} from "../src/cli/train_flags.ts";
import { loadMnist, type MnistData } from "../src/data/dataset.ts";
import { takeRange } from "../src/data/labeled_images.ts";
import { confusionMatrix, confusionText } from "../src/figures/analysis.ts";
import { LeNet } from "../src/model/lenet.ts";
import { CHECKPOINT_FILE, loadCheckpoint, type TrainState } from "../src/training/checkpoint.ts";
import { evaluate } from "../src/training/evaluate.ts";
import { DivergedError } from "../src/training/loop.ts";
import { train, type TrainResult } from "../src/train.ts";

/** A new model from the flags, or the checkpoint's model and recipe with --resume. */
async function startRun(
  flags: TrainFlags,
  claim: RunDirClaim,
): Promise<{ lenet: LeNet; recipe: Partial<TrainConfig>; resume?: TrainState; from?: string }> {
  const { model, recipe } = configsFromFlags(flags);
  if (!flags.resume) return { lenet: await LeNet.create(model, { seed: recipe.seed }), recipe };
  const { lenet, state } = await loadCheckpoint(claim.resumeFrom!); // claimRunDir found it
  try {
    refuseContradictions(flags, { model: lenet.config, recipe: state.train });
  } catch (error) {
    lenet.dispose();
    throw error;
  }
  const epochs = flags.explicit.has("epochs") ? recipe.epochs : state.train.epochs;
  if (epochs <= state.epoch) {
    lenet.dispose();
    throw new UsageError(
      `Nothing to resume: the checkpoint has done ${state.epoch} epoch${state.epoch === 1 ? "" : "s"}` +
        ` of ${epochs}; give --epochs above ${state.epoch} to train on`,
    );
  }
  return { lenet, recipe: { ...state.train, epochs }, resume: state, from: claim.resumeFrom };
}

function loadData(flags: TrainFlags): Promise<MnistData> {
  return loadMnist({
    trainImages: flags["train-images"],
    trainLabels: flags["train-labels"],
    testImages: flags["test-images"],
    testLabels: flags["test-labels"],
  }, { maxBytes: Math.round(flags["max-data-mb"] * 2 ** 20) });
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
  const { flags, positionals, help } = parseFlags(TRAIN_FLAGS, Deno.args);
  if (help) return (console.log(helpText("deno task train [options]", TRAIN_FLAGS)), 0);
  if (positionals.length > 0) throw new UsageError(`Unexpected argument "${positionals[0]}"`);
  configsFromFlags(flags); // bad values are refused before any file is made
  using claim = await claimRunDir(flags.out, flags.resume);
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
function trainSize(flags: TrainFlags, available: number, resume?: TrainState): number {
  const given = flags["train-size"];
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

async function trainInto(claim: RunDirClaim, flags: TrainFlags): Promise<number> {
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
