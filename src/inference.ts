/**
 * Classifying digits with an exported ONNX LeNet through onnxruntime-web's WebAssembly build.
 *
 * Deno resolves `onnxruntime-web` to its Node export, which loads `ort-wasm-simd-threaded.wasm`
 * from the installed package (also when this module is imported by URL) and runs extra threads
 * as `node:worker_threads`, which Deno has; browser-style classic workers, which Deno lacks, are
 * never used. SIMD is always on in that build. One thread is the default: on a 2-core machine a
 * single image gains nothing from a second thread, and a batch gains ~1.3x.
 *
 * @module
 */
import * as ort from "npm:onnxruntime-web@1.30.0";

/** One class and its probability. */
export interface ClassScore {
  /** The class (the digit). */
  digit: number;
  /** Its softmax probability. */
  probability: number;
}

/** The answer for one image. */
export interface Classification extends ClassScore {
  /** Probability of every class, in class order. */
  probabilities: number[];
  /** The `k` most probable classes, most probable first. */
  top: ClassScore[];
}

/** Options of {@linkcode OnnxClassifier.load}. */
export interface OnnxClassifierOptions {
  /**
   * Threads of onnxruntime-web's WebAssembly backend (set once per process).
   * @default 1
   */
  threads?: number;
  /**
   * How many classes `top` lists.
   * @default 3
   */
  topK?: number;
}

/** Raised when a model file is not ONNX or not a model this classifier can feed. */
export class OnnxModelError extends Error {
  /**
   * Creates the error.
   *
   * @param message What is wrong, naming the model.
   */
  constructor(message: string) {
    super(message);
    this.name = "OnnxModelError";
  }
}

/**
 * A digit classifier running an ONNX LeNet on onnxruntime-web.
 *
 * @example
 * ```ts ignore
 * import { OnnxClassifier } from "./inference.ts";
 * const classifier = await OnnxClassifier.load("models/lenet-mnist.onnx");
 * const [answer] = await classifier.classify(new Float32Array(784)); // a 28x28 image
 * console.log(answer.digit, answer.top);
 * ```
 */
export class OnnxClassifier {
  /** Input shape without the batch dimension: `[channels, height, width]`. */
  readonly inputShape: [number, number, number];
  /** Number of classes. */
  readonly numClasses: number;
  readonly #session: ort.InferenceSession;
  readonly #topK: number;

  private constructor(
    session: ort.InferenceSession,
    inputShape: [number, number, number],
    numClasses: number,
    topK: number,
  ) {
    this.#session = session;
    this.inputShape = inputShape;
    this.numClasses = numClasses;
    this.#topK = topK;
  }

  /**
   * Loads an ONNX model from a path or from bytes and checks that it takes `[batch, C, H, W]`.
   *
   * @param model A file path or the model's bytes.
   * @param options Threads and top-k.
   * @returns The classifier.
   * @throws {OnnxModelError} When the file is not an ONNX model or has the wrong input shape.
   *
   * @example
   * ```ts ignore
   * const classifier = await OnnxClassifier.load(await Deno.readFile("model.onnx"), { threads: 2 });
   * ```
   */
  static async load(
    model: string | Uint8Array,
    options: OnnxClassifierOptions = {},
  ): Promise<OnnxClassifier> {
    const { threads = 1, topK = 3 } = options;
    const name = typeof model === "string" ? model : "<bytes>";
    const bytes = typeof model === "string" ? await Deno.readFile(model) : model;
    ort.env.wasm.numThreads = threads;
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: "all" });
    } catch (error) {
      throw new OnnxModelError(`Not a usable ONNX model: ${name} (${firstLine(error)})`);
    }
    const meta = session.inputMetadata[0];
    const shape = meta && meta.isTensor ? meta.shape : [];
    const dims = shape.slice(1);
    if (session.inputNames.length !== 1 || shape.length !== 4 || !dims.every((d) => typeof d === "number")) {
      await session.release();
      throw new OnnxModelError(
        `Wrong input in ${name}: expected one float32 input [batch, channels, height, width], got [${shape}]`,
      );
    }
    const inputShape = dims as [number, number, number];
    const probe = await runSession(session, new Float32Array(inputShape[0] * inputShape[1] * inputShape[2]), [
      1,
      ...inputShape,
    ]);
    return new OnnxClassifier(session, inputShape, probe.length, topK);
  }

  /**
   * Raw output (class probabilities) of a batch, row after row.
   *
   * @param pixels `count` images back to back, each `C*H*W` floats in [0, 1].
   * @param count Number of images.
   * @returns `count * numClasses` probabilities.
   *
   * @example
   * ```ts ignore
   * const probs = await classifier.probabilities(batch, 256);
   * ```
   */
  async probabilities(pixels: Float32Array, count: number): Promise<Float32Array> {
    const size = this.inputShape.reduce((a, b) => a * b, 1);
    if (pixels.length !== count * size) {
      throw new RangeError(
        `Expected ${count} images of ${size} floats (${count * size}), got ${pixels.length}`,
      );
    }
    return await runSession(this.#session, pixels, [count, ...this.inputShape]);
  }

  /**
   * Classifies one image or a batch.
   *
   * @param pixels One or more images back to back, each `C*H*W` floats in [0, 1], white on black.
   * @returns One classification per image.
   *
   * @example
   * ```ts ignore
   * const [answer] = await classifier.classify(prepared.pixels);
   * console.log(`${answer.digit} (${(answer.probability * 100).toFixed(1)}%)`);
   * ```
   */
  async classify(pixels: Float32Array): Promise<Classification[]> {
    const size = this.inputShape.reduce((a, b) => a * b, 1);
    const count = Math.floor(pixels.length / size);
    const probs = await this.probabilities(pixels, count);
    return Array.from({ length: count }, (_, i) => {
      const row = Array.from(probs.subarray(i * this.numClasses, (i + 1) * this.numClasses));
      const ranked = row.map((probability, digit) => ({ digit, probability }))
        .sort((a, b) => b.probability - a.probability);
      return { ...ranked[0]!, probabilities: row, top: ranked.slice(0, this.#topK) };
    });
  }

  /** Frees the onnxruntime session. */
  async release(): Promise<void> {
    await this.#session.release();
  }
}

async function runSession(
  session: ort.InferenceSession,
  pixels: Float32Array,
  shape: number[],
): Promise<Float32Array> {
  const input = new ort.Tensor("float32", pixels, shape);
  const outputs = await session.run({ [session.inputNames[0]!]: input });
  return outputs[session.outputNames[0]!]!.data as Float32Array;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0]!;
}
