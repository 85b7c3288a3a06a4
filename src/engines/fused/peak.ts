/**
 * This CPU's WebAssembly SIMD peak: the most floating-point operations a second it does, measured
 * with independent chains of multiply-adds (`wasm/peak.c`), plain (a multiply and an add) and with
 * relaxed SIMD's fused multiply-add where the runtime validates it, on one thread or several at
 * once. Every training figure of the benches is given as a share of it.
 *
 * @module
 */
import { PEAK_RELAXED_WASM_BASE64, PEAK_WASM_BASE64 } from "../../_wasm_modules.ts";
import { fromBase64 } from "../../_base64.ts";
import { exportsOf } from "../../_wasm_exports.ts";

/** Which multiply-add the peak loop uses. */
export type SimdKind = "plain" | "relaxed";

/** Options of {@linkcode measurePeak}. */
export interface PeakOptions {
  /**
   * Threads running the loop at once (each on its own core, if the machine has them).
   * @default 1
   */
  threads?: number;
  /**
   * `plain`: a multiply and an add; `relaxed`: relaxed SIMD's fused multiply-add.
   * @default "plain"
   */
  simd?: SimdKind;
  /**
   * How long each thread runs the loop, in milliseconds (after a warm-up of a fifth of that).
   * @default 300
   */
  milliseconds?: number;
}

/**
 * Whether this runtime runs relaxed SIMD (Deno, Chrome 114+, Firefox 145+, Node 21+; not Safari).
 *
 * @returns True when a relaxed-SIMD module validates.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hasRelaxedSimd } from "./peak.ts";
 * assert.equal(hasRelaxedSimd(), true); // Deno's V8 has it on by default
 * ```
 */
export function hasRelaxedSimd(): boolean {
  return WebAssembly.validate(fromBase64(PEAK_RELAXED_WASM_BASE64));
}

interface PeakExports {
  peak_flops_per_round(): number;
  peak_run(rounds: number, m: number, c: number): number;
}

async function peakModule(simd: SimdKind): Promise<PeakExports> {
  const bytes = fromBase64(simd === "relaxed" ? PEAK_RELAXED_WASM_BASE64 : PEAK_WASM_BASE64);
  const { instance } = await WebAssembly.instantiate(bytes);
  return exportsOf<PeakExports>(instance, { peak_flops_per_round: true, peak_run: true }, "peak.wasm");
}

/** Runs the loop for about `ms` milliseconds; returns the flops done and the seconds taken. */
function runFor(peak: PeakExports, ms: number): { flops: number; seconds: number } {
  let rounds = 1 << 16, flops = 0;
  const started = performance.now();
  while (performance.now() - started < ms) {
    peak.peak_run(rounds, 0.5, 1);
    flops += rounds * peak.peak_flops_per_round();
    if (performance.now() - started < ms / 8) rounds *= 2; // calls long enough that timing them costs nothing
  }
  return { flops, seconds: (performance.now() - started) / 1000 };
}

// The loop on a thread of its own: node:worker_threads in Deno, a module Worker in a browser. The
// code goes as a data: URL, so the measurement needs no file beside this module.
const THREAD_SOURCE = `
const loop = (peak, ms) => {
  let rounds = 1 << 16, flops = 0;
  const began = performance.now();
  while (performance.now() - began < ms) {
    peak.peak_run(rounds, 0.5, 1);
    flops += rounds * peak.peak_flops_per_round();
    if (performance.now() - began < ms / 8) rounds *= 2;
  }
  return { flops, seconds: (performance.now() - began) / 1000 };
};
const run = async ({ bytes, ms, start }) => {
  const { instance } = await WebAssembly.instantiate(bytes);
  loop(instance.exports, ms / 5); // warm-up: the engine tiers the loop up
  Atomics.wait(start, 0, 0); // every thread starts together
  return loop(instance.exports, ms);
};
if ("Deno" in globalThis) {
  const { parentPort } = await import("node:worker_threads");
  parentPort.once("message", async (job) => parentPort.postMessage(await run(job)));
} else {
  self.onmessage = async (event) => self.postMessage(await run(event.data));
}
`;

async function onThreads(threads: number, bytes: Uint8Array, ms: number): Promise<number> {
  const start = new Int32Array(new SharedArrayBuffer(4));
  const url = `data:text/javascript,${encodeURIComponent(THREAD_SOURCE)}`;
  const inDeno = "Deno" in globalThis;
  const { Worker: NodeWorker } = inDeno ? await import("node:worker_threads") : { Worker: undefined };
  const results = Array.from(
    { length: threads },
    () =>
      new Promise<{ flops: number; seconds: number }>((resolve, reject) => {
        const job = { bytes, ms, start };
        if (NodeWorker) {
          const worker = new NodeWorker(new URL(url));
          worker.once("message", (result) => (worker.terminate(), resolve(result)));
          worker.once("error", reject);
          worker.postMessage(job);
        } else {
          const worker = new Worker(url, { type: "module" });
          worker.onmessage = (event) => (worker.terminate(), resolve(event.data));
          worker.onerror = (event) => reject(new Error(event.message));
          worker.postMessage(job);
        }
      }),
  );
  await new Promise((wake) => setTimeout(wake, 300 + ms / 5)); // every thread compiled, warm and waiting
  Atomics.store(start, 0, 1);
  Atomics.notify(start, 0);
  const done = await Promise.all(results);
  const flops = done.reduce((n, r) => n + r.flops, 0), seconds = Math.max(...done.map((r) => r.seconds));
  return flops / seconds / 1e9;
}

/**
 * Measures the SIMD peak, in GFLOP/s: on one thread, or summed over several running at once.
 *
 * @param options Threads, kind of multiply-add, duration.
 * @returns Billions of floating-point operations a second.
 * @throws {Error} When `simd` is `relaxed` and the runtime lacks relaxed SIMD.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { measurePeak } from "./peak.ts";
 * const gflops = await measurePeak({ milliseconds: 50 });
 * assert.ok(gflops > 1); // any CPU with SIMD does billions a second
 * ```
 */
export async function measurePeak(options: PeakOptions = {}): Promise<number> {
  const { threads = 1, simd = "plain", milliseconds = 300 } = options;
  if (simd === "relaxed" && !hasRelaxedSimd()) throw new Error("This runtime has no relaxed SIMD");
  if (threads > 1) {
    const bytes = fromBase64(simd === "relaxed" ? PEAK_RELAXED_WASM_BASE64 : PEAK_WASM_BASE64);
    return await onThreads(threads, bytes, milliseconds);
  }
  const peak = await peakModule(simd);
  runFor(peak, milliseconds / 5); // warm-up: the engine tiers the loop up
  const { flops, seconds } = runFor(peak, milliseconds);
  return flops / seconds / 1e9;
}
