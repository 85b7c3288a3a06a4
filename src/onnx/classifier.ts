/**
 * Classifying digits with an exported ONNX LeNet through onnxruntime-web's WebAssembly build.
 *
 * Deno resolves `onnxruntime-web` to its Node export, which loads `ort-wasm-simd-threaded.wasm`
 * from the installed package (also when this module is imported by URL) and runs extra threads
 * as `node:worker_threads`, which Deno has; browser-style classic workers, which Deno lacks, are
 * never used. SIMD is always on in that build. Its process-wide settings (threads, where its
 * `.wasm` comes from) are `runtime.ts`'s.
 *
 * @module
 */
import { ArgumentError, firstLine } from "../errors.ts";
import { count as wholeNumber, floats, list, object, positive } from "../_arguments.ts";
import { readBounded } from "../_bounded_read.ts";
import { IMAGE_SIDE, MODEL_TIMEOUT_MS } from "../config.ts";
import { GRAPH_LIMITS, type GraphLimits } from "./graph_limits.ts";
import { OnnxModelError } from "./model_error.ts";
import { IsolatedSession, LocalSession, type ModelSession } from "./session.ts";
import { shippedGraph } from "./trusted_models.ts";
import type { PreparedDigit } from "../images/digit.ts";
import { checkRaster, prepareRaster, type RasterImage } from "../images/raster.ts";
import type { PictureLimits } from "../images/picture_decoder.ts";
import { showAs } from "../display_hook.ts";

/**
 * The model `OnnxClassifier.load()` loads when given none: the most accurate LeNet this repository
 * ships (`deno task train --recipe best --simd plain --threads 2 --seed 1`, 99.46% on MNIST's test
 * set; `models/models.json` lists every shipped model with the command that remakes it). Beside
 * this module, so it is found when the module is imported from disk, by URL or from a registry.
 */
export const SHIPPED_MODEL: URL = new URL("../../models/lenet-best/model.onnx", import.meta.url);

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

/** Largest ONNX model file accepted, in bytes (the tutorial's LeNet is 0.4 MB). */
export const MAX_MODEL_BYTES: number = 64 * 1024 * 1024;
/** Largest input image a model may declare, in values (channels x height x width). */
export const MAX_INPUT_VALUES: number = GRAPH_LIMITS.maxInputValues;
/** How long loading a model from a URL may take, its whole body included, in milliseconds. */
export const FETCH_TIMEOUT_MS = 30_000;
const ISOLATIONS = ["auto", "isolated", "here"];
/** How many times its first image's time a model may take for each image of a later call. */
const SLOWER_THAN_FIRST = 4;

/** The answer for one picture: the classification and the 28x28 digit the model saw. */
export interface ImageClassification extends Classification {
  /** The picture as prepared for the model. */
  prepared: PreparedDigit;
}

/** Options of {@linkcode OnnxClassifier.load}. */
export interface OnnxClassifierOptions {
  /**
   * How many classes `top` lists.
   * @default 3
   */
  topK?: number;
  /**
   * Bounds of the graph check that runs before onnxruntime sees the model.
   * @default GRAPH_LIMITS
   */
  limits?: Partial<GraphLimits>;
  /**
   * How long a URL load may take, whole body included, in milliseconds.
   * @default {30_000}
   */
  fetchTimeoutMs?: number;
  /**
   * Bounds of reading a picture in {@linkcode OnnxClassifier.classifyImage}.
   * @default PICTURE_LIMITS
   */
  pictureLimits?: Partial<PictureLimits>;
  /**
   * Where the model runs: `"auto"` on this thread for a shipped model (known by its SHA-256),
   * isolated with deadlines for any other (in Deno a process of its own when it may start Deno,
   * else a worker); `"isolated"` always so; `"here"` always on this thread, with no deadline (for
   * a model you trust: a hostile one can then hang the caller).
   * @default "auto"
   */
  isolation?: "auto" | "isolated" | "here";
  /**
   * How long an isolated model may take to load and answer its first image, in milliseconds
   * (a later call: this plus four times that first image's time for each of its images).
   * @default {2_000}
   */
  timeoutMs?: number;
  /**
   * The worker's module, for a page whose bundler moved it (`src/onnx/_session_worker.ts`,
   * bundled); Deno finds it beside this module.
   */
  workerUrl?: URL;
}

export { OnnxModelError };

