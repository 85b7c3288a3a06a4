/**
 * Every default of the project, in one typed place: the LeNet architecture and the training
 * recipe. Other modules destructure these; nothing else states a default.
 *
 * @module
 */
import { LenetError } from "./errors.ts";

/** The name this project writes into the files it makes: an ONNX model's producer, a PNG's `Software`. */
export const SOFTWARE = "lenet";

/** Side of an MNIST image and of the LeNet's input, in pixels. */
export const IMAGE_SIDE = 28;
/** Pixels of one image: 28 x 28. */
export const IMAGE_PIXELS: number = IMAGE_SIDE * IMAGE_SIDE;

/**
 * The longer side a picture is shrunk to before its digit is prepared, in Deno (libvips) and in
 * the page (the browser's decoder) alike: a digit needs ~100 pixels, and preparing costs per pixel.
 */
export const WORKING_SIDE = 512;

/**
 * How long one picture may take to read, in milliseconds: `PictureDecoder` kills its decoding
 * process then, the page its picture worker (`PictureLimits.timeoutMs`, `predict --timeout`).
 */
export const PICTURE_TIMEOUT_MS = 20_000;

/**
 * How long a model that is not a shipped one may take to load and answer its first image (a blank
 * one), in milliseconds; a later call may take this plus four times the first image's time for
 * each of its images. Past it, the model's worker is terminated (`OnnxClassifierOptions.timeoutMs`).
 */
export const MODEL_TIMEOUT_MS = 2_000;

/** An activation of the LeNet's hidden layers. */
export type Activation = "sigmoid" | "relu" | "tanh" | "elu";

/** Every {@linkcode Activation}, in the order the C engine numbers them. */
export const ACTIVATIONS: readonly Activation[] = Object.freeze(["sigmoid", "relu", "tanh", "elu"]);

/** A learning-rate schedule (see {@linkcode TrainConfig.schedule}). */
export type Schedule = "constant" | "cosine" | "one-cycle";

/** Every {@linkcode Schedule}. */
export const SCHEDULES: readonly Schedule[] = Object.freeze(["constant", "cosine", "one-cycle"]);

/** What runs the training steps (see {@linkcode TrainConfig.engine}). */
export type Engine = "fused" | "tfjs";

/** Every {@linkcode Engine}, the default first. */
export const ENGINES: readonly Engine[] = Object.freeze(["fused", "tfjs"]);

/**
 * Which build of the fused engine runs (see {@linkcode TrainConfig.simd}): `auto` takes relaxed SIMD
 * where the runtime has it; `plain` gives the same bits on every CPU.
 */
export type SimdChoice = "auto" | "plain" | "relaxed";

/** Every {@linkcode SimdChoice}, the default first. */
export const SIMD_CHOICES: readonly SimdChoice[] = Object.freeze(["auto", "plain", "relaxed"]);

// "a, b or c", for the error that lists what a setting takes
const oneOf = (names: readonly string[]) => `${names.slice(0, -1).join(", ")} or ${names.at(-1)}`;

/** The architecture of a LeNet: every size the classic tutorial fixes, made configurable. */
export interface LeNetConfig {
  /** Input image shape, height x width x channels. */
  inputShape: [number, number, number];
  /** Filters of the first 3x3 convolution. */
  conv1Filters: number;
  /** Filters of the second 3x3 convolution. */
  conv2Filters: number;
  /** Units of the first dense layer. */
  fc1Units: number;
  /** Units of the second dense layer. */
  fc2Units: number;
  /** Number of output classes (softmax). */
  numClasses: number;
  /** Activation of every hidden layer. */
  activation: Activation;
}

/**
 * The tutorial's LeNet: 106,154 parameters.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_LENET } from "./config.ts";
 * assert.equal(DEFAULT_LENET.conv1Filters, 6);
 * ```
 */
