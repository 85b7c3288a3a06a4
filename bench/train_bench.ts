// Training speed of the fused engine on one thread, one Adam step of the default (sigmoid) LeNet
// per iteration, at batch 32 and 128. Needs no permission: the WebAssembly is embedded, the
// weights are made here, the digits drawn here. (More threads need --allow-read, for the helper
// thread's module: bench/with_permissions/engines_train_bench.ts.) After the run it prints each
// row's images/s and the GFLOP/s of model arithmetic that makes (2 x 907,704 multiply-adds per
// image); bench/speed_report.ts sets them against the CPU's measured peak.
//   deno bench bench/train_bench.ts
import { DEFAULT_LENET } from "../src/config.ts";
import { FusedTrainer } from "../src/engines/fused/trainer.ts";
import { initialWeights } from "../src/model/weights.ts";
import { digitBatch } from "./_digits.ts";
import { timed } from "./_throughput.ts";

async function fusedStepper(name: string, batch: number, threads: number): Promise<() => Promise<void>> {
  const trainer = await FusedTrainer.create(initialWeights(DEFAULT_LENET, 1), batch, { threads });
  const { bytes, labels } = digitBatch(batch);
  for (let i = 0; i < 20; i++) trainer.step(bytes, labels, 1e-3); // warm-up: V8 tiers the wasm up
  return timed(name, batch, () => void trainer.step(bytes, labels, 1e-3));
}

for (const batch of [32, 128]) {
  const name = `FusedTrainer, 1 thread, batch ${batch}`;
  Deno.bench(name, { group: "train step" }, await fusedStepper(name, batch, 1));
}