/**
 * A digit classifier running an ONNX LeNet on onnxruntime-web.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { OnnxClassifier } from "./classifier.ts";
 * const classifier = await OnnxClassifier.load(); // the shipped model
 * const one = new Float32Array(784);
 * for (let y = 4; y < 24; y++) one[y * 28 + 14] = 1; // a vertical stroke, white on black
 * const [answer] = await classifier.classify(one);
 * assert.equal(answer!.digit, 1);
 * await classifier.release();
 * ```
 */
export class OnnxClassifier {
  /** Input shape without the batch dimension: `[channels, height, width]`. */
  readonly inputShape: [number, number, number];
  /** Number of classes. */
  readonly numClasses: number;
  /** Where the model came from: its path or URL, or `<bytes>`. */
  readonly source: string;
  /** Whether the model runs isolated, with deadlines (see {@linkcode OnnxClassifierOptions.isolation}). */
  readonly isolated: boolean;
  readonly #session: ModelSession;
  readonly #topK: number;
  readonly #timeoutMs: number;
  readonly #firstImageMs: number;
  readonly #batchImages: number;
  readonly #pictureLimits: Partial<PictureLimits>;
  // started by the first classifyImage, ended by release()
  #decoder?: Promise<import("../images/picture_decoder.ts").PictureDecoder>;

  private constructor(
    session: ModelSession,
    numClasses: number,
    source: string,
    run: { topK: number; timeoutMs: number; firstImageMs: number; batchImages: number },
    pictureLimits: Partial<PictureLimits>,
  ) {
    this.#session = session;
    this.isolated = session instanceof IsolatedSession;
    this.#pictureLimits = pictureLimits;
    this.source = source;
    this.inputShape = session.inputShape;
    this.numClasses = numClasses;
    this.#topK = run.topK;
    this.#timeoutMs = run.timeoutMs;
    this.#firstImageMs = run.firstImageMs;
    this.#batchImages = run.batchImages;
  }

  /**
   * Loads an ONNX model and checks that it takes `[batch, C, H, W]` and answers a blank image
   * with class probabilities. A model that is not one this repository ships runs isolated (a
   * process of its own, or a worker), ended when a call passes its deadline ({@linkcode OnnxClassifierOptions.isolation}).
   *
   * @param model A file path, a `file:` or `http(s):` URL, or the model's bytes; by default the
   *   shipped model ({@linkcode SHIPPED_MODEL}).
   * @param options Top-k, the graph check's limits, a URL's timeout, where the model runs.
   * @returns The classifier.
   * @throws {OnnxModelError} When the file is not an ONNX model, has the wrong input shape, or
   *   does not load and answer in time.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { OnnxClassifier } from "./classifier.ts";
   * const classifier = await OnnxClassifier.load(new URL("../../models/lenet-tutorial/model.onnx", import.meta.url));
   * assert.deepEqual(classifier.inputShape, [1, 28, 28]);
   * assert.equal(classifier.isolated, false); // a shipped model runs on this thread
   * await classifier.release();
   * ```
   */
  static async load(
    model: string | URL | Uint8Array = SHIPPED_MODEL,
    options: OnnxClassifierOptions = {},
  ): Promise<OnnxClassifier> {
    if (!(typeof model === "string" || model instanceof URL || model instanceof Uint8Array)) {
      throw new ArgumentError(
        `OnnxClassifier.load(model): expected a path, a URL or the model's bytes, got ${model}`,
      );
    }
    const opts: OnnxClassifierOptions = object(options, "OnnxClassifier.load(options)");
    const topK = wholeNumber(opts.topK ?? 3, "OnnxClassifier.load(options.topK)", 1);
    const fetchTimeoutMs = positive(
      opts.fetchTimeoutMs ?? FETCH_TIMEOUT_MS,
      "OnnxClassifier.load(options.fetchTimeoutMs)",
    );
    const timeoutMs = positive(opts.timeoutMs ?? MODEL_TIMEOUT_MS, "OnnxClassifier.load(options.timeoutMs)");
    const { limits = {}, pictureLimits = {}, isolation = "auto", workerUrl } = opts;
    if (!ISOLATIONS.includes(isolation)) {
      throw new ArgumentError(
        `OnnxClassifier.load(options.isolation): expected one of ${ISOLATIONS.join(", ")}, got ${isolation}`,
      );
    }
    const name = model instanceof Uint8Array ? "<bytes>" : String(model);
    const bytes = model instanceof Uint8Array ? model : await readModel(model, fetchTimeoutMs);
    const shipped = await shippedGraph(bytes);
    // before onnxruntime allocates anything for it; a shipped model's check was recorded when it
    // was shipped (the graph check's schema and protobufjs take ~80 ms to load)
    const liveValues = shipped?.liveValues !== undefined && Object.keys(limits).length === 0
      ? shipped.liveValues
      : (await import("./graph_check.ts")).checkGraph(bytes, name, limits).liveValues;
    const here = isolation === "here" || (isolation === "auto" && shipped !== undefined);
    const session = here
      ? await LocalSession.open(bytes, name)
      : await IsolatedSession.open(bytes, name, timeoutMs, workerUrl);
    try {
      const started = performance.now();
      const blank = new Float32Array(session.inputShape.reduce((a, b) => a * b, 1));
      const probe = await session.run(blank, 1, timeoutMs);
      checkProbabilities(probe, probe.length, name);
      const run = {
        topK,
        timeoutMs,
        firstImageMs: performance.now() - started,
        batchImages: batchImages(liveValues, { ...GRAPH_LIMITS, ...limits }),
      };
      return new OnnxClassifier(session, probe.length, name, run, pictureLimits);
    } catch (error) {
      await session.release();
      if (error instanceof OnnxModelError) throw error;
      throw new OnnxModelError(`Not a usable ONNX model: ${name} (${firstLine(error)})`);
    }
  }