export const DEFAULT_LENET: Readonly<LeNetConfig> = Object.freeze<LeNetConfig>({
  inputShape: [IMAGE_SIDE, IMAGE_SIDE, 1],
  conv1Filters: 6,
  conv2Filters: 16,
  fc1Units: 120,
  fc2Units: 84,
  numClasses: 10,
  activation: "sigmoid",
});

/** Largest filter or unit count of a layer: a file declaring more is refused before allocating. */
export const MAX_LAYER_SIZE = 4096;
/** Largest input side, in pixels. */
export const MAX_IMAGE_SIDE = 1024;
/** Most weights a LeNet may have (16 M floats, 64 MB; the tutorial's has 106,154). */
export const MAX_PARAMETERS = 16_000_000;

/** Largest seed: seeds are used modulo 2^32 (mulberry32), so a larger one would repeat a smaller one's run. */
export const MAX_SEED = 0xffffffff;

/** Most threads the fused engine takes: its own and 63 helpers (lenet.c's MAX_NETS). */
export const FUSED_MAX_THREADS = 64;

/** Images of a batch below which one more fused-engine thread does not pay for its hand-offs. */
export const IMAGES_PER_THREAD = 8;

/**
 * The fused engine's thread count when none is given: every core the runtime reports, but at most
 * one thread per {@linkcode IMAGES_PER_THREAD} images of a batch, and at least one.
 *
 * @param batchSize Images per step.
 * @param cores Cores to use.
 * @returns Threads.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultThreads } from "./config.ts";
 * assert.equal(defaultThreads(32, 2), 2);
 * assert.equal(defaultThreads(32, 16), 4); // 8 images a thread
 * assert.equal(defaultThreads(4, 16), 1);
 * ```
 */
export function defaultThreads(
  batchSize: number,
  cores: number = navigator.hardwareConcurrency ?? 1,
): number {
  const byBatch = Math.floor(batchSize / IMAGES_PER_THREAD);
  return Math.max(1, Math.min(FUSED_MAX_THREADS, cores, byBatch));
}

/** The largest value of each augmentation range a recipe may ask for (the smallest is 0). */
export const AUGMENT_LIMITS: Readonly<
  Pick<
    TrainConfig,
    | "augmentRotation"
    | "augmentScale"
    | "augmentShear"
    | "augmentShift"
    | "augmentElastic"
    | "augmentAlpha"
    | "augmentSigma"
  >
> = Object.freeze({
  augmentRotation: 180,
  augmentScale: 0.9,
  augmentShear: 1,
  augmentShift: IMAGE_SIDE / 2,
  augmentElastic: 4,
  augmentAlpha: 100,
  augmentSigma: 8,
});

