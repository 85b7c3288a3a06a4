/**
 * The flags of `deno task train`, one table: each flag's type, range, default and help, and which
 * setting of the model or of the recipe it sets. The recipe (`--recipe`) is the base; the flags a
 * user gives go over it, and with `--resume` a flag that contradicts the checkpoint is refused.
 *
 * @module
 */
import {
  ACTIVATIONS,
  AUGMENT_LIMITS,
  DEFAULT_LENET,
  DEFAULT_TRAIN,
  ENGINES,
  type FRACTIONS,
  FUSED_MAX_THREADS,
  IMAGES_PER_THREAD,
  type LeNetConfig,
  MAX_LAYER_SIZE,
  MAX_SEED,
  RECIPE_NAMES,
  RECIPES,
  resolveLeNetConfig,
  resolveTrainConfig,
  SCHEDULES,
  SIMD_CHOICES,
  type TrainConfig,
} from "../config.ts";
import { MAX_IDX_BYTES } from "../data/idx.ts";
import { CHECKPOINT_FILE } from "../training/checkpoint.ts";
import { type FlagSpec, type ParsedFlags, UsageError } from "./flags.ts";
import { DEFAULT_RUN_DIR } from "./run_names.ts";

/** A flag of `train`, and the model's or the recipe's setting it sets, if any. */
export interface TrainFlagSpec extends FlagSpec {
  /** The setting: `["model", key]` or `["recipe", key]`. */
  sets?: readonly ["model", keyof LeNetConfig] | readonly ["recipe", keyof TrainConfig];
}

const layerSize = (description: string, key: "conv1Filters" | "conv2Filters" | "fc1Units" | "fc2Units") =>
  ({
    type: "integer",
    min: 1,
    max: MAX_LAYER_SIZE,
    description,
    default: DEFAULT_LENET[key],
    sets: ["model", key],
  }) as const;

const augmentRange = (
  description: string,
  key:
    | "augmentRotation"
    | "augmentScale"
    | "augmentShear"
    | "augmentShift"
    | "augmentElastic"
    | "augmentAlpha",
) =>
  ({
    type: "number",
    min: 0,
    max: AUGMENT_LIMITS[key],
    description,
    default: DEFAULT_TRAIN[key],
    sets: ["recipe", key],
  }) as const;

// a recipe fraction: from 0 and below 1, the bounds resolveTrainConfig checks (config.ts's FRACTIONS)
const fraction = (description: string, key: (typeof FRACTIONS)[number]) =>
  ({
    type: "number",
    min: 0,
    below: 1,
    description,
    default: DEFAULT_TRAIN[key],
    sets: ["recipe", key],
  }) as const;

/**
 * The flags of `deno task train`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseFlags } from "./flags.ts";
 * import { TRAIN_FLAGS } from "./train_flags.ts";
 * const { flags } = parseFlags(TRAIN_FLAGS, ["--engine", "tfjs", "--epochs", "3"]);
 * assert.deepEqual([flags.engine, flags.epochs, flags.schedule], ["tfjs", 3, "constant"]);
 * assert.throws(() => parseFlags(TRAIN_FLAGS, ["--engine", "gpu"]), /expected fused, tfjs/);
 * ```
 */