  /**
   * Raw output (class probabilities) of a batch, row after row.
   *
   * @param pixels `count` images back to back, each `C*H*W` floats in [0, 1].
   * @param count Number of images.
   * @returns `count * numClasses` probabilities.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { OnnxClassifier } from "./classifier.ts";
   * const classifier = await OnnxClassifier.load();
   * const probs = await classifier.probabilities(new Float32Array(2 * 784), 2);
   * assert.equal(probs.length, 2 * 10);
   * assert.ok(Math.abs(probs.subarray(0, 10).reduce((a, b) => a + b) - 1) < 1e-5);
   * await classifier.release();
   * ```
   */
  async probabilities(pixels: Float32Array, images: number): Promise<Float32Array> {
    const size = this.inputShape.reduce((a, b) => a * b, 1);
    floats(pixels, "probabilities(pixels)");
    const count = wholeNumber(images, "probabilities(count)");
    if (pixels.length !== count * size) {
      throw new ArgumentError(
        `probabilities(pixels): expected ${count} images of ${size} floats (${
          count * size
        }), got ${pixels.length}`,
      );
    }
    const probs = new Float32Array(count * this.numClasses);
    // in batches whose activations fit the graph check's memory bound, each with its deadline
    for (let first = 0; first < count; first += this.#batchImages) {
      const n = Math.min(this.#batchImages, count - first);
      const limitMs = this.#timeoutMs + SLOWER_THAN_FIRST * n * this.#firstImageMs;
      try {
        probs.set(
          await this.#session.run(pixels.subarray(first * size, (first + n) * size), n, limitMs),
          first * this.numClasses,
        );
      } catch (error) {
        if (error instanceof OnnxModelError) throw error;
        throw new OnnxModelError(`Model ${this.source} failed on ${count} image(s): ${firstLine(error)}`);
      }
    }
    checkProbabilities(probs, this.numClasses, this.source);
    return probs;
  }

  /**
   * Classifies one image or a batch.
   *
   * @param pixels One or more images back to back, each `C*H*W` floats in [0, 1], white on black.
   * @returns One classification per image.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { OnnxClassifier } from "./classifier.ts";
   * const classifier = await OnnxClassifier.load();
   * const answers = await classifier.classify(new Float32Array(3 * 784)); // three blank images
   * assert.equal(answers.length, 3);
   * assert.equal(answers[0]!.top[0]!.digit, answers[0]!.digit);
   * await classifier.release();
   * ```
   */
  async classify(pixels: Float32Array): Promise<Classification[]> {
    const size = this.inputShape.reduce((a, b) => a * b, 1);
    const count = floats(pixels, "classify(pixels)").length / size;
    if (!Number.isInteger(count)) {
      throw new ArgumentError(
        `classify(pixels): expected whole images of ${size} floats, got ${pixels.length}`,
      );
    }
    const probs = await this.probabilities(pixels, count);
    return Array.from({ length: count }, (_, i) => {
      const row = Array.from(probs.subarray(i * this.numClasses, (i + 1) * this.numClasses));
      const ranked = row.map((probability, digit) => ({ digit, probability }))
        .sort((a, b) => b.probability - a.probability);
      const answer = { ...ranked[0]!, probabilities: row, top: ranked.slice(0, this.#topK) };
      return showAs(answer, "classification"); // in a notebook: bars
    });
  }

  /**
   * Classifies a picture of one digit (a photo, a scan, a canvas drawing: JPEG, PNG, WebP, GIF,
   * TIFF or AVIF bytes), upright whatever its EXIF orientation, prepared as MNIST's images were
   * (see `prepareDigit`). Photos are decoded by libvips in a decoding process that is killed at
   * the deadline (`PictureDecoder`; it needs `--allow-run` for Deno), small PNGs in this process.
   * In a browser, decode with `createImageBitmap` and call {@linkcode OnnxClassifier.classifyRaster}.
   *
   * @param bytes The file's bytes.
   * @returns The classification and the 28x28 the model saw.
   * @throws {ImageError} When the file is not a picture we read, passes a limit, or holds no digit.
   * @throws {OnnxModelError} When the model does not take 28x28 images of one channel.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { OnnxClassifier } from "./classifier.ts";
   * const classifier = await OnnxClassifier.load();
   * const photo = await Deno.readFile(new URL("../../tests/fixtures/photo_7.jpg", import.meta.url));
   * const answer = await classifier.classifyImage(photo);
   * assert.equal(answer.digit, 7);
   * assert.equal(answer.prepared.inverted, true); // dark ink on light paper
   * await classifier.release();
   * ```
   */
  async classifyImage(bytes: Uint8Array): Promise<ImageClassification> {
    this.#checkDigitInput(); // before decoding: a model that cannot answer fails first
    this.#decoder ??= import("../images/picture_decoder.ts").then(({ PictureDecoder }) =>
      new PictureDecoder({ limits: this.#pictureLimits })
    );
    const { width: _w, height: _h, ...prepared } = await (await this.#decoder).prepare(bytes);
    return this.#answer(prepared);
  }

  /**
   * Classifies digits already prepared (28x28, as `prepareDigit` or `PictureDecoder` give them) in
   * one batch.
   *
   * @param digits The prepared digits.
   * @returns One classification per digit, in order.
   * @throws {OnnxModelError} When the model does not take 28x28 images of one channel.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { OnnxClassifier } from "./classifier.ts";
   * import { prepareDigit } from "../images/digit.ts";
   * const classifier = await OnnxClassifier.load();
   * const gray = new Float32Array(40 * 40).fill(1); // white paper
   * for (let y = 6; y < 34; y++) for (let x = 18; x < 22; x++) gray[y * 40 + x] = 0; // a dark bar
   * const [answer] = await classifier.classifyDigits([prepareDigit(gray, 40, 40)]);
   * assert.equal(answer!.digit, 1);
   * await classifier.release();
   * ```
   */
  async classifyDigits(digits: readonly PreparedDigit[]): Promise<Classification[]> {
    this.#checkDigitInput();
    if (list(digits, "classifyDigits(digits)").length === 0) return [];
    const pixels = new Float32Array(digits.length * IMAGE_SIDE * IMAGE_SIDE);
    digits.forEach((digit, i) => {
      const what = `classifyDigits(digits[${i}].pixels)`;
      if (floats(digit?.pixels, what).length !== IMAGE_SIDE * IMAGE_SIDE) {
        throw new ArgumentError(
          `${what}: expected ${IMAGE_SIDE * IMAGE_SIDE} floats, got ${digit.pixels.length}`,
        );
      }
      pixels.set(digit.pixels, i * IMAGE_SIDE * IMAGE_SIDE);
    });
    return await this.classify(pixels);
  }

  /**
   * Classifies a decoded picture (a canvas's pixels, say) as {@linkcode OnnxClassifier.classifyImage}
   * classifies a file: the same preparation, without the codec.
   *
   * @param image The picture: gray, gray+alpha, RGB or RGBA samples.
   * @returns The answer and the 28x28 digit the model saw.
   * @throws {ImageError} When a field of the raster is missing or wrong, or the picture holds no digit.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { OnnxClassifier } from "./classifier.ts";
   * const classifier = await OnnxClassifier.load();
   * const data = new Uint8Array(60 * 60 * 4); // a transparent canvas
   * for (let y = 8; y < 52; y++) for (let x = 27; x < 33; x++) data[(y * 60 + x) * 4 + 3] = 255; // a black bar
   * const answer = await classifier.classifyRaster({ width: 60, height: 60, channels: 4, maxValue: 255, data });
   * assert.equal(answer.digit, 1);
   * await classifier.release();
   * ```
   */
  async classifyRaster(image: RasterImage): Promise<ImageClassification> {
    checkRaster(image); // a JavaScript caller's missing or wrong field, named before the model's
    this.#checkDigitInput();
    return await this.#answer(prepareRaster(image));
  }

  async #answer(prepared: PreparedDigit): Promise<ImageClassification> {
    const [answer] = await this.classify(prepared.pixels);
    const result = { ...answer!, prepared };
    // in a notebook: the 28x28 the model saw, beside its top classes
    return showAs(result, "classification", () => ({ ...result, pixels: prepared.pixels }));
  }

  #checkDigitInput(): void {
    if (this.inputShape.join() !== [1, IMAGE_SIDE, IMAGE_SIDE].join()) {
      throw new OnnxModelError(
        `Model ${this.source} expects input [${
          this.inputShape.join(", ")
        }]; digits are prepared as [1, 28, 28]`,
      );
    }
  }

  /** Frees the onnxruntime session, and ends the picture decoder's processes. */
  async release(): Promise<void> {
    await (await this.#decoder)?.close();
    await this.#session.release();
  }
}

async function readModel(model: string | URL, timeoutMs: number): Promise<Uint8Array> {
  const errorOf = (reason: string) => new OnnxModelError(`Cannot read the model ${model}: ${reason}`);
  if (typeof model === "string") return await readBounded(model, MAX_MODEL_BYTES, errorOf);
  if (model.protocol === "file:") return await readBounded(model, MAX_MODEL_BYTES, errorOf);
  try {
    return await fetchBounded(model, timeoutMs, errorOf);
  } catch (error) {
    if (error instanceof OnnxModelError) throw error;
    const timedOut = error instanceof DOMException && error.name === "TimeoutError"; // AbortSignal.timeout
    throw errorOf(timedOut ? `no whole answer within ${timeoutMs / 1000} s` : firstLine(error));
  }
}

// The body is read as it streams, and dropped the moment it passes the limit: neither an endless
// body nor a lying Content-Length gets further. The timeout covers the body too.
async function fetchBounded(
  url: URL,
  timeoutMs: number,
  errorOf: (reason: string) => Error,
): Promise<Uint8Array> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    throw errorOf(`HTTP ${response.status}`);
  }
  const tooLarge = () => errorOf(`larger than ${MAX_MODEL_BYTES.toLocaleString("en-US")} bytes`);
  if (Number(response.headers.get("content-length") ?? 0) > MAX_MODEL_BYTES) {
    await response.body.cancel();
    throw tooLarge();
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of response.body) {
    total += chunk.length;
    if (total > MAX_MODEL_BYTES) throw tooLarge(); // leaving the loop cancels the stream
    chunks.push(chunk);
  }
  const bytes = new Uint8Array(total);
  chunks.reduce((at, chunk) => (bytes.set(chunk, at), at + chunk.length), 0);
  return bytes;
}

// How many images one run may take: as many as keep the graph's live values (activations and
// scratch, for one image times the batch) within the graph check's memory bound.
function batchImages(liveValues: number, limits: GraphLimits): number {
  return Math.max(1, Math.floor(limits.maxLiveValues / Math.max(1, liveValues)));
}

// Every row of a classifier's output must be probabilities: finite, in [0, 1], summing to 1.
function checkProbabilities(probs: Float32Array, numClasses: number, name: string): void {
  for (let row = 0; row < probs.length; row += numClasses) {
    let sum = 0;
    for (let k = row; k < row + numClasses; k++) {
      const p = probs[k]!;
      if (!(p >= 0 && p <= 1)) {
        throw new OnnxModelError(`Model ${name} does not output class probabilities: got ${p}`);
      }
      sum += p;
    }
    if (Math.abs(sum - 1) > 1e-3) {
      throw new OnnxModelError(`Model ${name} does not output class probabilities: a row sums to ${sum}`);
    }
  }
}