/** The training recipe: Adam on categorical cross-entropy, its learning rate on a schedule. */
export interface TrainConfig {
  /** Passes over the training set. */
  epochs: number;
  /** Images per gradient step. */
  batchSize: number;
  /** Adam's peak learning rate. */
  learningRate: number;
  /** Adam's decay of its first moment, β1 (0.9 in Keras and tfjs). */
  adamBeta1: number;
  /** Adam's decay of its second moment, β2 (0.999 in Keras and tfjs). */
  adamBeta2: number;
  /**
   * Learning-rate schedule over all steps: constant; cosine decay to zero; or one-cycle (linear
   * warm-up to the peak over the first `warmup` share of the steps, then cosine decay to zero).
   */
  schedule: Schedule;
  /** One-cycle's linear warm-up, as a share of all steps. */
  warmup: number;
  /**
   * What runs the training steps: `fused` (the whole step in one call into our own WebAssembly
   * SIMD module, `FusedTrainer`) or `tfjs` (tfjs's wasm SIMD backend with our kernels, ~10x slower).
   */
  engine: Engine;
  /** Threads of the fused engine, each taking a share of every batch; 0 for {@linkcode defaultThreads}. */
  threads: number;
  /**
   * The fused engine's build: `plain` SIMD gives the same bits on every CPU; `relaxed` SIMD's fused
   * multiply-add is faster and rounds once where the CPU has FMA, so its last bits depend on the
   * CPU; `auto` takes relaxed where the runtime validates it.
   */
  simd: SimdChoice;
  /**
   * Weight averaging (fused engine): an exponential moving average of the weights with this decay,
   * updated after every step, is what validation measures and what the run saves (0: none; 0.999
   * averages about the last thousand steps).
   */
  averageDecay: number;
  /**
   * Label smoothing (fused engine): each image's target is 1 - s + s / 10 for its label and s / 10
   * for every other class instead of 1 and 0 (0: the labels as they are). The loss a run reports is
   * still the cross-entropy against the labels.
   */
  labelSmoothing: number;
  /**
   * AdamW's decoupled weight decay (fused engine): each step also takes learning rate x this of
   * every weight away (0: plain Adam).
   */
  weightDecay: number;
  /** Fraction of the training set held out for validation; 0 validates on the test set. */
  validationSplit: number;
  /** Seed of weight initialisation and shuffling: the same seed gives the same run. */
  seed: number;
  /**
   * Augment the training images: each epoch, each image through its own random affine transform,
   * drawn from the four ranges below, and an elastic distortion when `augmentElastic` is above 0
   * (validation and test images are never augmented).
   */
  augment: boolean;
  /** Largest rotation, in degrees. */
  augmentRotation: number;
  /** Largest relative change of scale (0.12: 0.88 to 1.12 times). */
  augmentScale: number;
  /** Largest horizontal shear factor. */
  augmentShear: number;
  /** Largest shift along each axis, in pixels. */
  augmentShift: number;
  /** Elastic distortion: largest displacement of a smooth random field, in pixels (0: none; 2 is a
   * sensible amount, `deno task show --augment 15 --elastic 2` shows it). */
  augmentElastic: number;
  /** Simard's elastic distortion: the scale α of its smoothed per-pixel field, in pixels (0: none;
   * the paper used 34). */
  augmentAlpha: number;
  /** Simard's elastic distortion: the standard deviation σ of the Gaussian smoothing its field, in
   * pixels (the paper used 4; from 0.5 to 8). */
  augmentSigma: number;
}

/**
 * The recipe `deno task train` uses with no flags.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_TRAIN } from "./config.ts";
 * assert.equal(DEFAULT_TRAIN.batchSize, 32);
 * ```
 */
export const DEFAULT_TRAIN: Readonly<TrainConfig> = Object.freeze<TrainConfig>({
  epochs: 30,
  batchSize: 32,
  learningRate: 1e-3,
  adamBeta1: 0.9,
  adamBeta2: 0.999,
  schedule: "constant",
  warmup: 0.25,
  engine: "fused",
  threads: 0,
  simd: "auto",
  averageDecay: 0,
  labelSmoothing: 0,
  weightDecay: 0,
  validationSplit: 0,
  seed: 42,
  augment: false,
  augmentRotation: 12,
  augmentScale: 0.12,
  augmentShear: 0.15,
  augmentShift: 2.5,
  augmentElastic: 0,
  augmentAlpha: 0,
  augmentSigma: 4,
});

/** A named starting point for `deno task train --recipe`: what it changes from the defaults. */
export interface Recipe {
  /** What it is for, for `--help`. */
  description: string;
  /** Architecture changes. */
  model: Partial<LeNetConfig>;
  /** Training changes. */
  train: Partial<TrainConfig>;
}

/** A recipe's name (see {@linkcode RECIPES}). */
export type RecipeName = "tutorial" | "cosine" | "best";

/** Every {@linkcode RecipeName}, the default first. */
export const RECIPE_NAMES: readonly RecipeName[] = Object.freeze(["tutorial", "cosine", "best"]);

/**
 * The recipes `--recipe` names. Flags given beside one override it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RECIPES, resolveTrainConfig } from "./config.ts";
 * assert.equal(resolveTrainConfig(RECIPES.tutorial.train).epochs, 30); // the default
 * assert.equal(resolveTrainConfig(RECIPES.cosine.train).schedule, "cosine");
 * ```
 */
