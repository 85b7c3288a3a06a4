// How fast can we train? Two measurements on the fused engine (the whole training step in one
// WebAssembly SIMD call per thread, every core), through the same epoch loop as `deno task train`
// but without TensorFlow.js (as the browser page trains), so that nothing else is loaded:
// 1. time to --target test accuracy with the fastest recipe found: relu LeNet (the tutorial's layer
//    sizes), two epochs of Adam (β 0.8, 0.95) with label smoothing and AdamW's weight decay, on the
//    one-cycle schedule (linear warm-up to --max-lr over the first 15% of the steps, cosine down to
//    0), evaluated on the 10,000 test images after every epoch; wall time from process start, data
//    loading included;
// 2. one epoch of the default model and recipe (sigmoid, batch 32, Adam 1e-3): what `deno task
//    train` spends per epoch on training steps.
// Prints one JSON line. With --seeds 1,2,3 it runs the fast recipe once per seed, each in a
// process of its own (so that each time counts from its own process start), and prints a line each.
//   deno task speedrun [--epochs 2] [--batch-size 64] [--max-lr 6e-3] [--seed 1] [--seeds 1,2,3]
import { type FlagSpec, helpText, parseFlags, runMain, UsageError } from "../src/cli/flags.ts";
import { type Speedrun, writeRecord } from "../results/records.ts";
import {
  type Activation,
  ACTIVATIONS,
  DEFAULT_LENET,
  DEFAULT_TRAIN,
  defaultThreads,
  resolveTrainConfig,
} from "../src/config.ts";
import { loadMnist, type MnistData } from "../src/data/dataset.ts";
import { FusedTrainer } from "../src/engines/fused/trainer.ts";
import { initialWeights } from "../src/model/weights.ts";
import { fusedSteps, recipeOptions } from "../src/engines/fused/steps.ts";
import { runEpochs } from "../src/training/loop.ts";
import type { EpochLog } from "../src/training/types.ts";

// The fastest recipe to 99% found: chosen on a validation split over seeds 1 to 10
// (tools/recipe_search.ts; docs/performance.md has the search)
const FAST = {
  epochs: 2,
  batchSize: 64,
  learningRate: 6e-3,
  adamBeta1: 0.8,
  adamBeta2: 0.95,
  warmup: 0.15,
  labelSmoothing: 0.1,
  weightDecay: 0.05,
  activation: "relu",
};

const FLAGS = {
  epochs: { type: "integer", min: 1, description: "epochs of the fast recipe", default: FAST.epochs },
  "batch-size": { type: "integer", min: 1, description: "images per step", default: FAST.batchSize },
  "max-lr": { type: "number", min: 1e-9, description: "peak learning rate", default: FAST.learningRate },
  "adam-beta1": { type: "number", min: 0, max: 0.9999, description: "Adam's β1", default: FAST.adamBeta1 },
  "adam-beta2": { type: "number", min: 0, max: 0.9999, description: "Adam's β2", default: FAST.adamBeta2 },
  warmup: {
    type: "number",
    min: 0,
    max: 0.99,
    description: "one-cycle's warm-up share",
    default: FAST.warmup,
  },
  "label-smoothing": {
    type: "number",
    min: 0,
    max: 0.9999,
    description: "each label's target 1 - N + N/10, every other class's N/10",
    default: FAST.labelSmoothing,
  },
  "weight-decay": {
    type: "number",
    min: 0,
    max: 0.9999,
    description: "AdamW's decoupled weight decay",
    default: FAST.weightDecay,
  },
  activation: {
    type: "string",
    choices: ACTIVATIONS,
    description: "of the hidden layers",
    default: FAST.activation,
  },
  target: { type: "number", min: 0, max: 1, description: "test accuracy to reach", default: 0.99 },
  seed: { type: "integer", min: 0, description: "seed of the fast recipe", default: 1 },
  seeds: {
    type: "string",
    description: "run the fast recipe once per seed, e.g. 1,2,3",
    placeholder: "LIST",
  },
  "skip-default": { type: "boolean", description: "skip the default model's epoch" },
  record: {
    type: "boolean",
    description: "with --seeds, write a result record to results/ (with the default model's epoch)",
  },
} satisfies Record<string, FlagSpec>;

const elapsed = () => performance.now() / 1000; // since the process started

/** Trains a recipe on the fused engine (every core the batch keeps busy); returns its epochs. */
async function trainFused(
  data: MnistData,
  activation: Activation,
  recipe: Parameters<typeof resolveTrainConfig>[0],
  onEpoch: (log: EpochLog) => void = () => {},
): Promise<EpochLog[]> {
  const config = resolveTrainConfig(recipe);
  const trainer = await FusedTrainer.create(
    initialWeights({ ...DEFAULT_LENET, activation }, config.seed),
    config.batchSize,
    {
      threads: defaultThreads(config.batchSize),
      ...recipeOptions(config),
    },
  );
  using engine = fusedSteps(trainer, config, data.train);
  const { history } = await runEpochs(engine, data.train, data.test, config, { onEpoch });
  return history;
}

