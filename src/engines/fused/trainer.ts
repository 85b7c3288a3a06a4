/**
 * The fast training engine: a whole LeNet training step (forward, categorical cross-entropy,
 * backward, Adam) in ONE call into our C/WebAssembly SIMD module (`wasm/lenet.c`), with the
 * weights, Adam's moments and every activation kept in that module's memory. tfjs-wasm spends
 * most of a step dispatching ~320 small operations; here a step is one call per thread: a second
 * thread (`_worker.ts`) runs another instance of the module on the same shared memory and
 * takes half of every batch, and half of Adam.
 *
 * The arithmetic is tfjs's: the same weight layout (weights copy in and out unchanged), Keras'
 * loss, and tfjs's Adam update (ε added after bias correction). It needs no TensorFlow.js: it
 * takes a LeNet as plain data (a configuration and a `Float32Array` of weights) and gives the
 * trained weights back the same way.
 *
 * @module
 */
import { startThread, type Thread } from "./_thread.ts";
import {
  type Activation,
  ACTIVATIONS,
  checkThreads,
  ConfigError,
  DEFAULT_LENET,
  FUSED_MAX_THREADS,
  IMAGE_PIXELS,
} from "../../config.ts";
import { TRANSFORM_FLOATS } from "../../data/augment.ts";
import { checkLabels } from "../../data/labeled_images.ts";
import {
  Control,
  CONTROL_WORDS,
  instantiateLenet,
  type LenetExports,
  MAX_PAGES,
  Pixels,
  Task,
  transformsAt,
  waitWhile,
  type WorkerSetup,
} from "./_wasm.ts";
import { ADAM, score } from "../../train/loss.ts";
import { checkWeights, type LeNetWeights } from "../../model/weights.ts";

/** Adam's state in a {@linkcode FusedTrainer}: for checkpoints. */
export interface FusedAdamState {
  /** Steps taken (Adam's t). */
  steps: number;
  /** First moments, in tfjs's weight order. */
  m: Float32Array;
  /** Second moments. */
  v: Float32Array;
}

/** Loss and correct predictions of one step's batch (before the update). */
export interface StepResult {
  /** Sum of the per-image categorical cross-entropy. */
  lossSum: number;
  /** Images whose most probable class is their label. */
  correct: number;
}

function kindOf(activation: Activation): number {
  return (ACTIVATIONS as readonly string[]).indexOf(activation); // sigmoid 0, relu 1, tanh 2, elu 3 as in C
}

/** Options of {@linkcode FusedTrainer.create}. */
export interface FusedOptions {
  /**
   * Threads that share each batch: 1, or 2 (a worker thread takes half of every batch).
   * Defaults to 2 when the machine has two cores or more.
   */
  threads?: number;
  /**
   * The second thread's module, for a bundle that moves it (the browser page's build bundles
   * `_worker.ts` on its own); by default `_worker.ts` beside this module.
   */
  workerUrl?: URL | string;
}

const PAGE = 65536, STACK_BYTES = 65536;

/** The second thread: its worker, its Net and the control words it waits on. */
interface Helper {
  worker: Thread;
  net: number;
  ints: Int32Array;
  floats: Float32Array;
}

