// Training speed, one Adam step per iteration, side by side: tfjs on wasm (SIMD, with this
// module's kernels), our FusedTrainer (the whole step in one WebAssembly call) and tfjs's
// pure-JavaScript `cpu` backend, at batch 32 and 128.
// images/s = batch / time per step. GFLOP/s counts ~950,000 multiply-adds (1.9 MFLOP) per image.
//   deno task bench
import * as tf from "npm:@tensorflow/tfjs@4.22.0";
import { FusedTrainer, gatherBatch, initBackend, LeNet, loadMnist } from "../mod.ts";

const { train } = await loadMnist();

async function stepper(backend: "wasm" | "cpu", batchSize: number) {
  await initBackend(backend);
  const lenet = LeNet.create();
  lenet.model.compile({
    optimizer: tf.train.adam(1e-3),
    loss: "categoricalCrossentropy",
    metrics: ["accuracy"],
  });
  const indices = Array.from({ length: batchSize }, (_, i) => i);
  const { x, y } = gatherBatch(train.images, train.labels, indices, 784);
  const xs = tf.tensor4d(x, [batchSize, 28, 28, 1]), ys = tf.tensor2d(y, [batchSize, 10]);
  for (let i = 0; i < 5; i++) await lenet.model.trainOnBatch(xs, ys); // warm-up
  return async () => {
    await initBackend(backend);
    await lenet.model.trainOnBatch(xs, ys);
  };
}

async function fusedStepper(batchSize: number) {
  const trainer = await FusedTrainer.create(LeNet.create(), batchSize);
  const indices = Array.from({ length: batchSize }, (_, i) => i);
  const { x } = gatherBatch(train.images, train.labels, indices, 784);
  const labels = Int32Array.from(indices, (i) => train.labels[i]!);
  return () => void trainer.step(x, labels, 1e-3);
}

for (const batch of [32, 128]) {
  const group = `train step, batch ${batch}`;
  const wasm = await stepper("wasm", batch);
  const cpu = await stepper("cpu", batch);
  const fused = await fusedStepper(batch);
  Deno.bench(`tfjs wasm + our kernels, batch ${batch}`, { group, baseline: true }, wasm);
  Deno.bench(`FusedTrainer (one wasm call per step), batch ${batch}`, { group }, fused);
  Deno.bench(`tfjs cpu (pure JS), batch ${batch}`, { group, n: 5, warmup: 1 }, cpu);
}
