/**
 * The settings: the LeNet's architecture and the training recipe with their defaults, the named
 * recipes `deno task train --recipe` starts from, the lists each choice is taken from, and the
 * checks that complete a partial setting (what `LeNet.create` and `train` run on theirs).
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { ACTIVATIONS, RECIPES, resolveTrainConfig } from "./config.ts";
 *
 * assert.deepEqual(ACTIVATIONS, ["sigmoid", "relu", "tanh", "elu"]);
 * const best = resolveTrainConfig(RECIPES.best.train); // the recipe over the defaults, checked
 * assert.equal(best.schedule, "one-cycle");
 * assert.throws(() => resolveTrainConfig({ batchSize: 0 }), /batchSize/);
 * ```
 *
 * @module
 */
export {
  type Activation,
  ACTIVATIONS,
  ConfigError,
  DEFAULT_LENET,
  DEFAULT_TRAIN,
  type Engine,
  ENGINES,
  type LeNetConfig,
  type Recipe,
  RECIPE_NAMES,
  type RecipeName,
  RECIPES,
  resolveLeNetConfig,
  resolveTrainConfig,
  type Schedule,
  SCHEDULES,
  SIMD_CHOICES,
  type SimdChoice,
  type TrainConfig,
} from "./src/config.ts";
