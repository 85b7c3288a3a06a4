// Two threads against one through the public API, and the fixed part of a step: FusedTrainer.step
// of the default LeNet at batch 8, 16, 32, 64 and 128 on 1 and 2 threads (plain SIMD), 4,096
// images a round, 7 rounds alternating every trainer; prints each median's microseconds a step, the
// least-squares fixed part and part per image of each thread count, and the speed-ups at 32 and 128.
//   deno run --allow-read bench/threads_report.ts
import { DEFAULT_LENET, FusedTrainer, initialWeights } from "../fused.ts";
import { median } from "./_median.ts";

const BATCHES = [8, 16, 32, 64, 128], ROUNDS = 7, IMAGES_A_ROUND = 4096;
const weights = initialWeights(DEFAULT_LENET, 1);
const images = (n: number) =>
  Uint8Array.from({ length: n * 784 }, (_, i) => (i * 2654435761) % 251 < 60 ? 255 : 0);
const labels = (n: number) => Int32Array.from({ length: n }, (_, i) => i % 10);

const runs: {
  threads: number;
  batch: number;
  trainer: FusedTrainer;
  x: Uint8Array;
  y: Int32Array;
  us: number[];
}[] = [];
for (const threads of [1, 2]) {
  for (const batch of BATCHES) {
    const trainer = await FusedTrainer.create(weights, batch, { threads, simd: "plain" });
    const x = images(batch), y = labels(batch);
    for (let i = 0; i < 30; i++) trainer.step(x, y, 1e-4); // warm-up: V8 tiers the wasm up
    runs.push({ threads, batch, trainer, x, y, us: [] });
  }
}
for (let round = 0; round < ROUNDS; round++) {
  for (const run of runs) {
    const steps = IMAGES_A_ROUND / run.batch, start = performance.now();
    for (let i = 0; i < steps; i++) run.trainer.step(run.x, run.y, 1e-4);
    run.us.push((performance.now() - start) / steps * 1000);
  }
}
const at = (threads: number, batch: number) =>
  median(runs.find((r) => r.threads === threads && r.batch === batch)!.us);
for (const threads of [1, 2]) {
  const points = BATCHES.map((batch) => [batch, at(threads, batch)] as const);
  const n = points.length,
    sx = points.reduce((s, [b]) => s + b, 0),
    sy = points.reduce((s, [, t]) => s + t, 0);
  const sxx = points.reduce((s, [b]) => s + b * b, 0), sxy = points.reduce((s, [b, t]) => s + b * t, 0);
  const perImage = (n * sxy - sx * sy) / (n * sxx - sx * sx), fixed = (sy - perImage * sx) / n;
  console.log(
    `${threads} thread${threads > 1 ? "s" : ""}: ${
      points.map(([b, t]) => `batch ${b} ${t.toFixed(0)} µs`).join(", ")
    }; ` +
      `fixed ${fixed.toFixed(0)} µs + ${perImage.toFixed(1)} µs an image`,
  );
}
console.log(
  `2 threads against 1: ${(at(1, 32) / at(2, 32)).toFixed(2)}x at batch 32, ${
    (at(1, 128) / at(2, 128)).toFixed(2)
  }x at batch 128`,
);
for (const run of runs) run.trainer.dispose();
