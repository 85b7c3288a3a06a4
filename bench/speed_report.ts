// The training speed against this CPU's limit, measured side by side in one run and printed as a
// table: the WebAssembly SIMD peak (plain multiply-add and relaxed fused multiply-add, one thread
// and every core), then FusedTrainer at batch 32 and 128 on 1, 2 and all threads (images/s,
// GFLOP/s of model arithmetic, share of the peak of the same build and thread count), the plain
// build beside the default relaxed one, the step augmented as `best` trains (affine, and with
// Simard's field: the field's cost), and the tfjs engine beside FusedTrainer on one thread; last,
// batch 8 beside 128 on 1 and 2 threads gives what a thread costs a step, projected for more cores.
// Every trainer is built first; then rounds alternate between them, and each figure is a median.
//   deno task report:speed   (deno run --allow-read bench/speed_report.ts [--rounds 7] [--json] [--record])
import * as tf from "../src/npm/tfjs.ts";
import { parseFlags } from "../src/cli/flags.ts";
import { DEFAULT_LENET, IMAGE_PIXELS, resolveTrainConfig, weightCount } from "../src/config.ts";
import { augmentKey, augmentRanges, imageTransforms } from "../src/data/augment.ts";
import { gatherBatch, gatherBytes } from "../src/data/batch.ts";
import { loadMnist } from "../src/data/dataset.ts";
import { hasRelaxedSimd, measurePeak, type SimdKind } from "../src/engines/fused/peak.ts";
import { FusedTrainer } from "../src/engines/fused/trainer.ts";
import { initBackend } from "../src/tfjs/backend.ts";
import { LeNet } from "../src/model/lenet.ts";
import { multiplyAdds } from "../src/model/weights.ts";
import { initialWeights } from "../src/model/weights.ts";
import { type TrainingSpeed, writeRecord } from "../results/records.ts";
import { median } from "./_median.ts";

const { flags } = parseFlags({
  rounds: { type: "integer", min: 1, description: "rounds of alternation", default: 7 },
  json: { type: "boolean", description: "print one JSON record" },
  record: { type: "boolean", description: "write a result record to results/" },
}, Deno.args);
const rounds = flags.rounds;
const cores = navigator.hardwareConcurrency;
const FLOP_PER_IMAGE = 2 * multiplyAdds(DEFAULT_LENET).trainingStep;
const { train } = await loadMnist();

// ---- the peak: median of a few measurements per kind, alternating
const kinds: SimdKind[] = hasRelaxedSimd() ? ["plain", "relaxed"] : ["plain"];
const threadCounts = [...new Set([1, 2, cores])].filter((t) => t <= cores).sort((a, b) => a - b);
const peaks = new Map<string, number[]>();
for (let round = 0; round < 3; round++) {
  for (const simd of kinds) {
    for (const threads of threadCounts) {
      const key = `${simd}/${threads}`;
      peaks.set(key, [...(peaks.get(key) ?? []), await measurePeak({ simd, threads, milliseconds: 400 })]);
    }
  }
}
const peak = (simd: SimdKind, threads: number) => median(peaks.get(`${simd}/${Math.min(threads, cores)}`)!);

// ---- the steppers: each makes one training step; built first, then timed in alternation
interface Row {
  name: string;
  batch: number;
  threads: number;
  simd?: SimdKind;
  step: () => Promise<void> | void;
  ms: number[];
}
const rows: Row[] = [];

async function fused(batch: number, threads: number, simd: SimdKind): Promise<Row> {
  const trainer = await FusedTrainer.create(initialWeights(DEFAULT_LENET, 1), batch, { threads, simd });
  const { pixels, labels } = gatherBytes(train.images, train.labels, [...Array(batch).keys()], IMAGE_PIXELS);
  for (let i = 0; i < 30; i++) trainer.step(pixels, labels, 1e-3); // V8 tiers the module up
  const name = `FusedTrainer, ${simd}, ${threads} thread${threads === 1 ? "" : "s"}`;
  const row: Row = {
    name,
    batch,
    threads,
    simd,
    step: () => void trainer.step(pixels, labels, 1e-3),
    ms: [],
  };
  rows.push(row);
  return row;
}

