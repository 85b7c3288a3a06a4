/**
 * The fast training engine: a whole LeNet training step (forward, categorical cross-entropy,
 * backward, Adam) in ONE call into our C/WebAssembly SIMD module (`wasm/lenet.c`), with the
 * weights, Adam's moments and every activation kept in that module's memory. tfjs-wasm spends
 * most of a step dispatching ~320 small operations; here a step is two calls: helper threads
 * (`_worker.ts`) run other instances of the module on the same shared memory, parked in the
 * module's thread pool, and each thread takes a share of every batch, then a share of Adam (which
 * sums every thread's gradients, always in thread order: a given thread count gives the same bits
 * every run). The hand-off between threads is inside the module (lenet.c's "threads" section).
 *
 * The arithmetic is tfjs's: the same weight layout (weights copy in and out unchanged), Keras'
 * loss, and tfjs's Adam update (ε added after bias correction). It needs no TensorFlow.js: it
 * takes a LeNet as plain data (a configuration and a `Float32Array` of weights) and gives the
 * trained weights back the same way.
 *
 * @module
 */
import { startThread, type Thread } from "./_thread.ts";
import { ArgumentError } from "../../errors.ts";
import { floats, object } from "../../_arguments.ts";
import {
  checkFraction,
  checkThreads,
  ConfigError,
  DEFAULT_LENET,
  defaultThreads,
  FUSED_MAX_THREADS,
  IMAGE_PIXELS,
} from "../../config.ts";
import { layOut } from "./_layout.ts";
import { hasRelaxedSimd } from "./peak.ts";
import { TRANSFORM_FLOATS } from "../../data/augment.ts";
import { checkLabels } from "../../data/labeled_images.ts";
import {
  instantiateLenet,
  type LenetBuild,
  type LenetExports,
  MAX_PAGES,
  Pixels,
  transformsAt,
  type WorkerSetup,
} from "./_wasm.ts";
import { ADAM, score } from "../../training/loss.ts";
import type { AdamState, StepResult } from "../../training/step_engine.ts";
import { checkWeights, type LeNetWeights } from "../../model/weights.ts";

/** Adam's state in a {@linkcode FusedTrainer}: for checkpoints (the training loop's {@linkcode AdamState}). */
export type FusedAdamState = AdamState;

/** Options of {@linkcode FusedTrainer.create}. */
export interface FusedOptions {
  /**
   * Threads that share each batch, from 1 to {@linkcode FUSED_MAX_THREADS}.
   * @default defaultThreads(maxBatch): the cores, at most one per 8 images of a batch
   */
  threads?: number;
  /**
   * Adam's moment decays.
   * @default {{ beta1: 0.9, beta2: 0.999 }}
   */
  adam?: { beta1?: number; beta2?: number };
  /**
   * Keep an exponential moving average of the weights, updated after every step with this decay
   * (0.999: about the last thousand steps), for {@linkcode FusedTrainer.averagedWeights} and
   * `predict(images, true)`. 0 keeps none.
   * @default 0
   */
  averageDecay?: number;
  /**
   * Label smoothing: each image's target is 1 - s + s / K for its label and s / K for each other
   * class, instead of 1 and 0 (Szegedy et al. 2016). 0 trains on the labels as they are.
   * @default 0
   */
  labelSmoothing?: number;
  /**
   * AdamW's decoupled weight decay (Loshchilov and Hutter 2019): every step takes
   * `learningRate x weightDecay` of each weight away, besides Adam's update. 0 is plain Adam.
   * @default 0
   */
  weightDecay?: number;
  /**
   * Which build of the WebAssembly module runs the steps: `plain` (a multiply and an add: the same
   * bits on every CPU) or `relaxed` (relaxed SIMD's fused multiply-add: faster, rounded once where
   * the CPU has FMA, so the last bits depend on the CPU). `relaxed` needs a runtime that has
   * relaxed SIMD (not Safari).
   * @default "relaxed" where the runtime has relaxed SIMD, else "plain"
   */
  simd?: LenetBuild;
  /**
   * The helper threads' module, for a bundle that moves it (the browser page's build bundles
   * `_worker.ts` on its own); by default `_worker.ts` beside this module.
   */
  workerUrl?: URL | string;
}