export const RECIPES: Readonly<Record<RecipeName, Recipe>> = Object.freeze({
  tutorial: {
    description:
      "the default, as the tutorial video runs it: 30 epochs, Adam 1e-3 constant, batch 32, sigmoid",
    model: {},
    train: {},
  },
  cosine: {
    description: "the tutorial's LeNet in half the epochs: 15, Adam 1e-3 decayed along a cosine",
    model: {},
    train: { epochs: 15, schedule: "cosine" },
  },
  best: {
    description: "the tutorial's layer sizes with relu, batch 128, one-cycle 4e-3, 40 epochs, affine " +
      "augmentation and Simard's elastic field at alpha 8 (chosen on a validation split: docs/accuracy.md)",
    model: { activation: "relu" },
    train: {
      epochs: 40,
      batchSize: 128,
      learningRate: 4e-3,
      schedule: "one-cycle",
      augment: true,
      augmentAlpha: 8,
      augmentSigma: 4,
    },
  },
});

/** Where one weight tensor lies in {@linkcode LeNetWeights.weights}. */
export interface WeightSlot {
  /** Layer name: `conv1`, `conv2`, `fc1`, `fc2` or `output`. */
  layer: string;
  /** `kernel` or `bias`. */
  kind: "kernel" | "bias";
  /** Shape: HWIO for convolution kernels, `[inputs, units]` for dense kernels. */
  shape: number[];
  /** First element. */
  offset: number;
  /** Number of elements. */
  size: number;
}

/**
 * The weight tensors of a LeNet configuration, in order, with their place in the flat array.
 *
 * @param config The architecture.
 * @returns Ten slots: kernel and bias of conv1, conv2, fc1, fc2 and output.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_LENET, weightSlots } from "./config.ts";
 * const slots = weightSlots(DEFAULT_LENET);
 * assert.deepEqual(slots[0]!.shape, [3, 3, 1, 6]);
 * assert.equal(slots.at(-1)!.offset + slots.at(-1)!.size, 106_154);
 * ```
 */
export function weightSlots(config: LeNetConfig): WeightSlot[] {
  const [h, w, c] = config.inputShape;
  const { conv1Filters: c1, conv2Filters: c2, fc1Units: f1, fc2Units: f2, numClasses: k } = config;
  const quarter = (n: number) => Math.ceil(Math.ceil(n / 2) / 2); // two 2x2 'same' poolings
  const kernels: [string, number[]][] = [
    ["conv1", [3, 3, c, c1]],
    ["conv2", [3, 3, c1, c2]],
    ["fc1", [quarter(h) * quarter(w) * c2, f1]],
    ["fc2", [f1, f2]],
    ["output", [f2, k]],
  ];
  const slots: WeightSlot[] = [];
  let offset = 0;
  for (const [layer, shape] of kernels) {
    for (const [kind, dims] of [["kernel", shape], ["bias", [shape.at(-1)!]]] as const) {
      const size = dims.reduce((a, b) => a * b, 1);
      slots.push({ layer, kind, shape: [...dims], offset, size });
      offset += size;
    }
  }
  return slots;
}

/**
 * How many weights a LeNet of this configuration has: all its slots together.
 *
 * @param config The architecture.
 * @returns The weight count (106,154 for the tutorial's LeNet).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_LENET, weightCount } from "./config.ts";
 * assert.equal(weightCount(DEFAULT_LENET), 106_154);
 * ```
 */
export function weightCount(config: LeNetConfig): number {
  const last = weightSlots(config).at(-1)!;
  return last.offset + last.size;
}

/** Raised when a configuration names an unknown key or holds a value out of range. */
export class ConfigError extends LenetError {}

function checkKeys(overrides: object, defaults: object, what: string): void {
  for (const key of Object.keys(overrides)) {
    if (!(key in defaults)) {
      throw new ConfigError(
        `Unknown ${what} option "${key}": expected one of ${Object.keys(defaults).join(", ")}`,
      );
    }
  }
}

