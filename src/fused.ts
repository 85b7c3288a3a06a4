/**
 * The fast training engine: a whole LeNet training step (forward, categorical cross-entropy,
 * backward, Adam) in ONE call into our C/WebAssembly SIMD module (`wasm/lenet.c`), with the
 * weights, Adam's moments and every activation kept in that module's memory. tfjs-wasm spends
 * most of a step dispatching ~320 small operations; here a step is one call.
 *
 * The arithmetic is tfjs's: the same weight layout (weights copy in and out unchanged), Keras'
 * loss, and tfjs's Adam update (ε added after bias correction).
 *
 * @module
 */
import * as tf from "npm:@tensorflow/tfjs@4.22.0";
import { LENET_WASM_BASE64 } from "./_wasm_modules.ts";
import { type Activation, ACTIVATIONS } from "./config.ts";
import { ADAM, crossEntropy } from "./loss.ts";
import type { LeNet } from "./model.ts";

interface Exports {
  memory: WebAssembly.Memory;
  heap_base(): number;
  lenet_init(
    base: number,
    c1: number,
    c2: number,
    h1: number,
    h2: number,
    k: number,
    kind: number,
    maxB: number,
  ): number;
  lenet_params(): number;
  lenet_param_count(): number;
  lenet_grads(): number;
  lenet_moments(second: number): number;
  lenet_probs(): number;
  lenet_forward(x: number, batch: number): void;
  lenet_backward(x: number, labels: number, batch: number): void;
  lenet_adam(lr: number, b1: number, b2: number, eps: number, accB1: number, accB2: number): void;
}

const fromBase64 = (Uint8Array as unknown as { fromBase64(s: string): Uint8Array<ArrayBuffer> }).fromBase64;

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

/**
 * A LeNet training in WebAssembly memory, one call per step.
 *
 * @example
 * ```ts
 * import { FusedTrainer } from "./fused.ts";
 * import { LeNet } from "./model.ts";
 * const lenet = LeNet.create({ activation: "relu" });
 * const trainer = await FusedTrainer.create(lenet, 32);
 * const { lossSum } = trainer.step(new Float32Array(32 * 784), new Int32Array(32), 1e-3);
 * console.log(lossSum > 0); // true
 * trainer.writeTo(lenet); // the tfjs model now holds the trained weights
 * lenet.dispose();
 * ```
 */
export class FusedTrainer {
  readonly #wasm: Exports;
  readonly #maxBatch: number;
  readonly #numClasses: number;
  readonly #x: number;
  readonly #labels: number;
  #steps = 0;

  private constructor(wasm: Exports, maxBatch: number, numClasses: number, x: number, labels: number) {
    this.#wasm = wasm;
    this.#maxBatch = maxBatch;
    this.#numClasses = numClasses;
    this.#x = x;
    this.#labels = labels;
  }

  /**
   * Copies a LeNet's weights into a new WebAssembly instance. Adam starts fresh.
   *
   * @param lenet A LeNet with 28x28x1 input (any layer sizes and activation).
   * @param maxBatch Largest batch `step` will get.
   * @returns The trainer.
   * @throws {RangeError} For another input shape.
   */
  static async create(lenet: LeNet, maxBatch: number): Promise<FusedTrainer> {
    const { config } = lenet;
    if (config.inputShape.join() !== "28,28,1") {
      throw new RangeError(`The fused engine trains 28x28x1 inputs, got [${config.inputShape}]`);
    }
    const { instance } = await WebAssembly.instantiate(fromBase64(LENET_WASM_BASE64), {});
    const wasm = instance.exports as unknown as Exports;
    const { conv1Filters: c1, conv2Filters: c2, fc1Units: h1, fc2Units: h2, numClasses: k } = config;
    const params = lenet.countParams();
    const perImage = 784 * c1 * 2 + 196 * c1 * 3 + 196 * c2 * 2 + 49 * c2 * 3 + (h1 + h2 + k) * 2;
    const bytes = 4 * (4 * params + maxBatch * (perImage + 785)) + 64 * 40;
    const base = (wasm.heap_base() + 15) & ~15;
    const missing = base + bytes - wasm.memory.buffer.byteLength;
    if (missing > 0) wasm.memory.grow(Math.ceil(missing / 65536));
    const end = wasm.lenet_init(base, c1, c2, h1, h2, k, kindOf(config.activation), maxBatch);
    const x = (end + 15) & ~15, labels = x + maxBatch * 784 * 4;
    const trainer = new FusedTrainer(wasm, maxBatch, k, x, labels);
    trainer.#load(lenet);
    return trainer;
  }