/** A helper thread: its worker, its Net and the control words it waits on. */
interface Helper {
  worker: Thread;
  net: number;
}

/**
 * A LeNet training in WebAssembly memory, one call per step and thread (each thread on its share
 * of the batch, then Adam, split between the threads, on the sum of their gradients).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_LENET } from "../../config.ts";
 * import { FusedTrainer } from "./trainer.ts";
 * const weights = new Float32Array(106_154).map((_, i) => Math.sin(i) * 0.05);
 * using trainer = await FusedTrainer.create({ config: DEFAULT_LENET, weights }, 32);
 * const { lossSum } = trainer.step(new Float32Array(32 * 784), new Int32Array(32), 1e-3);
 * assert.ok(lossSum > 0);
 * assert.notDeepEqual(trainer.weights(), weights); // one Adam step moved them
 * ```
 */
export class FusedTrainer {
  readonly #wasm: LenetExports;
  readonly #memory: WebAssembly.Memory;
  readonly #net: number;
  readonly #maxBatch: number;
  readonly #numClasses: number;
  readonly #x: number;
  readonly #labels: number;
  readonly #netList: number;
  readonly #pool: number;
  readonly #helpers: Helper[];
  readonly #betas: [number, number];
  readonly #decay: number;
  readonly #smoothing: number;
  readonly #weightDecay: number;
  #steps = 0;

  private constructor(
    wasm: LenetExports,
    memory: WebAssembly.Memory,
    net: number,
    sizes: { maxBatch: number; numClasses: number; x: number; labels: number; netList: number; pool: number },
    helpers: Helper[],
    recipe: { betas: [number, number]; decay: number; smoothing: number; weightDecay: number },
  ) {
    this.#betas = recipe.betas;
    this.#decay = recipe.decay;
    this.#smoothing = recipe.smoothing;
    this.#weightDecay = recipe.weightDecay;
    this.#wasm = wasm;
    this.#memory = memory;
    this.#net = net;
    this.#maxBatch = sizes.maxBatch;
    this.#numClasses = sizes.numClasses;
    this.#x = sizes.x;
    this.#labels = sizes.labels;
    this.#netList = sizes.netList;
    this.#pool = sizes.pool;
    this.#helpers = helpers;
  }

  /**
   * Copies a LeNet's weights into new WebAssembly memory. Adam starts fresh.
   *
   * @param model A LeNet with 28x28x1 input (any layer sizes and activation) as plain data, e.g.
   *   `lenet.toWeights()`.
   * @param maxBatch Largest batch `step` will get.
   * @param options Threads.
   * @returns The trainer; `dispose` it (or declare it with `using`) to stop its helper threads.
   * @throws {ConfigError} For another input shape, thread count, or a batch that does not fit.
   * @throws {WeightsError} When the weights do not fit the configuration.
   */
  static async create(
    model: LeNetWeights,
    maxBatch: number,
    options: FusedOptions = {},
  ): Promise<FusedTrainer> {
    const { config, weights } = checkWeights(model);
    options = object(options, "FusedTrainer.create(options)");
    if (config.inputShape.join() !== DEFAULT_LENET.inputShape.join()) {
      throw new ConfigError(`The fused engine trains 28x28x1 inputs, got [${config.inputShape}]`);
    }
    const threads = checkThreads(options.threads ?? defaultThreads(maxBatch), FUSED_MAX_THREADS);
    const build = options.simd ?? (hasRelaxedSimd() ? "relaxed" : "plain");
    if (build === "relaxed" && !hasRelaxedSimd()) {
      throw new ConfigError("This runtime has no relaxed SIMD: use simd plain");
    }
    const memory = new WebAssembly.Memory({ initial: 2, maximum: MAX_PAGES, shared: true });
    const wasm = await instantiateLenet(memory, build);
    const layout = layOut(wasm, memory, config, maxBatch, threads);
    const { nets, netList, pool, stacks, x, labels } = layout;
    const url = new URL(options.workerUrl ?? new URL("./_worker.ts", import.meta.url));
    const helpers = await Promise.all(
      nets.slice(1).map((net, i) =>
        startHelper({ memory, pool, thread: i + 1, stackTop: stacks[i]!, build }, net, url)
      ),
    );
    const k = config.numClasses;
    const { beta1 = ADAM.beta1, beta2 = ADAM.beta2 } = options.adam ?? {};
    const sizes = { maxBatch, numClasses: k, x, labels, netList, pool };
    const decay = checkFraction(options.averageDecay ?? 0, "averageDecay");
    const smoothing = checkFraction(options.labelSmoothing ?? 0, "labelSmoothing");
    const weightDecay = checkFraction(options.weightDecay ?? 0, "weightDecay");
    const recipe = { betas: [beta1, beta2] as [number, number], decay, smoothing, weightDecay };
    const trainer = new FusedTrainer(wasm, memory, nets[0]!, sizes, helpers, recipe);
    trainer.#params().set(weights);
    trainer.#average().set(weights); // the average starts where the weights do
    return trainer;
  }

