// The binding of wasm/lenet.c (a whole LeNet training step in C with WebAssembly SIMD), shared by
// the FusedTrainer (trainer.ts) and its worker thread (_worker.ts). The module imports
// a shared memory, so that instances on two threads can work on one set of weights.
import { FUSED_MAX_THREADS, IMAGE_PIXELS, IMAGE_SIDE } from "../../config.ts";
import { ELASTIC_GRID, SIMARD_MAX_RADIUS, TRANSFORM_FLOATS } from "../../data/augment.ts";
import { LenetError } from "../../errors.ts";
import { LENET_RELAXED_WASM_BASE64, LENET_WASM_BASE64 } from "../../_wasm_modules.ts";
import { fromBase64 } from "../../_base64.ts";
import { exportsOf } from "../../_wasm_exports.ts";

/** The module's exports; pointers are byte offsets into the shared memory, `net` a Net's. */
export interface LenetExports {
  __stack_pointer: WebAssembly.Global;
  heap_base(): number;
  lenet_init(
    net: number,
    c1: number,
    c2: number,
    h1: number,
    h2: number,
    k: number,
    kind: number,
    maxBatch: number,
    share: number,
  ): number;
  lenet_params(net: number): number;
  lenet_param_count(net: number): number;
  lenet_grads(net: number): number;
  lenet_moments(net: number, second: number): number;
  lenet_probs(net: number): number;
  lenet_forward(net: number, x: number, batch: number, bytes: number, transforms: number): void;
  lenet_gemm(
    m: number,
    n: number,
    k: number,
    a: number,
    ars: number,
    aks: number,
    b: number,
    c: number,
  ): void;
  lenet_backward(net: number, labels: number, batch: number, scale: number, smoothing: number): void;
  lenet_average(net: number): number;
  /** The constants both sides lay memory out by: see {@linkcode CONTRACT}. */
  lenet_contract(which: number): number;
  // the thread pool (lenet.c's "threads" section): worker 0 runs the phases, helpers serve them
  lenet_pool_bytes(): number;
  /** Where thread t's images start in a batch of n split over `threads`. */
  lenet_share(t: number, n: number, threads: number): number;
  lenet_pool_init(pool: number, threads: number): void;
  lenet_run_passes(
    pool: number,
    nets: number,
    active: number,
    x: number,
    n: number,
    pixels: number,
    transforms: number,
    labels: number,
    scale: number,
    smoothing: number,
  ): number;
  lenet_run_adam(
    pool: number,
    nets: number,
    active: number,
    count: number,
    lr: number,
    b1: number,
    b2: number,
    eps: number,
    accB1: number,
    accB2: number,
    weightDecay: number,
    decay: number,
  ): number;
  lenet_serve(pool: number, thread: number): void;
  lenet_pool_fail(pool: number, thread: number): void;
  lenet_pool_quit(pool: number): void;
}

/** What `lenet_contract(i)` must answer, in its order: the constants C and TypeScript share. */
export const CONTRACT: readonly { name: string; value: number }[] = [
  { name: "the image side (IMG, IMAGE_SIDE)", value: IMAGE_SIDE },
  { name: "the most threads (MAX_NETS, FUSED_MAX_THREADS)", value: FUSED_MAX_THREADS },
  { name: "the floats of a transform (TRANSFORM_FLOATS)", value: TRANSFORM_FLOATS },
  { name: "the elastic grid's side (ELASTIC_GRID)", value: ELASTIC_GRID },
  { name: "the largest radius of Simard's smoothing (SIMARD_MAX_RADIUS)", value: SIMARD_MAX_RADIUS },
];

/**
 * Checks a lenet.wasm instance against the constants TypeScript lays memory out by.
 *
 * @throws {LenetError} Naming the first constant the two sides disagree on.
 */
export function checkContract(exports: Pick<LenetExports, "lenet_contract">): void {
  for (const [i, { name, value }] of CONTRACT.entries()) {
    const theirs = exports.lenet_contract(i);
    if (theirs !== value) {
      throw new LenetError(`lenet.wasm disagrees on ${name}: ${theirs} in C, ${value} here: rebuild it`);
    }
  }
}

const LENET_EXPORTS: Record<keyof LenetExports, true> = {
  __stack_pointer: true,
  heap_base: true,
  lenet_init: true,
  lenet_params: true,
  lenet_param_count: true,
  lenet_grads: true,
  lenet_moments: true,
  lenet_probs: true,
  lenet_forward: true,
  lenet_gemm: true,
  lenet_backward: true,
  lenet_average: true,
  lenet_contract: true,
  lenet_pool_bytes: true,
  lenet_share: true,
  lenet_pool_init: true,
  lenet_run_passes: true,
  lenet_run_adam: true,
  lenet_serve: true,
  lenet_pool_fail: true,
  lenet_pool_quit: true,
};

/** What a helper thread gets to start: the memory, the pool it serves, its number and its stack. */
export interface WorkerSetup {
  memory: WebAssembly.Memory;
  /** The trainer's pool (lenet.c's `Pool`). */
  pool: number;
  /** The helper's number, from 1 (the trainer's own thread is 0). */
  thread: number;
  stackTop: number;
  /** The build every thread runs. */
  build: LenetBuild;
}

/** What a batch's images are (lenet.c's `Phase.pixels`). */
export const Pixels = {
  floats: 0,
  bytes: 1,
  /** Bytes, each image through its transform (`TRANSFORM_FLOATS` each, at `transformsAt`). */
  transformedBytes: 2,
} as const;

/**
 * Where a batch of `n` byte images' transforms start: right after the bytes, 4-byte aligned, in the
 * room a batch of floats would take. Every thread finds them there.
 */
export function transformsAt(x: number, n: number): number {
  return (x + n * IMAGE_PIXELS + 3) & ~3;
}

/** The most memory the module declares (2 GiB), in 64 KiB pages. */
export const MAX_PAGES = 32768;

/** Which build of the module: plain SIMD (the same bits on every CPU) or relaxed (fused multiply-adds). */
export type LenetBuild = "plain" | "relaxed";

const compiled: Partial<Record<LenetBuild, Promise<WebAssembly.Module>>> = {};

/** Instantiates the module on a shared memory (each build compiled once per thread). */
export async function instantiateLenet(
  memory: WebAssembly.Memory,
  build: LenetBuild = "plain",
): Promise<LenetExports> {
  compiled[build] ??= WebAssembly.compile(
    fromBase64(build === "relaxed" ? LENET_RELAXED_WASM_BASE64 : LENET_WASM_BASE64),
  );
  const instance = await WebAssembly.instantiate(await compiled[build]!, { env: { memory } });
  const exports = exportsOf<LenetExports>(instance, LENET_EXPORTS, "lenet.wasm");
  checkContract(exports);
  return exports;
}