/**
 * Checks a thread count: an integer from 1 to `max`. The one check of every thread count (the
 * fused engine's, onnxruntime-web's).
 *
 * @param threads The count asked for.
 * @param max The most this use allows.
 * @returns The count.
 * @throws {ConfigError} When it is not an integer in 1..max.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkThreads, ConfigError } from "./config.ts";
 * assert.equal(checkThreads(2, 2), 2);
 * assert.throws(() => checkThreads(1.5, 2), ConfigError);
 * ```
 */
export function checkThreads(threads: number, max: number): number {
  if (!Number.isInteger(threads) || threads < 1 || threads > max) {
    throw new ConfigError(`Invalid threads: expected an integer from 1 to ${max}, got ${threads}`);
  }
  return threads;
}

/**
 * Checks a count that must be a positive integer (epochs, batch size, layer sizes).
 *
 * @param value The value.
 * @param key Its name, for the message.
 * @param max The largest value allowed.
 * @throws {ConfigError} When it is not an integer from 1 to `max`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkPositiveInt, ConfigError } from "./config.ts";
 * assert.throws(() => checkPositiveInt(0, "epochs"), ConfigError);
 * ```
 */
export function checkPositiveInt(value: number, key: string, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? "a positive integer" : `an integer from 1 to ${max}`;
    throw new ConfigError(`Invalid ${key}: expected ${range}, got ${value}`);
  }
}

/**
 * Checks a fraction of the recipe: a number in [0, 1). The one check of each (`resolveTrainConfig`'s
 * {@linkcode FRACTIONS}, the fused engine's options).
 *
 * @param value The value.
 * @param key Its name, for the message.
 * @returns The value.
 * @throws {ConfigError} When it is not a number in [0, 1).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkFraction, ConfigError } from "./config.ts";
 * assert.equal(checkFraction(0.1, "labelSmoothing"), 0.1);
 * assert.throws(() => checkFraction(1, "labelSmoothing"), ConfigError);
 * ```
 */
export function checkFraction(value: number, key: string): number {
  if (!(value >= 0 && value < 1)) {
    throw new ConfigError(`Invalid ${key}: expected a number in [0, 1), got ${value}`);
  }
  return value;
}

/**
 * Merges overrides into {@linkcode DEFAULT_LENET} and validates the result.
 *
 * @param overrides Any subset of {@linkcode LeNetConfig}; unknown keys are an error.
 * @returns A complete, validated configuration.
 * @throws {ConfigError} On an unknown key, a non-positive size or an unknown activation.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfigError, resolveLeNetConfig } from "./config.ts";
 * const config = resolveLeNetConfig({ activation: "relu" });
 * assert.deepEqual([config.activation, config.fc1Units], ["relu", 120]);
 * assert.throws(() => resolveLeNetConfig({ fc1Units: 0 }), ConfigError);
 * ```
 */
export function resolveLeNetConfig(overrides: Partial<LeNetConfig> = {}): LeNetConfig {
  if (typeof overrides !== "object" || overrides === null) {
    throw new ConfigError(`Invalid model configuration: expected an object, got ${overrides}`);
  }
  checkKeys(overrides, DEFAULT_LENET, "model");
  const config: LeNetConfig = {
    ...DEFAULT_LENET,
    inputShape: [...DEFAULT_LENET.inputShape],
    ...overrides,
  };
  for (const key of ["conv1Filters", "conv2Filters", "fc1Units", "fc2Units", "numClasses"] as const) {
    checkPositiveInt(config[key], key, MAX_LAYER_SIZE);
  }
  if (!Array.isArray(config.inputShape) || config.inputShape.length !== 3) {
    throw new ConfigError(
      `Invalid inputShape: expected [height, width, channels], got [${config.inputShape}]`,
    );
  }
  config.inputShape.forEach((d, i) => checkPositiveInt(d, "inputShape", i < 2 ? MAX_IMAGE_SIDE : 4));
  const params = weightCount(config);
  if (params > MAX_PARAMETERS) {
    throw new ConfigError(
      `Invalid model: ${params.toLocaleString("en-US")} weights exceed the limit of ` +
        `${MAX_PARAMETERS.toLocaleString("en-US")}`,
    );
  }
  if (!ACTIVATIONS.some((activation) => activation === config.activation)) {
    throw new ConfigError(
      `Unknown activation "${config.activation}": expected one of ${ACTIVATIONS.join(", ")}`,
    );
  }
  return config;
}