  /** Classes of the model's output. */
  get numClasses(): number {
    return this.#numClasses;
  }

  /** Threads that share each batch. */
  get threads(): number {
    return 1 + this.#helpers.length;
  }

  #view(at: number, length: number): Float32Array {
    return new Float32Array(this.#memory.buffer, at, length);
  }

  #count(): number {
    return this.#wasm.lenet_param_count(this.#net);
  }

  #params(): Float32Array {
    return this.#view(this.#wasm.lenet_params(this.#net), this.#count());
  }

  #average(): Float32Array {
    return this.#view(this.#wasm.lenet_average(this.#net), this.#count());
  }

  // Threads that work on a batch of n images: all of them, or one per image when n is smaller.
  #active(n: number): number {
    return Math.min(this.threads, n);
  }

  // Copies n images in and runs the forward pass (and, given labels, the backward pass) on the
  // active threads, thread t on images [chunk(t), chunk(t + 1)); returns how many images this
  // (the first) thread took.
  #run(pixels: Float32Array | Uint8Array, n: number, labels?: Int32Array, transforms?: Float32Array): number {
    if (transforms && (!(pixels instanceof Uint8Array) || transforms.length !== TRANSFORM_FLOATS * n)) {
      throw new ArgumentError(
        `Transforms need byte images and ${TRANSFORM_FLOATS} floats an image, got ${transforms.length}`,
      );
    }
    if (n > this.#maxBatch || pixels.length !== n * IMAGE_PIXELS) {
      throw new ArgumentError(
        `Expected at most ${this.#maxBatch} images of ${IMAGE_PIXELS} pixels, got ${
          pixels.length / IMAGE_PIXELS
        }`,
      );
    }
    const bytes = pixels instanceof Uint8Array ? 1 : 0;
    (bytes
      ? new Uint8Array(this.#memory.buffer, this.#x, n * IMAGE_PIXELS)
      : this.#view(this.#x, n * IMAGE_PIXELS)).set(
        pixels,
      );
    if (labels) new Int32Array(this.#memory.buffer, this.#labels, n).set(labels);
    // the transforms go right after the bytes, in the room a batch of floats would take
    const at = transforms ? transformsAt(this.#x, n) : 0;
    if (transforms) this.#view(at, transforms.length).set(transforms);
    // every active thread takes images [lenet_share(t), lenet_share(t + 1)): lenet.c splits the batch
    const active = this.#active(n), pixelKind = transforms ? Pixels.transformedBytes : bytes;
    this.#check(
      this.#wasm.lenet_run_passes(
        this.#pool,
        this.#netList,
        active,
        this.#x,
        n,
        pixelKind,
        at,
        labels ? this.#labels : 0,
        1 / n,
        this.#smoothing,
      ),
    );
    return this.#wasm.lenet_share(1, n, active);
  }

  #forwardBackward(
    pixels: Float32Array | Uint8Array,
    labels: Int32Array,
    transforms?: Float32Array,
  ): StepResult {
    const k = this.#numClasses;
    checkLabels(labels, k);
    const mine = this.#run(pixels, labels.length, labels, transforms);
    const { lossSum, correct } = score(this.#probabilities(labels.length, mine), labels, k);
    return { lossSum, correct };
  }

  // The softmax outputs of the last #run's n images, thread after thread.
  #probabilities(n: number, mine: number): Float32Array {
    const k = this.#numClasses, own = this.#view(this.#wasm.lenet_probs(this.#net), mine * k);
    if (mine === n) return own;
    const all = new Float32Array(n * k);
    all.set(own);
    const active = this.#active(n);
    for (let t = 1; t < active; t++) {
      const first = this.#wasm.lenet_share(t, n, active),
        count = this.#wasm.lenet_share(t + 1, n, active) - first;
      all.set(this.#view(this.#wasm.lenet_probs(this.#helpers[t - 1]!.net), count * k), first * k);
    }
    return all;
  }

  /**
   * Class probabilities of any number of images under the current weights (forward passes only,
   * on every thread, `maxBatch` images at a time): a fast evaluation between epochs.
   *
   * @param pixels Images of 784 pixels, floats in [0, 1] or bytes.
   * @param averaged Under the weights' moving average, when the trainer keeps one.
   * @returns `numClasses` probabilities per image.
   * @throws {ArgumentError} When the pixels are not whole 28x28 images.
   */
  predict(pixels: Float32Array | Uint8Array, averaged = false): Float32Array {
    if (!(pixels instanceof Float32Array || pixels instanceof Uint8Array)) {
      throw new ArgumentError(
        `predict(pixels): expected a Float32Array or a Uint8Array, got ${typeof pixels}`,
      );
    }
    if (averaged && this.#decay > 0) return this.#withAverage(() => this.predict(pixels));
    const count = pixels.length / IMAGE_PIXELS, k = this.#numClasses;
    if (!Number.isInteger(count)) {
      throw new ArgumentError(
        `predict(pixels): expected ${IMAGE_PIXELS} pixels per image, got ${pixels.length} in all`,
      );
    }
    const out = new Float32Array(count * k);
    for (let start = 0; start < count; start += this.#maxBatch) {
      const n = Math.min(this.#maxBatch, count - start);
      const mine = this.#run(pixels.subarray(start * IMAGE_PIXELS, (start + n) * IMAGE_PIXELS), n);
      out.set(this.#probabilities(n, mine), start * k);
    }
    return out;
  }

  /**
   * One Adam step on a batch.
   *
   * @param pixels `n` images of 784 pixels: floats in [0, 1], or bytes (0-255, divided by 255 here,
   *   as `normalizePixels` would).
   * @param labels `n` class indices.
   * @param learningRate This step's learning rate.
   * @param transforms For augmentation: each image's transform (`TRANSFORM_FLOATS` floats: an
   *   affine sampling matrix and an elastic grid, `imageTransforms` of `src/data/augment.ts`),
   *   applied in WebAssembly by each thread to its images; byte images only.
   * @returns The batch's loss and correct count, computed before the update.
   */
  step(
    pixels: Float32Array | Uint8Array,
    labels: Int32Array,
    learningRate: number,
    transforms?: Float32Array,
  ): StepResult {
    const result = this.#forwardBackward(pixels, labels, transforms);
    this.#steps++;
    const [beta1, beta2] = this.#betas, { epsilon } = ADAM;
    const adam = [learningRate, beta1, beta2, epsilon, beta1 ** this.#steps, beta2 ** this.#steps] as const;
    // every active thread updates its share of the parameters, summing all active threads' gradients
    const active = this.#active(labels.length);
    this.#check(
      this.#wasm.lenet_run_adam(
        this.#pool,
        this.#netList,
        active,
        this.#count(),
        ...adam,
        this.#weightDecay,
        this.#decay,
      ),
    );
    return result;
  }

  /**
   * The gradient of the mean loss of a batch, without updating anything: for checking against
   * tfjs.
   *
   * @param pixels `n` images.
   * @param labels `n` class indices.
   * @param transforms Each image's transform, as for {@linkcode FusedTrainer.step}.
   * @returns All gradients, in tfjs's weight order, concatenated.
   */
  gradients(pixels: Float32Array | Uint8Array, labels: Int32Array, transforms?: Float32Array): Float32Array {
    this.#forwardBackward(pixels, labels, transforms);
    const sum = this.#view(this.#wasm.lenet_grads(this.#net), this.#count()).slice();
    for (const helper of this.#helpers.slice(0, this.#active(labels.length) - 1)) {
      const theirs = this.#view(this.#wasm.lenet_grads(helper.net), sum.length);
      for (let i = 0; i < sum.length; i++) sum[i]! += theirs[i]!;
    }
    return sum;
  }

  // runs fn with the moving average in the weights' place, then puts the weights back
  #withAverage<T>(fn: () => T): T {
    const weights = this.#params().slice();
    this.#params().set(this.#average());
    try {
      return fn();
    } finally {
      this.#params().set(weights);
    }
  }

  /**
   * A copy of the weights' moving average (the weights themselves when the trainer keeps none).
   *
   * @returns One float per parameter, in tfjs's order.
   */
  averagedWeights(): Float32Array {
    return (this.#decay > 0 ? this.#average() : this.#params()).slice();
  }

  /**
   * A copy of Adam's state, to checkpoint.
   *
   * @returns Steps taken and both moments.
   */
  adamState(): FusedAdamState {
    const n = this.#count();
    return {
      steps: this.#steps,
      m: this.#view(this.#wasm.lenet_moments(this.#net, 0), n).slice(),
      v: this.#view(this.#wasm.lenet_moments(this.#net, 1), n).slice(),
      ...(this.#decay > 0 ? { average: this.#average().slice() } : {}),
    };
  }

  /**
   * Continues from a checkpointed Adam state.
   *
   * @param state What {@linkcode FusedTrainer.adamState} returned.
   * @throws {ArgumentError} When the state is for another number of parameters.
   */
  restoreAdam(state: FusedAdamState): void {
    const n = this.#count();
    object(state, "restoreAdam(state)", true);
    floats(state.m, "restoreAdam(state.m)"), floats(state.v, "restoreAdam(state.v)");
    if (state.m.length !== n || state.v.length !== n) {
      throw new ArgumentError(
        `restoreAdam(state): Adam state has ${state.m.length} moments, the model ${n} parameters`,
      );
    }
    this.#view(this.#wasm.lenet_moments(this.#net, 0), n).set(state.m);
    this.#view(this.#wasm.lenet_moments(this.#net, 1), n).set(state.v);
    if (state.average) {
      if (state.average.length !== n) {
        throw new ArgumentError(
          `restoreAdam(state.average): the moving average has ${state.average.length} weights`,
        );
      }
      this.#average().set(state.average);
    }
    this.#steps = state.steps;
  }

  /**
   * A copy of the current weights, in tfjs's order (for `LeNet.setWeights` or `exportOnnx`).
   *
   * @returns One float per parameter.
   */
  weights(): Float32Array {
    return this.#params().slice();
  }

  // a phase's result: 1 when a helper failed (its error is printed), after which the pool is broken
  #check(failed: number): void {
    if (failed) throw new Error("The training worker failed (its error is printed above)");
  }

  /** Stops the helper threads, if any. The trainer is not usable afterwards. */
  dispose(): void {
    if (this.#helpers.length > 0) this.#wasm.lenet_pool_quit(this.#pool);
    for (const helper of this.#helpers) helper.worker.terminate();
  }

  /** Same as {@linkcode FusedTrainer.dispose}, for `using`. */
  [Symbol.dispose](): void {
    this.dispose();
  }
}

async function startHelper(setup: WorkerSetup, net: number, url: URL): Promise<Helper> {
  return { worker: await startThread(url, setup), net };
}
