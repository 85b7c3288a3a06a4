// How fast can we train? Two measurements on FusedTrainer (the whole training step in one
// WebAssembly SIMD call, two threads), printed as one JSON line a machine can read:
// 1. time to --target test accuracy with the fastest recipe we found: relu LeNet, batch 64, Adam
//    with a one-cycle learning rate (linear warm-up to --max-lr over the first 25% of steps, cosine
//    down to 0), evaluated on the 10,000 test images after every epoch (FusedTrainer.predict, both
//    threads); wall time from process start,
//    data loading included;
// 2. one epoch of the default model and recipe (sigmoid, batch 32, Adam 1e-3): what `deno task train`
//    spends per epoch on training steps.
//   deno task speedrun [--epochs 3] [--batch-size 64] [--max-lr 3e-3] [--target 0.99] [--seed 0]
import { type FlagSpec, helpText, parseFlags, runMain } from "../src/cli.ts";
import { initBackend } from "../src/backend.ts";
import { loadMnist } from "../src/dataset.ts";
import { FusedTrainer } from "../src/fused.ts";
import { LeNet } from "../src/model.ts";
import { gatherBytes } from "../src/preprocess.ts";
import { epochPermutation } from "../src/random.ts";
import { scoreProbabilities } from "../src/train.ts";
import { DEFAULT_TRAIN } from "../src/config.ts";
import type { LabeledImages } from "../src/idx.ts";

const FLAGS: Record<string, FlagSpec> = {
  epochs: { type: "number", description: "epochs of the fast recipe", default: 3 },
  "batch-size": { type: "number", description: "images per step", default: 64 },
  "max-lr": { type: "number", description: "peak learning rate", default: 3e-3 },
  target: { type: "number", description: "test accuracy to reach", default: 0.99 },
  seed: { type: "number", description: "seed", default: 0 },
};

function oneCycle(step: number, total: number, peak: number): number {
  const warm = Math.floor(total * 0.25);
  if (step < warm) return peak * (step + 1) / warm;
  return peak * 0.5 * (1 + Math.cos(Math.PI * (step - warm) / (total - warm)));
}

// One epoch of Adam steps over a seeded shuffle; returns its seconds.
function trainEpoch(
  trainer: FusedTrainer,
  data: LabeledImages,
  order: Uint32Array,
  batch: number,
  learningRate: (step: number) => number,
): number {
  const started = performance.now();
  for (let s = 0; s * batch < data.count; s++) {
    const { pixels, labels } = gatherBytes(
      data.images,
      data.labels,
      order.subarray(s * batch, (s + 1) * batch),
      784,
    );
    trainer.step(pixels, labels, learningRate(s));
  }
  return (performance.now() - started) / 1000;
}

async function main(): Promise<number> {
  const { flags, help } = parseFlags(FLAGS, Deno.args);
  if (help) return (console.log(helpText("deno task speedrun [options]", FLAGS)), 0);
  const elapsed = () => performance.now() / 1000; // since the process started
  await initBackend("wasm");
  const { train, test } = await loadMnist();
  const [epochs, batch, peak, target, seed] = ["epochs", "batch-size", "max-lr", "target", "seed"]
    .map((k) => flags[k] as number) as [number, number, number, number, number];

  const lenet = LeNet.create({ activation: "relu" }, { seed });
  const steps = Math.ceil(train.count / batch);
  const epochSeconds: number[] = [];
  let reachedAt: number | null = null, accuracy = 0;
  {
    using trainer = await FusedTrainer.create(lenet, batch);
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const order = epochPermutation(train.count, seed, epoch);
      const lr = (s: number) => oneCycle((epoch - 1) * steps + s, epochs * steps, peak);
      epochSeconds.push(trainEpoch(trainer, train, order, batch, lr));
      accuracy =
        scoreProbabilities(trainer.predict(test.images), test.labels, lenet.config.numClasses).accuracy;
      console.log(
        `fast recipe, epoch ${epoch}: ${epochSeconds.at(-1)!.toFixed(1)} s ` +
          `(${Math.round(train.count / epochSeconds.at(-1)!)} img/s), ` +
          `test accuracy ${(100 * accuracy).toFixed(2)}%, wall ${elapsed().toFixed(1)} s`,
      );
      if (accuracy >= target && reachedAt === null) reachedAt = elapsed();
    }
  }

  const standard = LeNet.create({}, { seed: DEFAULT_TRAIN.seed });
  using trainer = await FusedTrainer.create(standard, DEFAULT_TRAIN.batchSize);
  const order = epochPermutation(train.count, DEFAULT_TRAIN.seed, 1);
  const defaultEpoch = trainEpoch(
    trainer,
    train,
    order,
    DEFAULT_TRAIN.batchSize,
    () => DEFAULT_TRAIN.learningRate,
  );
  console.log(
    `default model (sigmoid, batch ${DEFAULT_TRAIN.batchSize}), one epoch: ${defaultEpoch.toFixed(1)} s ` +
      `(${Math.round(train.count / defaultEpoch)} img/s)`,
  );

  const sorted = [...epochSeconds].sort((a, b) => a - b);
  console.log(JSON.stringify({
    engine: `FusedTrainer, ${trainer.threads} threads`,
    default_model_epoch_seconds: Number(defaultEpoch.toFixed(2)),
    fast_recipe: { activation: "relu", batch_size: batch, max_lr: peak, epochs, seed },
    fast_epoch_seconds_median: Number(sorted[Math.floor(sorted.length / 2)]!.toFixed(2)),
    target,
    time_to_target_seconds: reachedAt === null ? null : Number(reachedAt.toFixed(1)),
    final_test_accuracy: accuracy,
    wall_seconds: Number(elapsed().toFixed(1)),
  }));
  [lenet, standard].forEach((l) => l.dispose());
  return 0;
}

await runMain(main);
