// Training speed of the fused engine on one thread, one Adam step of the default (sigmoid) LeNet
// per iteration, at batch 32 and 128. Needs no permission: the WebAssembly is embedded, the
// weights are made here, the digits drawn here. (More threads need --allow-read, for the helper
// thread's module: bench/with_permissions/engines_train_bench.ts.) After the run it prints each
// row's images/s and the GFLOP/s of model arithmetic that makes (2 x 907,704 multiply-adds per
// image); bench/speed_report.ts sets them against the CPU's measured peak.
//   deno bench bench/train_bench.ts
import { DEFAULT_LENET } from "../src/config.ts";
import { FusedTrainer } from "../src/engines/fused/trainer.ts";
import { initialWeights, multiplyAdds } from "../src/model/weights.ts";
import { digitBatch } from "./_digits.ts";

const FLOP_PER_IMAGE = 2 * multiplyAdds(DEFAULT_LENET).trainingStep;
const timings = new Map<string, { batch: number; ms: number[] }>();

async function fusedStepper(name: string, batch: number, threads: number): Promise<() => void> {
  const trainer = await FusedTrainer.create(initialWeights(DEFAULT_LENET, 1), batch, { threads });
  const { bytes, labels } = digitBatch(batch);
  for (let i = 0; i < 20; i++) trainer.step(bytes, labels, 1e-3); // warm-up: V8 tiers the wasm up
  const entry = { batch, ms: [] as number[] };
  timings.set(name, entry);
  return () => {
    const started = performance.now();
    trainer.step(bytes, labels, 1e-3);
    entry.ms.push(performance.now() - started);
  };
}

for (const batch of [32, 128]) {
  const name = `FusedTrainer, 1 thread, batch ${batch}`;
  Deno.bench(name, { group: "train step" }, await fusedStepper(name, batch, 1));
}

globalThis.addEventListener("unload", () => {
  const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!;
  console.log("\nimages/s and achieved GFLOP/s (median step):");
  for (const [name, { batch, ms }] of timings) {
    if (ms.length === 0) continue;
    const perSecond = batch * 1000 / median(ms);
    console.log(
      `  ${name.padEnd(40)} ${Math.round(perSecond).toLocaleString("en-US").padStart(7)} img/s ` +
        `${(perSecond * FLOP_PER_IMAGE / 1e9).toFixed(2).padStart(6)} GFLOP/s`,
    );
  }
});
