// How fast can we train? The fastest recipe we have, on FusedTrainer (the whole training step in one
// WebAssembly SIMD call): relu LeNet, batch 128, Adam with a one-cycle learning rate (linear warm-up
// to --max-lr over the first 25% of steps, cosine down to 0), evaluated on the 10,000 test images
// after every epoch. Prints one line per epoch, then one JSON line a machine can read.
//   deno task speedrun [--epochs 8] [--target 0.99]
import { type FlagSpec, helpText, parseFlags, runMain } from "../src/cli.ts";
import { initBackend } from "../src/backend.ts";
import { loadMnist } from "../src/dataset.ts";
import { FusedTrainer } from "../src/fused.ts";
import { LeNet } from "../src/model.ts";
import { gatherBatch } from "../src/preprocess.ts";
import { epochPermutation } from "../src/random.ts";
import { evaluate } from "../src/train.ts";

const FLAGS: Record<string, FlagSpec> = {
  epochs: { type: "number", description: "most epochs", default: 8 },
  "batch-size": { type: "number", description: "images per step", default: 128 },
  "max-lr": { type: "number", description: "peak learning rate", default: 4e-3 },
  target: { type: "number", description: "test accuracy to reach", default: 0.99 },
  seed: { type: "number", description: "seed", default: 0 },
};

function oneCycle(step: number, total: number, peak: number): number {
  const warm = Math.floor(total * 0.25);
  if (step < warm) return peak * (step + 1) / warm;
  return peak * 0.5 * (1 + Math.cos(Math.PI * (step - warm) / (total - warm)));
}

async function main(): Promise<number> {
  const { flags, help } = parseFlags(FLAGS, Deno.args);
  if (help) return (console.log(helpText("deno task speedrun [options]", FLAGS)), 0);
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  await initBackend("wasm");
  const { train, test } = await loadMnist();
  const [epochs, batch, peak, target, seed] = ["epochs", "batch-size", "max-lr", "target", "seed"]
    .map((k) => flags[k] as number) as [number, number, number, number, number];
  const lenet = LeNet.create({ activation: "relu" }, { seed });
  using trainer = await FusedTrainer.create(lenet, batch);
  const steps = Math.ceil(train.count / batch);
  const epochSeconds: number[] = [];
  let reachedAt: number | null = null, accuracy = 0;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const order = epochPermutation(train.count, seed, epoch);
    const t0 = performance.now();
    for (let s = 0; s < steps; s++) {
      const idx = order.subarray(s * batch, Math.min(train.count, (s + 1) * batch));
      const { x } = gatherBatch(train.images, train.labels, idx, 784);
      trainer.step(
        x,
        Int32Array.from(idx, (i) => train.labels[i]!),
        oneCycle((epoch - 1) * steps + s, epochs * steps, peak),
      );
    }
    epochSeconds.push((performance.now() - t0) / 1000);
    trainer.writeTo(lenet);
    accuracy = (await evaluate(lenet, test)).accuracy;
    console.log(
      `epoch ${epoch}: ${epochSeconds.at(-1)!.toFixed(1)} s (${
        Math.round(train.count / epochSeconds.at(-1)!)
      } img/s), ` +
        `test accuracy ${(100 * accuracy).toFixed(2)}%, wall ${elapsed().toFixed(1)} s`,
    );
    if (accuracy >= target && reachedAt === null) reachedAt = elapsed();
  }
  const sorted = [...epochSeconds].sort((a, b) => a - b);
  console.log(JSON.stringify({
    engine: "FusedTrainer",
    epoch_seconds_median: Number(sorted[Math.floor(sorted.length / 2)]!.toFixed(2)),
    target,
    time_to_target_seconds: reachedAt === null ? null : Number(reachedAt.toFixed(1)),
    final_test_accuracy: accuracy,
    epochs,
    wall_seconds: Number(elapsed().toFixed(1)),
  }));
  return 0;
}

await runMain(main);