// The fused step with each image augmented as `best` trains: the transforms drawn in JavaScript
// (a function of seed, epoch and index), applied in WebAssembly; Simard's field when `alpha` > 0.
async function augmented(batch: number, threads: number, simd: SimdKind, alpha: number): Promise<void> {
  const trainer = await FusedTrainer.create(initialWeights(DEFAULT_LENET, 1), batch, { threads, simd });
  const indices = [...Array(batch).keys()];
  const { pixels, labels } = gatherBytes(train.images, train.labels, indices, IMAGE_PIXELS);
  const ranges = augmentRanges(resolveTrainConfig({ augment: true, augmentAlpha: alpha }));
  let epoch = 0;
  const step = () => {
    const transforms = imageTransforms(indices, (i) => augmentKey(1, ++epoch, i), ranges);
    trainer.step(pixels, labels, 1e-3, transforms);
  };
  for (let i = 0; i < 30; i++) step();
  const what = alpha > 0 ? `affine + Simard α ${alpha}` : "affine";
  const name = `FusedTrainer, ${simd}, ${threads} threads, ${what}`;
  rows.push({ name, batch, threads, simd, step, ms: [] });
}

async function tfjsEngine(batch: number): Promise<void> {
  await initBackend("wasm");
  const lenet = await LeNet.create();
  lenet.model.compile({ optimizer: tf.train.adam(1e-3), loss: "categoricalCrossentropy" });
  const { x, y } = gatherBatch(train.images, train.labels, [...Array(batch).keys()], IMAGE_PIXELS);
  const xs = tf.tensor4d(x, [batch, 28, 28, 1]), ys = tf.tensor2d(y, [batch, 10]);
  for (let i = 0; i < 5; i++) await lenet.model.trainOnBatch(xs, ys);
  rows.push({
    name: "tfjs engine (wasm backend + our kernels)",
    batch,
    threads: 1,
    step: async () => {
      await lenet.model.trainOnBatch(xs, ys);
    },
    ms: [],
  });
}

const best: SimdKind = kinds.at(-1)!;
const defaultBuild = new Map<string, Row>(); // by `${batch}/${threads}`
for (const batch of [32, 128]) {
  for (const threads of threadCounts) {
    defaultBuild.set(`${batch}/${threads}`, await fused(batch, threads, best));
  }
  if (best !== "plain") await fused(batch, 1, "plain");
}
// Batch 8 beside batch 128 on 1 and 2 threads: a step's time is a fixed part plus a part per image,
// and the two sizes separate them (the thread cost model below).
const pair = threadCounts.filter((t) => t <= 2);
for (const threads of pair) defaultBuild.set(`8/${threads}`, await fused(8, threads, best));
const all = threadCounts.at(-1)!;
await augmented(128, all, best, 0);
await augmented(128, all, best, 8);
await tfjsEngine(32);

for (let round = 0; round < rounds; round++) {
  for (const row of rows) {
    const steps = Math.max(3, Math.round(1500 / row.batch / (row.name.startsWith("tfjs") ? 10 : 1)));
    const started = performance.now();
    for (let i = 0; i < steps; i++) await row.step();
    row.ms.push((performance.now() - started) / steps);
  }
}

// ---- the table
const results = rows.map((row) => {
  const imagesPerSecond = row.batch * 1000 / median(row.ms);
  const gflops = imagesPerSecond * FLOP_PER_IMAGE / 1e9;
  const ofPeak = row.simd ? gflops / peak(row.simd, row.threads) : undefined;
  return { name: row.name, batch: row.batch, threads: row.threads, imagesPerSecond, gflops, ofPeak };
});
const fusedOne = results.find((r) => r.batch === 32 && r.threads === 1 && r.name.includes(best))!;
const threadCost = pair.length === 2 ? threadCostModel() : undefined;