/**
 * The recipe's fractions: each a number in [0, 1) (`resolveTrainConfig` checks them, and train's
 * flags take them with the same bounds).
 */
export const FRACTIONS = [
  "adamBeta1",
  "adamBeta2",
  "warmup",
  "averageDecay",
  "labelSmoothing",
  "weightDecay",
  "validationSplit",
] as const;

// What the tfjs engine does not do, each named as its error says it
const FUSED_ONLY = [
  ["averageDecay", "Weight averaging"],
  ["labelSmoothing", "Label smoothing"],
  ["weightDecay", "Weight decay"],
] as const;

/**
 * Merges overrides into {@linkcode DEFAULT_TRAIN} and validates the result.
 *
 * @param overrides Any subset of {@linkcode TrainConfig}; unknown keys are an error.
 * @returns A complete, validated recipe.
 * @throws {ConfigError} On an unknown key or a value out of range.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfigError, resolveTrainConfig } from "./config.ts";
 * assert.equal(resolveTrainConfig({ epochs: 1 }).epochs, 1);
 * assert.throws(() => resolveTrainConfig({ epoch: 1 } as never), ConfigError); // a typo is an error
 * ```
 */
export function resolveTrainConfig(overrides: Partial<TrainConfig> = {}): TrainConfig {
  checkKeys(overrides, DEFAULT_TRAIN, "training");
  const config: TrainConfig = { ...DEFAULT_TRAIN, ...overrides };
  checkPositiveInt(config.epochs, "epochs");
  checkPositiveInt(config.batchSize, "batchSize");
  if (!(config.learningRate > 0 && Number.isFinite(config.learningRate))) {
    throw new ConfigError(`Invalid learningRate: expected a positive number, got ${config.learningRate}`);
  }
  for (const key of FRACTIONS) checkFraction(config[key], key);
  if (!SCHEDULES.includes(config.schedule)) {
    throw new ConfigError(`Unknown schedule "${config.schedule}": expected ${oneOf(SCHEDULES)}`);
  }
  if (!ENGINES.includes(config.engine)) {
    throw new ConfigError(`Unknown engine "${config.engine}": expected ${oneOf(ENGINES)}`);
  }
  if (config.threads !== 0) checkThreads(config.threads, FUSED_MAX_THREADS); // 0: defaultThreads
  if (!SIMD_CHOICES.includes(config.simd)) {
    throw new ConfigError(`Unknown simd "${config.simd}": expected ${oneOf(SIMD_CHOICES)}`);
  }
  for (const [key, what] of FUSED_ONLY) {
    if (config[key] > 0 && config.engine !== "fused") {
      throw new ConfigError(`${what} (${key}) needs the fused engine`);
    }
  }
  if (!Number.isInteger(config.seed) || config.seed < 0 || config.seed > MAX_SEED) {
    throw new ConfigError(`Invalid seed: expected an integer from 0 to ${MAX_SEED}, got ${config.seed}`);
  }
  if (typeof config.augment !== "boolean") {
    throw new ConfigError(`Invalid augment: expected true or false, got ${config.augment}`);
  }
  for (const [key, max] of Object.entries(AUGMENT_LIMITS) as [keyof typeof AUGMENT_LIMITS, number][]) {
    const min = key === "augmentSigma" ? 0.5 : 0;
    if (!(config[key] >= min && config[key] <= max)) {
      throw new ConfigError(`Invalid ${key}: expected a number from ${min} to ${max}, got ${config[key]}`);
    }
  }
  return config;
}
