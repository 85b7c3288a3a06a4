// What a hand-off between threads costs, alone: FusedTrainer.predict of 2 images (one phase of the
// pool, a pass of one image a thread, no Adam) on 1 and on 2 threads, alternating, with 0, 0.1 and
// 1 ms of waiting between calls (a helper that waits longer than it spins sleeps). Prints the
// medians of 5 rounds of 2,000 calls. Then what the parameters cost a two-thread step: a training
// step of 2 images (both phases, Adam) on 1 and 2 threads, for the tutorial's LeNet (106,154
// parameters) and the same with 12 units in fc1 instead of 120 (12,302): the medians of 9 rounds.
//   deno run --allow-read bench/handoff_report.ts
import { DEFAULT_LENET, FusedTrainer, initialWeights } from "../fused.ts";
import { median } from "./_median.ts";

const weights = initialWeights(DEFAULT_LENET, 1), images = new Uint8Array(2 * 784).fill(128);
using one = await FusedTrainer.create(weights, 2, { threads: 1, simd: "plain" });
using two = await FusedTrainer.create(weights, 2, { threads: 2, simd: "plain" });

// microseconds a call, the gap excluded
function time(trainer: FusedTrainer, gapUs: number): number {
  const calls = 2000, start = performance.now();
  for (let i = 0; i < calls; i++) {
    trainer.predict(images);
    const until = performance.now() + gapUs / 1000;
    while (performance.now() < until); // busy, as the JavaScript side of a step is
  }
  return (performance.now() - start) / calls * 1000 - gapUs;
}

time(one, 0), time(two, 0); // warm-up
for (const gap of [0, 100, 1000]) {
  const a: number[] = [], b: number[] = [];
  for (let round = 0; round < 5; round++) a.push(time(one, gap)), b.push(time(two, gap));
  console.log(
    `${gap} µs between calls: 1 thread ${median(a).toFixed(1)} µs, 2 threads ${
      median(b).toFixed(1)
    } µs a call`,
  );
}

// a training step of 2 images, microseconds
async function stepTimes(fc1Units: number): Promise<[number, number, number]> {
  const config = { ...DEFAULT_LENET, fc1Units };
  const start = initialWeights(config, 1), labels = Int32Array.of(3, 7);
  using one = await FusedTrainer.create(start, 2, { threads: 1, simd: "plain" });
  using two = await FusedTrainer.create(start, 2, { threads: 2, simd: "plain" });
  const step = (trainer: FusedTrainer) => {
    const steps = 400, begin = performance.now();
    for (let i = 0; i < steps; i++) trainer.step(images, labels, 1e-4);
    return (performance.now() - begin) / steps * 1000;
  };
  step(one), step(two); // warm-up
  const a: number[] = [], b: number[] = [];
  for (let round = 0; round < 9; round++) a.push(step(one)), b.push(step(two));
  return [start.weights.length, median(a), median(b)];
}

for (const fc1Units of [DEFAULT_LENET.fc1Units, 12]) {
  const [parameters, one, two] = await stepTimes(fc1Units);
  console.log(
    `a step of 2 images, ${parameters.toLocaleString("en-US")} parameters: 1 thread ${one.toFixed(0)} µs, ` +
      `2 threads ${two.toFixed(0)} µs`,
  );
}
