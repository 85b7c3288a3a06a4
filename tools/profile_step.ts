// Where a tfjs training step's time goes: wraps every wasm kernel with a timer and trains the
// default LeNet on one fixed batch.
//   deno task profile [--batch-size 128] [--steps 20]
import { IMAGE_PIXELS } from "../src/config.ts";
import * as tf from "../src/npm/tfjs.ts";
import { initBackend } from "../src/tfjs/backend.ts";
import { type FlagSpec, helpText, parseFlags, runMain } from "../src/cli/flags.ts";
import { loadMnist } from "../src/data/dataset.ts";
import { LeNet } from "../src/model/lenet.ts";
import { gatherBatch } from "../src/data/batch.ts";

const FLAGS = {
  "batch-size": { type: "number", description: "images per step", default: 128 },
  steps: { type: "number", description: "timed steps", default: 20 },
} satisfies Record<string, FlagSpec>;

async function main(): Promise<number> {
  const { flags, help } = parseFlags(FLAGS, Deno.args);
  if (help) return (console.log(helpText("deno task profile [options]", FLAGS)), 0);
  const batch = flags["batch-size"], steps = flags.steps;
  await initBackend("wasm");
  const { train } = await loadMnist();
  const lenet = await LeNet.create();
  lenet.model.compile({
    optimizer: tf.train.adam(1e-3),
    loss: "categoricalCrossentropy",
    metrics: ["accuracy"],
  });
  const { x, y } = gatherBatch(
    train.images,
    train.labels,
    Array.from({ length: batch }, (_, i) => i),
    IMAGE_PIXELS,
  );
  const xs = tf.tensor4d(x, [batch, 28, 28, 1]), ys = tf.tensor2d(y, [batch, 10]);
  for (let i = 0; i < 5; i++) await lenet.model.trainOnBatch(xs, ys); // warm-up

  const spent = new Map<string, number>();
  let calls = 0;
  for (const kernel of tf.getKernelsForBackend("wasm")) {
    const run = kernel.kernelFunc;
    (kernel as { kernelFunc: tf.KernelFunc }).kernelFunc = (args) => {
      calls++;
      const t = performance.now();
      const out = run(args);
      spent.set(kernel.kernelName, (spent.get(kernel.kernelName) ?? 0) + performance.now() - t);
      return out;
    };
  }
  const started = performance.now();
  for (let i = 0; i < steps; i++) await lenet.model.trainOnBatch(xs, ys);
  const perStep = (performance.now() - started) / steps;
  const inKernels = [...spent.values()].reduce((a, b) => a + b, 0) / steps;
  console.log(
    `batch ${batch}: ${perStep.toFixed(1)} ms per step (${Math.round(batch * 1000 / perStep)} img/s), ` +
      `${inKernels.toFixed(1)} ms in ${Math.round(calls / steps)} kernel calls`,
  );
  for (const [name, ms] of [...spent].sort((a, b) => b[1] - a[1]).slice(0, 8)) {
    console.log(`  ${name.padEnd(22)} ${(ms / steps).toFixed(2)} ms`);
  }
  return 0;
}

await runMain(main);