export const TRAIN_FLAGS = {
  recipe: {
    type: "string",
    choices: RECIPE_NAMES,
    description: RECIPE_NAMES.map((name) => `${name}: ${RECIPES[name].description}`).join("; ") +
      "; flags given beside it override it",
    default: "tutorial",
  },
  epochs: {
    type: "integer",
    min: 1,
    max: 100_000,
    description: "passes over the training set",
    default: DEFAULT_TRAIN.epochs,
    sets: ["recipe", "epochs"],
  },
  "batch-size": {
    type: "integer",
    min: 1,
    description: "images per step",
    default: DEFAULT_TRAIN.batchSize,
    sets: ["recipe", "batchSize"],
  },
  "learning-rate": {
    type: "number",
    min: Number.MIN_VALUE,
    description: "Adam's peak learning rate",
    default: DEFAULT_TRAIN.learningRate,
    sets: ["recipe", "learningRate"],
  },
  "adam-beta1": fraction("Adam's first-moment decay", "adamBeta1"),
  "adam-beta2": fraction("Adam's second-moment decay", "adamBeta2"),
  schedule: {
    type: "string",
    choices: SCHEDULES,
    description: "the learning rate over the steps",
    default: DEFAULT_TRAIN.schedule,
    sets: ["recipe", "schedule"],
  },
  warmup: fraction("one-cycle's warm-up, as a share of all steps", "warmup"),
  engine: {
    type: "string",
    choices: ENGINES,
    description:
      "fused: the whole step in one WebAssembly call (our C); tfjs: tfjs's wasm backend, ~10x slower",
    default: DEFAULT_TRAIN.engine,
    sets: ["recipe", "engine"],
  },
  threads: {
    type: "integer",
    min: 0,
    max: FUSED_MAX_THREADS,
    description:
      `threads of the fused engine (0: every core, at most one per ${IMAGES_PER_THREAD} images of a batch)`,
    default: DEFAULT_TRAIN.threads,
    sets: ["recipe", "threads"],
  },
  simd: {
    type: "string",
    choices: SIMD_CHOICES,
    description: "the fused engine's build: plain gives the same bits on every CPU, relaxed (FMA) is faster",
    default: DEFAULT_TRAIN.simd,
    sets: ["recipe", "simd"],
  },
  activation: {
    type: "string",
    choices: ACTIVATIONS,
    description: "of the hidden layers",
    default: DEFAULT_LENET.activation,
    sets: ["model", "activation"],
  },
  "conv1-filters": layerSize("filters of conv 1", "conv1Filters"),
  "conv2-filters": layerSize("filters of conv 2", "conv2Filters"),
  "fc1-units": layerSize("units of dense 1", "fc1Units"),
  "fc2-units": layerSize("units of dense 2", "fc2Units"),
  "average-decay": fraction(
    "weight averaging: decay of the weights' moving average, which is validated and saved (0 none)",
    "averageDecay",
  ),
  "label-smoothing": fraction(
    "each label's target 1 - N + N/10, every other class's N/10 (0 none)",
    "labelSmoothing",
  ),
  "weight-decay": fraction(
    "AdamW's decoupled weight decay: each step takes lr x N of every weight (0 none)",
    "weightDecay",
  ),
  "validation-split": fraction(
    "share of training images held out for validation; 0 validates on the test set",
    "validationSplit",
  ),
  seed: {
    type: "integer",
    min: 0,
    max: MAX_SEED,
    description: "seed of initialisation, shuffling and augmentation",
    default: DEFAULT_TRAIN.seed,
    sets: ["recipe", "seed"],
  },
  "train-size": { type: "integer", min: 1, description: "train on the first N images only (quick runs)" },
  out: {
    type: "string",
    description: "run directory; a run already there stays until the new one is complete, then is replaced",
    default: DEFAULT_RUN_DIR,
    placeholder: "DIR",
  },
  resume: {
    type: "boolean",
    description: `continue the run in --out from its ${CHECKPOINT_FILE} (only --epochs may change)`,
  },
  augment: {
    type: "boolean",
    description: "each epoch, each training image through a random affine transform",
    sets: ["recipe", "augment"],
  },
  "augment-rotation": augmentRange("largest rotation, degrees", "augmentRotation"),
  "augment-scale": augmentRange("largest relative change of scale", "augmentScale"),
  "augment-shear": augmentRange("largest shear factor", "augmentShear"),
  "augment-shift": augmentRange("largest shift, pixels", "augmentShift"),
  "augment-elastic": augmentRange(
    "with --augment, elastic distortion: largest displacement, pixels (0 none, 2 sensible)",
    "augmentElastic",
  ),
  "augment-alpha": augmentRange(
    "with --augment, Simard's elastic distortion: scale of its smoothed field (0 none, 34 in the paper)",
    "augmentAlpha",
  ),
  "augment-sigma": {
    type: "number",
    min: 0.5,
    max: AUGMENT_LIMITS.augmentSigma,
    description: "with --augment-alpha, the Gaussian smoothing its field, pixels",
    default: DEFAULT_TRAIN.augmentSigma,
    sets: ["recipe", "augmentSigma"],
  },
  "train-images": { type: "string", description: "IDX training images (.gz ok)", placeholder: "FILE" },
  "train-labels": { type: "string", description: "IDX training labels", placeholder: "FILE" },
  "test-images": { type: "string", description: "IDX test images", placeholder: "FILE" },
  "test-labels": { type: "string", description: "IDX test labels", placeholder: "FILE" },
  "max-data-mb": {
    type: "number",
    min: 1,
    description: "largest IDX file read, plain or inflated, in MB",
    default: MAX_IDX_BYTES / 2 ** 20,
  },
} as const satisfies Record<string, TrainFlagSpec>;

