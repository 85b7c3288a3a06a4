// The training speed against this CPU's limit, measured side by side in one run and printed as a
// table: the WebAssembly SIMD peak (plain multiply-add and relaxed fused multiply-add, one thread
// and every core), then FusedTrainer at batch 32 and 128 on 1, 2 and all threads (images/s,
// GFLOP/s of model arithmetic, share of the peak of the same build and thread count), the plain
// build beside the default relaxed one, and the tfjs engine beside FusedTrainer on one thread.
// Every trainer is built first; then rounds alternate between them, and each figure is a median.
//   deno task report:speed   (deno run --allow-read bench/speed_report.ts [--rounds 7] [--json] [--record])
import * as tf from "../src/_tfjs.ts";
import { parseFlags } from "../src/cli/flags.ts";
import { DEFAULT_LENET, IMAGE_PIXELS } from "../src/config.ts";
import { gatherBatch, gatherBytes } from "../src/data/batch.ts";
import { loadMnist } from "../src/data/dataset.ts";
import { hasRelaxedSimd, measurePeak, type SimdKind } from "../src/engines/fused/peak.ts";
import { FusedTrainer } from "../src/engines/fused/trainer.ts";
import { initBackend } from "../src/engines/tfjs/backend.ts";
import { LeNet } from "../src/model/lenet.ts";
import { multiplyAdds } from "../src/model/weights.ts";
import { initialWeights } from "../src/model/weights.ts";
import { type TrainingSpeed, writeRecord } from "../testing/records.ts";

const { flags } = parseFlags({
  rounds: { type: "integer", min: 1, description: "rounds of alternation", default: 7 },
  json: { type: "boolean", description: "print one JSON record" },
  record: { type: "boolean", description: "write a result record to results/" },
}, Deno.args);
const rounds = flags.rounds;
const cores = navigator.hardwareConcurrency;
const FLOP_PER_IMAGE = 2 * multiplyAdds(DEFAULT_LENET).trainingStep;
const { train } = await loadMnist();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

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

async function fused(batch: number, threads: number, simd: SimdKind): Promise<void> {
  const trainer = await FusedTrainer.create(initialWeights(DEFAULT_LENET, 1), batch, { threads, simd });
  const { pixels, labels } = gatherBytes(train.images, train.labels, [...Array(batch).keys()], IMAGE_PIXELS);
  for (let i = 0; i < 30; i++) trainer.step(pixels, labels, 1e-3); // V8 tiers the module up
  const name = `FusedTrainer, ${simd}, ${threads} thread${threads === 1 ? "" : "s"}`;
  rows.push({ name, batch, threads, simd, step: () => void trainer.step(pixels, labels, 1e-3), ms: [] });
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
for (const batch of [32, 128]) {
  for (const threads of threadCounts) await fused(batch, threads, best);
  if (best !== "plain") await fused(batch, 1, "plain");
}
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
const tfjsRow = results.find((r) => r.name.startsWith("tfjs"))!;
if (flags.json) {
  const peakRecord = Object.fromEntries([...peaks.keys()].map((key) => [key, median(peaks.get(key)!)]));
  console.log(JSON.stringify({ cores, peak: peakRecord, training: results }));
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
}
if (flags.record) {
  const peakRecord = Object.fromEntries([...peaks.keys()].map((key) => [key, median(peaks.get(key)!)]));
  const record: TrainingSpeed = { cores, peak: peakRecord, training: results };
  console.log(`recorded in ${await writeRecord("training-speed", "deno task report:speed", record)}`);
}
Deno.exit(0); // trainers' helper threads are unref'd, tfjs's backend is not