/** One run's JSON line. */
interface RunLine {
  fast_recipe: Record<string, unknown>;
  fast_epoch_seconds: number[];
  target: number;
  time_to_target_seconds: number | null;
  final_test_accuracy: number;
  default_model_epoch_seconds?: number;
}

async function eachSeed(seeds: number[], record: boolean): Promise<number> {
  const args = Deno.args.filter((a, i, all) =>
    a !== "--seeds" && all[i - 1] !== "--seeds" && !a.startsWith("--seeds=") && a !== "--record"
  );
  const lines: [number, RunLine][] = [];
  for (const [k, seed] of seeds.entries()) {
    const { code, stdout } = await new Deno.Command("deno", {
      args: [
        "run",
        "--allow-read=.",
        import.meta.filename!,
        ...args,
        "--seed",
        String(seed),
        ...(record && k === seeds.length - 1 ? [] : ["--skip-default"]), // the default epoch once
      ],
      stderr: "inherit",
    }).output();
    if (code !== 0) return code;
    const line = new TextDecoder().decode(stdout).trim().split("\n").at(-1)!;
    console.log(line);
    lines.push([seed, JSON.parse(line) as RunLine]);
  }
  if (record) {
    const last = lines.at(-1)![1];
    const results: Speedrun = {
      runs: lines.map(([seed, line]) => ({
        seed,
        timeToTargetSeconds: line.time_to_target_seconds,
        finalAccuracy: line.final_test_accuracy,
        epochSeconds: line.fast_epoch_seconds,
      })),
      target: last.target,
      recipe: last.fast_recipe,
      ...(last.default_model_epoch_seconds ? { defaultEpochSeconds: last.default_model_epoch_seconds } : {}),
    };
    const command = `deno task speedrun ${Deno.args.join(" ")}`.trim();
    console.log(`recorded in ${await writeRecord("speedrun", command, results)}`);
  }
  return 0;
}

async function main(): Promise<number> {
  const { flags, help } = parseFlags(FLAGS, Deno.args);
  if (help) return (console.log(helpText("deno task speedrun [options]", FLAGS)), 0);
  const activation = flags.activation;
  if (flags.seeds) return await eachSeed(flags.seeds.split(",").map(Number), flags.record);
  if (flags.record) throw new UsageError("--record records a --seeds run");
  const data = await loadMnist();
  const recipe = {
    epochs: flags.epochs,
    batchSize: flags["batch-size"],
    learningRate: flags["max-lr"],
    adamBeta1: flags["adam-beta1"],
    adamBeta2: flags["adam-beta2"],
    warmup: flags.warmup,
    labelSmoothing: flags["label-smoothing"],
    weightDecay: flags["weight-decay"],
    schedule: "one-cycle" as const,
    seed: flags.seed,
  };
  const target = flags.target;
  let reachedAt: number | null = null;
  const fast = await trainFused(data, activation, recipe, (log) => {
    console.log(
      `fast recipe, epoch ${log.epoch}: ${log.seconds.toFixed(2)} s (${
        Math.round(data.train.count / log.seconds)
      } ` +
        `img/s), test accuracy ${(100 * log.valAccuracy).toFixed(2)}%, wall ${elapsed().toFixed(2)} s`,
    );
    if (log.valAccuracy >= target && reachedAt === null) reachedAt = elapsed();
  });
  const reached = reachedAt as number | null, fastWall = elapsed();

  let defaultEpoch: number | undefined;
  if (!flags["skip-default"]) {
    const [log] = await trainFused(data, DEFAULT_LENET.activation, { ...DEFAULT_TRAIN, epochs: 1 });
    defaultEpoch = log!.seconds;
    console.log(
      `default model (sigmoid, batch ${DEFAULT_TRAIN.batchSize}), one epoch: ${defaultEpoch.toFixed(2)} s ` +
        `(${Math.round(data.train.count / defaultEpoch)} img/s)`,
    );
  }
  console.log(JSON.stringify({
    engine: `FusedTrainer, ${defaultThreads(recipe.batchSize)} threads`,
    fast_recipe: { activation, ...recipe },
    fast_epoch_seconds: fast.map((log) => Number(log.seconds.toFixed(2))),
    target,
    time_to_target_seconds: reached === null ? null : Number(reached.toFixed(2)),
    final_test_accuracy: fast.at(-1)!.valAccuracy,
    fast_wall_seconds: Number(fastWall.toFixed(2)),
    ...(defaultEpoch === undefined ? {} : { default_model_epoch_seconds: Number(defaultEpoch.toFixed(2)) }),
  }));
  return 0;
}

await runMain(main);