// What more cores would cost, from the two measured here. A step on T threads takes a fixed part
// (Adam, the call, and with helpers the hand-offs and the gradient reduction) plus a part per
// image: t = a_T + b_T * batch, fitted from batch 8 and 128. Per step the trainer makes 2 hand-offs,
// each waking and then awaiting every helper in turn, so their cost grows with the helpers; Adam
// runs split, each thread summing all T gradients over its P/T parameters, so every thread reads
// P gradient floats whatever T is. The model: a_T = a_1 / T + (T - 1) * h, where h is what the
// second thread added (a_2 - a_1 / 2); b_T = b_1 / (T * e), e the per-image efficiency measured on
// two threads. A projection, not a measurement: more cores also share caches and memory bandwidth.
function threadCostModel(): NonNullable<TrainingSpeed["threadCost"]> {
  const ms = (batch: number, threads: number) => median(defaultBuild.get(`${batch}/${threads}`)!.ms);
  const fit = (threads: number) => {
    const perImage = (ms(128, threads) - ms(8, threads)) / 120;
    return { fixed: ms(8, threads) - 8 * perImage, perImage };
  };
  const one = fit(1), two = fit(2);
  const helperMs = two.fixed - one.fixed / 2;
  const efficiency = one.perImage / (2 * two.perImage);
  const projected = [4, 8, 16].flatMap((threads) =>
    [32, 128].map((batch) => {
      const stepMs = one.fixed / threads + (threads - 1) * helperMs +
        batch * one.perImage / (threads * efficiency);
      return {
        threads,
        batch,
        imagesPerSecond: batch * 1000 / stepMs,
        overheadShare: (threads - 1) * helperMs / stepMs,
      };
    })
  );
  return {
    fixedMs: [one.fixed, two.fixed],
    perImageMs: [one.perImage, two.perImage],
    helperMs,
    efficiency,
    handOffsPerStep: 2,
    reductionFloatsPerThread: weightCount(DEFAULT_LENET),
    projected,
  };
}
const tfjsRow = results.find((r) => r.name.startsWith("tfjs"))!;
if (flags.json) {
  const peakRecord = Object.fromEntries([...peaks.keys()].map((key) => [key, median(peaks.get(key)!)]));
  console.log(JSON.stringify({ cores, peak: peakRecord, training: results, threadCost }));
} else {
  console.log(`WebAssembly SIMD peak of this CPU (GFLOP/s; wasm/peak.c, median of 3), ${cores} cores:`);
  for (const simd of kinds) {
    const line = threadCounts.map((t) => `${t} thread${t === 1 ? "" : "s"} ${peak(simd, t).toFixed(1)}`).join(
      ", ",
    );
    console.log(`  ${simd.padEnd(8)} ${line}`);
  }
  console.log(
    `\nTraining, one Adam step of the tutorial's LeNet (${
      FLOP_PER_IMAGE.toLocaleString("en-US")
    } flop an image), median of ${rounds}:`,
  );
  console.log("  batch  engine                                        img/s   GFLOP/s  of peak");
  for (const r of results) {
    const share = r.ofPeak === undefined ? "" : `${(100 * r.ofPeak).toFixed(0)}%`;
    console.log(
      `  ${String(r.batch).padStart(5)}  ${r.name.padEnd(42)} ${
        Math.round(r.imagesPerSecond).toLocaleString("en-US").padStart(8)
      }` +
        `  ${r.gflops.toFixed(1).padStart(7)}  ${share.padStart(7)}`,
    );
  }
  console.log(
    `\ntfjs engine / FusedTrainer (${best}, 1 thread), batch 32: ${
      (tfjsRow.imagesPerSecond / fusedOne.imagesPerSecond).toFixed(2)
    }x`,
  );
  if (threadCost) printThreadCost(threadCost);
}

function printThreadCost(cost: NonNullable<TrainingSpeed["threadCost"]>): void {
  const [f1, f2] = cost.fixedMs, [p1, p2] = cost.perImageMs;
  console.log(`\nA step = fixed + per image (fitted from batch 8 and 128):`);
  console.log(`  1 thread   ${(f1 * 1000).toFixed(0)} µs + ${(p1 * 1000).toFixed(1)} µs an image`);
  console.log(`  2 threads  ${(f2 * 1000).toFixed(0)} µs + ${(p2 * 1000).toFixed(1)} µs an image`);
  console.log(
    `  each helper adds ${(cost.helperMs * 1000).toFixed(0)} µs a step (${cost.handOffsPerStep} hand-offs, ` +
      `the reduction reads ${cost.reductionFloatsPerThread.toLocaleString("en-US")} floats a thread); ` +
      `per-image work runs at ${(100 * cost.efficiency).toFixed(0)}% efficiency on 2 threads`,
  );
  console.log("Projected (not measured) for more cores:");
  for (const p of cost.projected) {
    console.log(
      `  ${String(p.threads).padStart(2)} threads, batch ${String(p.batch).padStart(3)}: ${
        Math.round(p.imagesPerSecond).toLocaleString("en-US").padStart(8)
      } img/s, threading ${(100 * p.overheadShare).toFixed(0)}% of a step`,
    );
  }
}
if (flags.record) {
  const peakRecord = Object.fromEntries([...peaks.keys()].map((key) => [key, median(peaks.get(key)!)]));
  const record: TrainingSpeed = { cores, peak: peakRecord, training: results, threadCost };
  console.log(`recorded in ${await writeRecord("training-speed", "deno task report:speed", record)}`);
}
Deno.exit(0); // trainers' helper threads are unref'd, tfjs's backend is not
