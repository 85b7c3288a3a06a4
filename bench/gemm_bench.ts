// The matrix product at the heart of FusedTrainer (wasm/lenet.c: 4x8 register blocks,
// f32x4 multiply and add), alone, on the shapes one thread meets in a batch-32 step of the default
// LeNet (16 images per thread). After the run it prints each shape's GMAC/s: the ceiling the
// whole training step could approach on one core.
//   deno task bench
import { instantiateLenet, MAX_PAGES } from "../src/engines/fused/_wasm.ts";
import { median } from "./_median.ts";

const memory = new WebAssembly.Memory({ initial: 600, maximum: MAX_PAGES, shared: true });
const wasm = await instantiateLenet(memory);
const A = 1 << 20, B = 16 << 20, C = 24 << 20; // byte offsets of the operands
const floats = new Float32Array(memory.buffer);
for (let i = A / 4; i < C / 4; i++) floats[i] = Math.sin(i) * 0.1;

const IMAGES = 16, PIXELS1 = IMAGES * 784, PIXELS2 = IMAGES * 196;
// name, M, N, K, A's row stride, A's column stride (A^T products read A down its columns)
const SHAPES: [string, number, number, number, number, number][] = [
  ["conv1 forward", PIXELS1, 6, 9, 9, 1],
  ["conv2 forward", PIXELS2, 16, 54, 55, 1],
  ["fc1 forward", IMAGES, 120, 784, 784, 1],
  ["conv2 filter gradient", 55, 16, PIXELS2, 1, 55],
  ["conv2 input gradient", PIXELS2, 54, 16, 16, 1],
  ["fc1 weight gradient", 784, 120, IMAGES, 1, 784],
  ["fc1 input gradient", 784, IMAGES, 120, 120, 1],
];
const timings: [string, number, number[]][] = [];

for (const [name, m, n, k, ars, aks] of SHAPES) {
  const ms: number[] = [];
  timings.push([`${name} [${m}x${k}]·[${k}x${n}]`, m * n * k, ms]);
  Deno.bench(`${name}: ${m}x${k} · ${k}x${n}`, { group: "matrix product", warmup: 50 }, () => {
    const started = performance.now();
    wasm.lenet_gemm(m, n, k, A, ars, aks, B, C);
    ms.push(performance.now() - started);
  });
}

globalThis.addEventListener("unload", () => {
  console.log("\nmatrix product, GMAC/s (median call; x2 for GFLOP/s):");
  for (const [name, macs, ms] of timings) {
    if (ms.length) console.log(`  ${name.padEnd(48)} ${(macs / median(ms) / 1e6).toFixed(2).padStart(6)}`);
  }
});
