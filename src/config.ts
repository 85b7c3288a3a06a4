/**
 * Every default of the project, in one typed place: the LeNet architecture and the training
 * recipe. Other modules destructure these; nothing else states a default.
 *
 * @module
 */
import { LenetError } from "./errors.ts";

/** Side of an MNIST image and of the LeNet's input, in pixels. */
export const IMAGE_SIDE = 28;
/** Pixels of one image: 28 x 28. */
export const IMAGE_PIXELS: number = IMAGE_SIDE * IMAGE_SIDE;

/** An activation of the LeNet's hidden layers. */
export type Activation = "sigmoid" | "relu" | "tanh" | "elu";

/** Every {@linkcode Activation}, in the order the C engine numbers them. */
export const ACTIVATIONS: readonly Activation[] = Object.freeze(["sigmoid", "relu", "tanh", "elu"]);

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

/** Threads the fused engine can use: the trainer's own and one helper. */
export const FUSED_MAX_THREADS = 2;

/** The training recipe: Adam on categorical cross-entropy, with a cosine-decayed learning rate. */
export interface TrainConfig {
  /** Passes over the training set. */
  epochs: number;
  /** Images per gradient step. */
  batchSize: number;
  /** Adam's peak learning rate. */
  learningRate: number;
  /**
   * Learning-rate schedule over all steps: constant; cosine decay to zero; or one-cycle (linear
   * warm-up to the peak over the first quarter of the steps, then cosine decay to zero).
   */
  schedule: "constant" | "cosine" | "one-cycle";
  /**
   * What runs the training steps: `fused` (the whole step in one call into our own WebAssembly
   * SIMD module, `FusedTrainer`) or `tfjs` (tfjs's wasm SIMD backend with our kernels, ~10x slower).
   */
  engine: "tfjs" | "fused";
  /** Threads of the fused engine: 1, or 2 (a worker takes half of every batch). */
  threads: number;
  /** Fraction of the training set held out for validation; 0 validates on the test set. */
  validationSplit: number;
  /** Seed of weight initialisation and shuffling: the same seed gives the same run. */
  seed: number;
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
  epochs: 15,
  batchSize: 32,
  learningRate: 1e-3,
  schedule: "cosine",
  engine: "fused",
  threads: 2,
  validationSplit: 0,
  seed: 42,
});

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
 * @throws {ConfigError} When it is not a positive integer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkPositiveInt, ConfigError } from "./config.ts";
 * assert.throws(() => checkPositiveInt(0, "epochs"), ConfigError);
 * ```
 */
export function checkPositiveInt(value: number, key: string): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new ConfigError(`Invalid ${key}: expected a positive integer, got ${value}`);
  }
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
  checkKeys(overrides, DEFAULT_LENET, "model");
  const config: LeNetConfig = {
    ...DEFAULT_LENET,
    inputShape: [...DEFAULT_LENET.inputShape],
    ...overrides,
  };
  for (const key of ["conv1Filters", "conv2Filters", "fc1Units", "fc2Units", "numClasses"] as const) {
    checkPositiveInt(config[key], key);
  }
  if (config.inputShape.length !== 3) {
    throw new ConfigError(
      `Invalid inputShape: expected [height, width, channels], got [${config.inputShape}]`,
    );
  }
  config.inputShape.forEach((d) => checkPositiveInt(d, "inputShape"));
  if (!(ACTIVATIONS as readonly string[]).includes(config.activation)) {
    throw new ConfigError(
      `Unknown activation "${config.activation}": expected one of ${ACTIVATIONS.join(", ")}`,
    );
  }
  return config;
}

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
  if (!["constant", "cosine", "one-cycle"].includes(config.schedule)) {
    throw new ConfigError(`Unknown schedule "${config.schedule}": expected constant, cosine or one-cycle`);
  }
  if (config.engine !== "tfjs" && config.engine !== "fused") {
    throw new ConfigError(`Unknown engine "${config.engine}": expected tfjs or fused`);
  }
  checkThreads(config.threads, FUSED_MAX_THREADS);
  if (!(config.validationSplit >= 0 && config.validationSplit < 1)) {
    throw new ConfigError(
      `Invalid validationSplit: expected a number in [0, 1), got ${config.validationSplit}`,
    );
  }
  if (!Number.isInteger(config.seed)) {
    throw new ConfigError(`Invalid seed: expected an integer, got ${config.seed}`);
  }
  return config;
}