  #view(at: number, length: number): Float32Array {
    return new Float32Array(this.#wasm.memory.buffer, at, length);
  }

  #load(lenet: LeNet): void {
    const values = lenet.model.getWeights().map((w) => w.dataSync() as Float32Array);
    const params = this.#view(this.#wasm.lenet_params(), this.#wasm.lenet_param_count());
    let at = 0;
    for (const v of values) params.set(v, at), at += v.length;
  }

  #forwardBackward(pixels: Float32Array, labels: Int32Array): StepResult {
    const n = labels.length;
    if (n > this.#maxBatch || pixels.length !== n * 784) {
      throw new RangeError(
        `Expected at most ${this.#maxBatch} images of 784 floats, got ${pixels.length / 784}`,
      );
    }
    this.#view(this.#x, n * 784).set(pixels);
    new Int32Array(this.#wasm.memory.buffer, this.#labels, n).set(labels);
    this.#wasm.lenet_forward(this.#x, n);
    const probs = this.#view(this.#wasm.lenet_probs(), n * this.#numClasses);
    let lossSum = 0, correct = 0;
    for (let i = 0; i < n; i++) {
      const row = probs.subarray(i * this.#numClasses, (i + 1) * this.#numClasses);
      let best = 0;
      for (let c = 1; c < row.length; c++) if (row[c]! > row[best]!) best = c;
      if (best === labels[i]) correct++;
      lossSum += crossEntropy(row[labels[i]!]!);
    }
    this.#wasm.lenet_backward(this.#x, this.#labels, n);
    return { lossSum, correct };
  }

  /**
   * One Adam step on a batch.
   *
   * @param pixels `n` images, 784 floats each in [0, 1].
   * @param labels `n` class indices.
   * @param learningRate This step's learning rate.
   * @returns The batch's loss and correct count, computed before the update.
   */
  step(pixels: Float32Array, labels: Int32Array, learningRate: number): StepResult {
    const result = this.#forwardBackward(pixels, labels);
    this.#steps++;
    const { beta1, beta2, epsilon } = ADAM;
    this.#wasm.lenet_adam(learningRate, beta1, beta2, epsilon, beta1 ** this.#steps, beta2 ** this.#steps);
    return result;
  }

  /**
   * The gradient of the mean loss of a batch, without updating anything: for checking against
   * tfjs.
   *
   * @param pixels `n` images.
   * @param labels `n` class indices.
   * @returns All gradients, in tfjs's weight order, concatenated.
   */
  gradients(pixels: Float32Array, labels: Int32Array): Float32Array {
    this.#forwardBackward(pixels, labels);
    return this.#view(this.#wasm.lenet_grads(), this.#wasm.lenet_param_count()).slice();
  }

  /**
   * A copy of Adam's state, to checkpoint.
   *
   * @returns Steps taken and both moments.
   */
  adamState(): FusedAdamState {
    const n = this.#wasm.lenet_param_count();
    return {
      steps: this.#steps,
      m: this.#view(this.#wasm.lenet_moments(0), n).slice(),
      v: this.#view(this.#wasm.lenet_moments(1), n).slice(),
    };
  }

  /**
   * Continues from a checkpointed Adam state.
   *
   * @param state What {@linkcode FusedTrainer.adamState} returned.
   * @throws {RangeError} When the state is for another number of parameters.
   */
  restoreAdam(state: FusedAdamState): void {
    const n = this.#wasm.lenet_param_count();
    if (state.m.length !== n || state.v.length !== n) {
      throw new RangeError(`Adam state has ${state.m.length} moments, the model ${n} parameters`);
    }
    this.#view(this.#wasm.lenet_moments(0), n).set(state.m);
    this.#view(this.#wasm.lenet_moments(1), n).set(state.v);
    this.#steps = state.steps;
  }

  /**
   * Copies the trained weights into a LeNet of the same configuration.
   *
   * @param lenet The model to update.
   */
  writeTo(lenet: LeNet): void {
    const params = this.#view(this.#wasm.lenet_params(), this.#wasm.lenet_param_count());
    let at = 0;
    const tensors = lenet.model.getWeights().map((w) => {
      const t = tf.tensor(params.slice(at, at + w.size), w.shape);
      at += w.size;
      return t;
    });
    lenet.model.setWeights(tensors);
    tf.dispose(tensors);
  }
}
