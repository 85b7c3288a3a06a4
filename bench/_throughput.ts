// Training benches' own summary: Deno's table gives time per step; this keeps every step's time
// and, when the bench ends, prints each row's images/s and the GFLOP/s of model arithmetic they make
// (2 x 907,704 multiply-adds an image and step).
import { DEFAULT_LENET } from "../src/config.ts";
import { multiplyAdds } from "../src/model/weights.ts";
import { median } from "./_median.ts";

const FLOP_PER_IMAGE = 2 * multiplyAdds(DEFAULT_LENET).trainingStep;
const timings = new Map<string, { batch: number; ms: number[] }>();

/** Wraps a step of `batch` images so that every call's duration is kept for the summary. */
export function timed(name: string, batch: number, step: () => Promise<void> | void): () => Promise<void> {
  const entry = { batch, ms: [] as number[] };
  timings.set(name, entry);
  return async () => {
    const started = performance.now();
    await step();
    entry.ms.push(performance.now() - started);
  };
}

globalThis.addEventListener("unload", () => {
  const width = Math.max(0, ...[...timings.keys()].map((name) => name.length));
  console.log("\nimages/s and achieved GFLOP/s (median step):");
  for (const [name, { batch, ms }] of timings) {
    if (ms.length === 0) continue;
    const perSecond = batch * 1000 / median(ms);
    console.log(
      `  ${name.padEnd(width)} ${Math.round(perSecond).toLocaleString("en-US").padStart(7)} img/s ` +
        `${(perSecond * FLOP_PER_IMAGE / 1e9).toFixed(2).padStart(6)} GFLOP/s`,
    );
  }
});
