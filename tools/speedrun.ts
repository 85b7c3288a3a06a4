// How fast can we train? Two measurements with train() on the default fused engine (the whole
// training step in one WebAssembly SIMD call, two threads), printed as one JSON line a machine can
// read:
// 1. time to --target test accuracy with the fastest recipe we found: relu LeNet, batch 64, Adam
//    with the one-cycle schedule (linear warm-up to --max-lr over the first quarter of the steps,
//    cosine down to 0), evaluated on the 10,000 test images after every epoch; wall time from
//    process start, data loading included;
// 2. one epoch of the default model and recipe (sigmoid, batch 32, Adam 1e-3): what `deno task
//    train` spends per epoch on training steps.
//   deno task speedrun [--epochs 3] [--batch-size 64] [--max-lr 3e-3] [--target 0.99] [--seed 0]
import { type FlagSpec, helpText, parseFlags, runMain } from "../src/cli/flags.ts";
import { initBackend } from "../src/engines/tfjs/backend.ts";
import { DEFAULT_TRAIN } from "../src/config.ts";
import { loadMnist } from "../src/data/dataset.ts";
import { LeNet } from "../src/model/lenet.ts";
import { train } from "../src/train/train.ts";

const FLAGS: Record<string, FlagSpec> = {
  epochs: { type: "number", description: "epochs of the fast recipe", default: 3 },
  "batch-size": { type: "number", description: "images per step", default: 64 },
  "max-lr": { type: "number", description: "peak learning rate", default: 3e-3 },
  target: { type: "number", description: "test accuracy to reach", default: 0.99 },
  seed: { type: "number", description: "seed", default: 0 },
};

async function main(): Promise<number> {
  const { flags, help } = parseFlags(FLAGS, Deno.args);
  if (help) return (console.log(helpText("deno task speedrun [options]", FLAGS)), 0);
  const elapsed = () => performance.now() / 1000; // since the process started
  await initBackend("wasm");
  const data = await loadMnist();
  const [epochs, batchSize, peak, target, seed] = ["epochs", "batch-size", "max-lr", "target", "seed"]
    .map((k) => flags[k] as number) as [number, number, number, number, number];

  const fast = await LeNet.create({ activation: "relu" }, { seed });
  let reachedAt: number | null = null;
  const { history } = await train(fast, data.train, {
    epochs,
    batchSize,
    learningRate: peak,
    schedule: "one-cycle",
    seed,
    validation: data.test,
    onEpoch: (log) => {
      console.log(
        `fast recipe, epoch ${log.epoch}: ${log.seconds.toFixed(1)} s ` +
          `(${Math.round(data.train.count / log.seconds)} img/s), ` +
          `test accuracy ${(100 * log.valAccuracy).toFixed(2)}%, wall ${elapsed().toFixed(1)} s`,
      );
      if (log.valAccuracy >= target && reachedAt === null) reachedAt = elapsed();
    },
  });

  const standard = await LeNet.create({}, { seed: DEFAULT_TRAIN.seed });
  const defaultEpoch = (await train(standard, data.train, { epochs: 1 })).history[0]!.seconds;
  console.log(
    `default model (sigmoid, batch ${DEFAULT_TRAIN.batchSize}), one epoch: ${defaultEpoch.toFixed(1)} s ` +
      `(${Math.round(data.train.count / defaultEpoch)} img/s)`,
  );

  const sorted = history.map((log) => log.seconds).sort((a, b) => a - b);
  console.log(JSON.stringify({
    engine: `FusedTrainer, ${DEFAULT_TRAIN.threads} threads`,
    default_model_epoch_seconds: Number(defaultEpoch.toFixed(2)),
    fast_recipe: { activation: "relu", batch_size: batchSize, max_lr: peak, epochs, seed },
    fast_epoch_seconds_median: Number(sorted[Math.floor(sorted.length / 2)]!.toFixed(2)),
    target,
    time_to_target_seconds: reachedAt === null ? null : Number((reachedAt as number).toFixed(1)),
    final_test_accuracy: history.at(-1)!.valAccuracy,
    wall_seconds: Number(elapsed().toFixed(1)),
  }));
  [fast, standard].forEach((l) => l.dispose());
  return 0;
}

await runMain(main);