/** The parsed flags of `train`, typed from {@linkcode TRAIN_FLAGS}. */
export type TrainFlags = ParsedFlags<typeof TRAIN_FLAGS>;

// The flags that set something, with what they set.
const SETTERS = Object.entries(TRAIN_FLAGS)
  .flatMap(([name, spec]: [string, TrainFlagSpec]) => spec.sets ? [{ name, sets: spec.sets }] : []);

/** A field of an object by its name, as the flag table names it. */
function valueOf(object: object, name: string): unknown {
  return Object.entries(object).find(([key]) => key === name)?.[1];
}

/**
 * The model and recipe: the `--recipe` preset, with the flags given on the command line over it.
 *
 * @param flags Parsed flags.
 * @returns Both, resolved and checked.
 * @throws {ConfigError} When a value does not fit the other settings.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseFlags } from "./flags.ts";
 * import { configsFromFlags, TRAIN_FLAGS } from "./train_flags.ts";
 * const { flags } = parseFlags(TRAIN_FLAGS, ["--recipe", "best", "--epochs", "3"]);
 * const { model, recipe } = configsFromFlags(flags);
 * assert.deepEqual([model.activation, recipe.batchSize, recipe.epochs], ["relu", 128, 3]);
 * ```
 */
export function configsFromFlags(flags: TrainFlags): { model: LeNetConfig; recipe: TrainConfig } {
  const preset = RECIPES[flags.recipe];
  const parts: Record<"model" | "recipe", Record<string, unknown>> = {
    model: { ...preset.model },
    recipe: { ...preset.train },
  };
  for (const { name, sets: [part, key] } of SETTERS) {
    if (flags.explicit.has(name)) parts[part][key] = valueOf(flags, name);
  }
  return { model: resolveLeNetConfig(parts.model), recipe: resolveTrainConfig(parts.recipe) };
}

/**
 * With `--resume`, the checkpoint's model and recipe hold: a flag that says otherwise is refused
 * rather than silently ignored (only `--epochs` may change).
 *
 * @param flags Parsed flags.
 * @param saved The checkpoint's model and recipe.
 * @throws {UsageError} At the first flag that contradicts them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_LENET, DEFAULT_TRAIN } from "../config.ts";
 * import { parseFlags } from "./flags.ts";
 * import { refuseContradictions, TRAIN_FLAGS } from "./train_flags.ts";
 * const saved = { model: DEFAULT_LENET, recipe: DEFAULT_TRAIN };
 * refuseContradictions(parseFlags(TRAIN_FLAGS, ["--resume", "--epochs", "40"]).flags, saved);
 * assert.throws(() => refuseContradictions(parseFlags(TRAIN_FLAGS, ["--seed", "7"]).flags, saved), /--seed 7 contradicts/);
 * ```
 */
export function refuseContradictions(
  flags: TrainFlags,
  saved: { model: LeNetConfig; recipe: TrainConfig },
): void {
  for (const { name, sets: [part, key] } of SETTERS) {
    if (name === "epochs" || !flags.explicit.has(name)) continue;
    const given = valueOf(flags, name), theirs = valueOf(saved[part], key);
    if (theirs !== given) {
      throw new UsageError(
        `--${name} ${given} contradicts the checkpoint (${theirs}): --resume continues its recipe; only --epochs may change`,
      );
    }
  }
}
