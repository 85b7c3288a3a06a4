// Training speed, one Adam step of the default (sigmoid) LeNet per iteration, side by side at
// batch 32 and 128: FusedTrainer (the whole step in one call into our C/WebAssembly SIMD module) on
// two threads and on one; tfjs's wasm backend with our C SIMD kernels; the same backend with a plain
// JavaScript Conv2DBackpropFilter and tfjs's own kernels elsewhere (the baseline this project
// started from); and tfjs's pure-JavaScript `cpu` backend. After the run it prints each row's
// images/s and the GFLOP/s of model arithmetic that makes (2 x 907,704 multiply-adds per image).
//   deno task bench
import * as tf from "../../src/npm/tfjs.ts";
import { initBackend } from "../../src/tfjs/backend.ts";
import { IMAGE_PIXELS } from "../../src/config.ts";
import { loadMnist } from "../../src/data/dataset.ts";
import { FusedTrainer } from "../../src/engines/fused/trainer.ts";
import { useSimdKernels } from "../../src/tfjs/kernels.ts";
import { LeNet } from "../../src/model/lenet.ts";
import { gatherBatch, gatherBytes } from "../../src/data/batch.ts";
import { loadSimdKernels } from "../../src/tfjs/simd.ts";
import { timed } from "../_throughput.ts";

await initBackend("wasm");
const { train } = await loadMnist();
const simd = await loadSimdKernels();

async function tfjsStepper(backend: "wasm" | "cpu", batch: number, ourKernels = true) {
  const setUp = async () => {
    await initBackend(backend);
    if (backend === "wasm") useSimdKernels(ourKernels ? simd : undefined);
  };
  await setUp();
  const lenet = await LeNet.create();
  lenet.model.compile({ optimizer: tf.train.adam(1e-3), loss: "categoricalCrossentropy" });
  const indices = Array.from({ length: batch }, (_, i) => i);
  const { x, y } = gatherBatch(train.images, train.labels, indices, IMAGE_PIXELS);
  const xs = tf.tensor4d(x, [batch, 28, 28, 1]), ys = tf.tensor2d(y, [batch, 10]);
  for (let i = 0; i < 3; i++) await lenet.model.trainOnBatch(xs, ys); // warm-up
  return async () => {
    await setUp();
    await lenet.model.trainOnBatch(xs, ys);
  };
}

async function fusedStepper(batch: number, threads: number) {
  const trainer = await FusedTrainer.create((await LeNet.create()).toWeights(), batch, { threads });
  const { pixels, labels } = gatherBytes(train.images, train.labels, [...Array(batch).keys()], IMAGE_PIXELS);
  for (let i = 0; i < 20; i++) trainer.step(pixels, labels, 1e-3); // warm-up: V8 tiers the wasm up
  return () => void trainer.step(pixels, labels, 1e-3);
}

for (const batch of [32, 128]) {
  const group = `train step, batch ${batch}`;
  const rows: [string, () => Promise<() => Promise<void> | void>, { n?: number; baseline?: boolean }][] = [
    ["FusedTrainer, 2 threads", () => fusedStepper(batch, 2), {}],
    ["FusedTrainer, 1 thread", () => fusedStepper(batch, 1), {}],
    ["tfjs wasm + our C SIMD kernels", () => tfjsStepper("wasm", batch), { baseline: true }],
    ["tfjs wasm + plain JS filter gradient", () => tfjsStepper("wasm", batch, false), { n: 20 }],
    ["tfjs cpu (pure JavaScript)", () => tfjsStepper("cpu", batch), { n: 3 }],
  ];
  for (const [label, make, options] of rows) {
    const name = `${label}, batch ${batch}`;
    const fn = timed(name, batch, await make());
    Deno.bench(name, { group, ...options, ...(options.n ? { warmup: 1 } : {}) }, fn);
  }
}
