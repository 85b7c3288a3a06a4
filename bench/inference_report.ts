// Inference against its limits, measured side by side in one run and printed as tables (with
// --record, also written as a result record for the docs):
// 1. per call: OnnxClassifier on onnxruntime-web against native onnxruntime-node on the same
//    model bytes, one image and batches of 256 and 1000, rounds alternating between them;
// 2. cold start: `deno task predict` on one photo, process start to exit, against a minimal script
//    that only imports onnxruntime-web, creates a session on the same model and runs one image;
// 3. a drawing from the page's 280x280 pad: its preparation, and its whole answer.
// Each figure is a median.
//   deno run --allow-read --allow-env --allow-ffi --allow-run=deno,git --allow-write=results bench/inference_report.ts [--record]
import denoJson from "../deno.json" with { type: "json" };
import * as ortNode from "npm:onnxruntime-node@1.30.0";
import { parseFlags } from "../src/cli/flags.ts";
import { prepareRaster } from "../src/images/raster.ts";
import { OnnxClassifier } from "../src/onnx/classifier.ts";
import { configureOnnxRuntime } from "../src/onnx/runtime.ts";
import { type InferenceSpeed, writeRecord } from "../results/records.ts";
import { digitBatch, PADS } from "./_digits.ts";
import { median } from "./_median.ts";

const { flags } = parseFlags({
  rounds: { type: "integer", min: 1, description: "rounds of alternation", default: 9 },
  record: { type: "boolean", description: "write a result record to results/" },
}, Deno.args);
const ROOT = new URL("../", import.meta.url);
const MODEL = "models/lenet-best/model.onnx";

// ---- 1. per call
configureOnnxRuntime({ threads: 1 });
const bytes = await Deno.readFile(new URL(MODEL, ROOT));
const web = await OnnxClassifier.load(bytes);
const native = await ortNode.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
const { floats } = digitBatch(1000);
const batch = (n: number) => floats.subarray(0, n * 784);
const engines: [string, (n: number) => Promise<unknown>][] = [
  ["onnxruntime-web (OnnxClassifier), 1 thread", (n) => web.probabilities(batch(n), n)],
  [
    "onnxruntime-node (native), 1 thread",
    (n) => native.run({ image: new ortNode.Tensor("float32", batch(n), [n, 1, 28, 28]) }),
  ],
];
const perCall: InferenceSpeed["perCall"] = [];
for (const n of [1, 256, 1000]) {
  const calls = Math.max(5, Math.round(4000 / n));
  const times = engines.map(() => [] as number[]);
  for (const [, run] of engines) for (let i = 0; i < calls; i++) await run(n); // warm-up
  for (let round = 0; round < flags.rounds; round++) {
    for (const [k, [, run]] of engines.entries()) {
      const started = performance.now();
      for (let i = 0; i < calls; i++) await run(n);
      times[k]!.push((performance.now() - started) * 1000 / calls);
    }
  }
  engines.forEach(([engine], k) => perCall.push({ engine, batch: n, microseconds: median(times[k]!) }));
}

// ---- 3. a drawing
const prepare: number[] = [], answer: number[] = [];
for (let i = 0; i < 20 * PADS.length; i++) {
  const pad = PADS[i % PADS.length]!;
  let started = performance.now();
  prepareRaster(pad);
  prepare.push(performance.now() - started);
  started = performance.now();
  await web.classifyRaster(pad);
  answer.push(performance.now() - started);
}
const drawing = [
  { what: "preparation: 280x280 RGBA to the 28x28 input", milliseconds: median(prepare.slice(50)) },
  {
    what: "its answer: preparation and onnxruntime-web (classifyRaster)",
    milliseconds: median(answer.slice(50)),
  },
];
await web.release();

// ---- 2. cold start, alternating; the TypeScript is compiled and cached by a first run of each
// predict with the permissions its task has (deno.json)
const PREDICT = ["run", ...denoJson.tasks.predict.command.split(" ").filter((w) => w.startsWith("--allow"))];
const coldCommands: [string, string[]][] = [
  [
    "deno task predict palette_7.png --model lenet-best (a small PNG: decoded in process)",
    [...PREDICT, "scripts/predict.ts", "--model", MODEL, "tests/fixtures/palette_7.png"],
  ],
  [
    "deno task predict photo_7.jpg --model lenet-best (a JPEG: libvips in a decoding process)",
    [...PREDICT, "scripts/predict.ts", "--model", MODEL, "tests/fixtures/photo_7.jpg"],
  ],
  ["minimal onnxruntime-web script, same model", ["run", "--allow-read", "bench/_minimal_ort.ts", MODEL]],
];
const cold = coldCommands.map(() => [] as number[]);
const spawn = async (args: string[]) => {
  const started = performance.now();
  const { code } = await new Deno.Command("deno", { args, cwd: ROOT, stdout: "null" }).output();
  if (code !== 0) throw new Error(`deno ${args.join(" ")} exited ${code}`);
  return performance.now() - started;
};
for (const [, args] of coldCommands) await spawn(args);
for (let round = 0; round < flags.rounds; round++) {
  for (const [k, [, args]] of coldCommands.entries()) cold[k]!.push(await spawn(args));
}
const coldStart = coldCommands.map(([what], k) => ({ what, milliseconds: median(cold[k]!) }));

// ---- report
const results: InferenceSpeed = { perCall, coldStart, drawing };
const nativeOf = (n: number) => perCall.find((r) => r.batch === n && r.engine.includes("node"))!.microseconds;
console.log(`per call, median of ${flags.rounds} alternating rounds:`);
for (const r of perCall) {
  console.log(
    `  ${r.engine.padEnd(44)} ${String(r.batch).padStart(5)}  ${r.microseconds.toFixed(1).padStart(9)} µs` +
      `  ${(r.microseconds / nativeOf(r.batch)).toFixed(2)}x native`,
  );
}
console.log("cold start, process start to exit:");
for (const r of coldStart) {
  console.log(
    `  ${r.what.padEnd(52)} ${r.milliseconds.toFixed(0).padStart(5)} ms  ` +
      `${(r.milliseconds / coldStart.at(-1)!.milliseconds).toFixed(2)}x the minimal script`,
  );
}
console.log("a drawing:");
for (const r of drawing) console.log(`  ${r.what.padEnd(64)} ${r.milliseconds.toFixed(2)} ms`);
if (flags.record) {
  const command = "deno task report:inference";
  console.log(`recorded in ${await writeRecord("inference", command, results)}`);
}
Deno.exit(0);