/**
 * A LeNet training in WebAssembly memory, one call per step (two threads: one call each, on
 * halves of the batch, then Adam on the sum of both halves' gradients).
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
  readonly #helper: Helper | undefined;
  #steps = 0;

  private constructor(
    wasm: LenetExports,
    memory: WebAssembly.Memory,
    net: number,
    sizes: { maxBatch: number; numClasses: number; x: number; labels: number },
    helper: Helper | undefined,
  ) {
    this.#wasm = wasm;
    this.#memory = memory;
    this.#net = net;
    this.#maxBatch = sizes.maxBatch;
    this.#numClasses = sizes.numClasses;
    this.#x = sizes.x;
    this.#labels = sizes.labels;
    this.#helper = helper;
  }

  /**
   * Copies a LeNet's weights into new WebAssembly memory. Adam starts fresh.
   *
   * @param model A LeNet with 28x28x1 input (any layer sizes and activation) as plain data, e.g.
   *   `lenet.toWeights()`.
   * @param maxBatch Largest batch `step` will get.
   * @param options Threads.
   * @returns The trainer; `dispose` it (or declare it with `using`) to stop its worker.
   * @throws {ConfigError} For another input shape, thread count, or a batch that does not fit.
   * @throws {WeightsError} When the weights do not fit the configuration.
   */
  static async create(
    model: LeNetWeights,
    maxBatch: number,
    options: FusedOptions = {},
  ): Promise<FusedTrainer> {
    const { config, weights } = checkWeights(model);
    if (config.inputShape.join() !== DEFAULT_LENET.inputShape.join()) {
      throw new ConfigError(`The fused engine trains 28x28x1 inputs, got [${config.inputShape}]`);
    }
    const threads = checkThreads(
      options.threads ?? (navigator.hardwareConcurrency >= 2 ? 2 : 1),
      FUSED_MAX_THREADS,
    );
    const memory = new WebAssembly.Memory({ initial: 2, maximum: MAX_PAGES, shared: true });
    const wasm = await instantiateLenet(memory);
    const grow = (end: number) => {
      const missing = end - memory.buffer.byteLength;
      if (missing > 0) memory.grow(Math.ceil(missing / PAGE));
    };
    const { conv1Filters: c1, conv2Filters: c2, fc1Units: h1, fc2Units: h2, numClasses: k } = config;
    const kind = kindOf(config.activation);
    // cache lines of their own for what each thread writes, so neither evicts the other's
    const align = (at: number) => (at + 63) & ~63;
    // Layout: control words | Net 0 | Net 1 (shares Net 0's weights) | worker stack | images | labels
    const control = align(wasm.heap_base()), net = control + CONTROL_WORDS * 4;
    const layout = (batch: number, share = 0) =>
      wasm.lenet_init(net, c1, c2, h1, h2, k, kind, batch, share) >>> 0;
    // The layout grows linearly with the batch: check that it fits before laying it out for real.
    const perImage = layout(2) - layout(1), fixed = layout(1) - perImage;
    const bytesPerImage = perImage * (threads === 2 ? 1.5 : 1) + IMAGE_PIXELS * 4 + 4; // nets, images, labels
    const largest = Math.floor((MAX_PAGES * PAGE - 2 * fixed - STACK_BYTES - 2 * PAGE) / bytesPerImage) - 1;
    if (!Number.isInteger(maxBatch) || maxBatch < 1 || maxBatch > largest) {
      throw new ConfigError(
        `A batch of ${maxBatch} images does not fit the fused engine's 2 GiB of WebAssembly memory: ` +
          `use 1 to ${largest}`,
      );
    }
    let end = layout(maxBatch);
    let helperNet = 0, stackTop = 0;
    if (threads === 2) {
      grow(end + PAGE);
      helperNet = align(end) + 64;
      end = wasm.lenet_init(helperNet, c1, c2, h1, h2, k, kind, Math.ceil(maxBatch / 2), net);
      stackTop = align(end) + STACK_BYTES;
      end = stackTop;
    }
    const x = align(end), labels = x + maxBatch * IMAGE_PIXELS * 4;
    grow(labels + maxBatch * 4);
    const helper = threads === 2
      ? await startHelper(
        { memory, net: helperNet, mainNet: net, x, labels, control, stackTop },
        new URL(options.workerUrl ?? new URL("./_worker.ts", import.meta.url)),
      )
      : undefined;
    const trainer = new FusedTrainer(wasm, memory, net, { maxBatch, numClasses: k, x, labels }, helper);
    trainer.#params().set(weights);
    return trainer;
  }

  /** Classes of the model's output. */
  get numClasses(): number {
    return this.#numClasses;
  }

  /** Threads that share each batch. */
  get threads(): number {
    return this.#helper ? 2 : 1;
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

  // How many of n images this thread takes; the helper takes the rest.
  #share(n: number): number {
    return this.#helper && n >= 2 ? Math.ceil(n / 2) : n;
  }

  // Copies n images in and runs the forward pass (and, given labels, the backward pass) on both
  // threads; returns how many images this thread took.
  #run(pixels: Float32Array | Uint8Array, n: number, labels?: Int32Array, transforms?: Float32Array): number {
    if (transforms && (!(pixels instanceof Uint8Array) || transforms.length !== TRANSFORM_FLOATS * n)) {
      throw new RangeError(
        `Transforms need byte images and ${TRANSFORM_FLOATS} floats an image, got ${transforms.length}`,
      );
    }
    if (n > this.#maxBatch || pixels.length !== n * IMAGE_PIXELS) {
      throw new RangeError(
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
    const mine = this.#share(n), helper = this.#helper;
    let generation = 0;
    if (mine < n) {
      const { ints, floats } = helper!;
      ints[Control.count] = n - mine, ints[Control.first] = mine;
      ints[Control.bytes] = transforms ? Pixels.transformedBytes : bytes;
      floats[Control.scale] = 1 / n;
      generation = hand(helper!, labels ? Task.forwardBackward : Task.forward);
    }
    this.#wasm.lenet_forward(this.#net, this.#x, mine, bytes, at);
    if (labels) this.#wasm.lenet_backward(this.#net, this.#labels, mine, 1 / n);
    if (generation) finish(helper!, generation);
    return mine;
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

  // The softmax outputs of the last #run's n images: this thread's `mine`, then the helper's.
  #probabilities(n: number, mine: number): Float32Array {
    const k = this.#numClasses, own = this.#view(this.#wasm.lenet_probs(this.#net), mine * k);
    if (mine === n) return own;
    const all = new Float32Array(n * k);
    all.set(own);
    all.set(this.#view(this.#wasm.lenet_probs(this.#helper!.net), (n - mine) * k), mine * k);
    return all;
  }

  /**
   * Class probabilities of any number of images under the current weights (forward passes only,
   * on both threads, `maxBatch` images at a time): a fast evaluation between epochs.
   *
   * @param pixels Images of 784 pixels, floats in [0, 1] or bytes.
   * @returns `numClasses` probabilities per image.
   * @throws {RangeError} When the pixels are not whole 28x28 images.
   */
  predict(pixels: Float32Array | Uint8Array): Float32Array {
    const count = pixels.length / IMAGE_PIXELS, k = this.#numClasses;
    if (!Number.isInteger(count)) {
      throw new RangeError(`Expected ${IMAGE_PIXELS} pixels per image, got ${pixels.length} in all`);
    }
    const out = new Float32Array(count * k);
    for (let start = 0; start < count; start += this.#maxBatch) {
      const n = Math.min(this.#maxBatch, count - start);
      const mine = this.#run(pixels.subarray(start * IMAGE_PIXELS, (start + n) * IMAGE_PIXELS), n);
      out.set(this.#probabilities(n, mine), start * k);
    }
    return out;
  }

  // the helper's Net when it worked on this batch (its gradients are then part of the sum), else 0
  #otherNet(n: number): number {
    return this.#share(n) < n ? this.#helper!.net : 0;
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
    const { beta1, beta2, epsilon } = ADAM;
    const adam = [learningRate, beta1, beta2, epsilon, beta1 ** this.#steps, beta2 ** this.#steps] as const;
    const other = this.#otherNet(labels.length), count = this.#count(), helper = this.#helper;
    if (!other) return (this.#wasm.lenet_adam(this.#net, 0, ...adam, 0, count), result);
    // both threads: the helper updates the second half of the parameters
    const half = (count >> 1) & ~3;
    helper!.ints[Control.from] = half, helper!.ints[Control.to] = count;
    helper!.floats.set(adam, Control.adam);
    const generation = hand(helper!, Task.adam);
    this.#wasm.lenet_adam(this.#net, other, ...adam, 0, half);
    finish(helper!, generation);
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
    const other = this.#otherNet(labels.length);
    if (other) {
      const theirs = this.#view(this.#wasm.lenet_grads(other), sum.length);
      for (let i = 0; i < sum.length; i++) sum[i]! += theirs[i]!;
    }
    return sum;
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
    };
  }

  /**
   * Continues from a checkpointed Adam state.
   *
   * @param state What {@linkcode FusedTrainer.adamState} returned.
   * @throws {RangeError} When the state is for another number of parameters.
   */
  restoreAdam(state: FusedAdamState): void {
    const n = this.#count();
    if (state.m.length !== n || state.v.length !== n) {
      throw new RangeError(`Adam state has ${state.m.length} moments, the model ${n} parameters`);
    }
    this.#view(this.#wasm.lenet_moments(this.#net, 0), n).set(state.m);
    this.#view(this.#wasm.lenet_moments(this.#net, 1), n).set(state.v);
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

  /** Stops the worker thread, if any. The trainer is not usable afterwards. */
  dispose(): void {
    const helper = this.#helper;
    if (!helper) return;
    hand(helper, Task.quit);
    helper.worker.terminate();
  }

  /** Same as {@linkcode FusedTrainer.dispose}, for `using`. */
  [Symbol.dispose](): void {
    this.dispose();
  }
}

async function startHelper(setup: WorkerSetup, url: URL): Promise<Helper> {
  const worker = await startThread(url, setup);
  const { buffer } = setup.memory;
  return {
    worker,
    net: setup.net,
    ints: new Int32Array(buffer, setup.control, CONTROL_WORDS),
    floats: new Float32Array(buffer, setup.control, CONTROL_WORDS),
  };
}

// Gives the helper a task (its arguments already in the control block); returns the generation
// to wait for.
function hand(helper: Helper, task: number): number {
  helper.ints[Control.task] = task;
  const generation = Atomics.add(helper.ints, Control.asked, 1) + 1;
  Atomics.notify(helper.ints, Control.asked);
  return generation;
}

// Blocks until the helper has finished `generation`; throws if its task failed.
function finish(helper: Helper, generation: number): void {
  const { ints } = helper;
  for (
    let done = Atomics.load(ints, Control.done);
    done !== generation;
    done = Atomics.load(ints, Control.done)
  ) {
    waitWhile(ints, Control.done, done);
  }
  if (ints[Control.failed]) throw new Error("The training worker failed (its error is printed above)");
}
