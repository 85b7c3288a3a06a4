/**
 * `train()`: the epoch loop of `src/training/` on a step engine of `src/engines/` (Adam on
 * categorical cross-entropy, seeded shuffling, a per-epoch history, a checkpoint after every
 * epoch, and a clean stop when asked). The one place that joins the two: the loop imports no
 * engine, and each engine implements the loop's `TrainStepEngine`.
 *
 * @module
 */
import { type Engine, resolveTrainConfig, type TrainConfig } from "./config.ts";
import {
  checkImagesFit,
  checkLabeledSet,
  checkLabels,
  type LabeledImages,
  splitValidation,
} from "./data/labeled_images.ts";
import { fusedStepEngine } from "./engines/fused/steps.ts";
import { tfjsStepEngine } from "./engines/tfjs/steps.ts";
import { checkLeNet, type LeNet } from "./model/lenet.ts";
import { object } from "./_arguments.ts";
import { showAs } from "./display_hook.ts";
import { saveCheckpoint, type TrainState } from "./training/checkpoint.ts";
import { runEpochs } from "./training/loop.ts";
import type { AdamState, TrainStepEngine } from "./training/step_engine.ts";
import type { BatchProgress, EpochLog } from "./training/types.ts";

/** Each engine's step engine, built on the model, the recipe, the training set and Adam's state. */
const STEP_ENGINES: Record<
  Engine,
  (lenet: LeNet, config: TrainConfig, set: LabeledImages, resume?: AdamState) => Promise<TrainStepEngine>
> = { fused: fusedStepEngine, tfjs: tfjsStepEngine };

/** Options of {@linkcode train}: the recipe (defaults in `DEFAULT_TRAIN`) and the run's hooks. */
export interface TrainOptions extends Partial<TrainConfig> {
  /** Validation set used when `validationSplit` is 0 (usually the test set). */
  validation?: LabeledImages;
  /** Where to write a checkpoint after every epoch; none when omitted. */
  checkpointPath?: string;
  /** State of an interrupted run to continue (from `loadCheckpoint`). */
  resume?: TrainState;
  /** Called after every training step. */
  onBatch?: (progress: BatchProgress) => void;
  /** Called after every epoch, once validated and checkpointed. */
  onEpoch?: (log: EpochLog) => void;
  /** Stops training after the current step; completed epochs are kept. */
  signal?: AbortSignal;
}

/** The outcome of {@linkcode train}. */
export interface TrainResult {
  /** One entry per completed epoch, including those of a resumed run. */
  history: EpochLog[];
  /** True when `signal` stopped the run before its last epoch. */
  interrupted: boolean;
}

/**
 * Trains a LeNet with Adam on categorical cross-entropy, validating and checkpointing after
 * every epoch. Shuffling is seeded per epoch, so a run (and a resumed run) is reproducible.
 *
 * @param lenet The model; compiled here with Adam unless it already has an optimizer.
 * @param trainSet Training images and labels.
 * @param options The recipe and the run's hooks.
 * @returns The history and whether the run was interrupted.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadMnist } from "./data/dataset.ts";
 * import { takeRange } from "./data/labeled_images.ts";
 * import { LeNet } from "./model/lenet.ts";
 * import { train } from "./train.ts";
 * const data = await loadMnist();
 * const lenet = await LeNet.create({ activation: "relu" });
 * const { history } = await train(lenet, takeRange(data.train, 0, 2000), { epochs: 2, validation: takeRange(data.test, 0, 500) });
 * assert.equal(history.length, 2);
 * assert.ok(history[1]!.valAccuracy > history[0]!.valAccuracy - 0.05);
 * assert.ok(history[1]!.loss < history[0]!.loss); // the second pass fits better
 * lenet.dispose();
 * ```
 */
export async function train(
  lenet: LeNet,
  trainSet: LabeledImages,
  options: TrainOptions = {},
): Promise<TrainResult> {
  checkLeNet(lenet, "train(lenet)");
  checkLabeledSet(trainSet, "train(trainSet)");
  const { validation, checkpointPath, resume, onBatch, onEpoch, signal, ...overrides }: TrainOptions = object(
    options,
    "train(options)",
  );
  if (validation !== undefined) checkLabeledSet(validation, "train(options.validation)");
  const config = resolveTrainConfig(overrides);
  const split = config.validationSplit > 0 ? splitValidation(trainSet, config.validationSplit) : undefined;
  const fitSet = split?.train ?? trainSet;
  const valSet = split?.validation ?? validation;
  const sets: [LabeledImages, string][] = [[fitSet, "training set"]];
  if (valSet) sets.push([valSet, "validation set"]);
  for (const [set, what] of sets) {
    checkImagesFit(set, lenet.config.inputShape, what);
    checkLabels(set.labels.subarray(0, set.count), lenet.config.numClasses);
  }
  using engine = await STEP_ENGINES[config.engine](lenet, config, fitSet, resume?.fusedAdam);
  const result = await runEpochs(engine, fitSet, valSet, config, {
    history: resume?.history,
    onBatch,
    signal,
    onEpoch: async (log, history) => {
      if (checkpointPath) {
        const fusedAdam = engine.adamState();
        await saveCheckpoint(checkpointPath, lenet, {
          epoch: log.epoch,
          train: config,
          history,
          trainCount: trainSet.count,
          ...(fusedAdam ? { fusedAdam } : {}),
        });
      }
      onEpoch?.(log);
    },
  });
  if (!result.interrupted) engine.finish(); // the moving average, when kept, is the model
  return showAs(result, "training"); // in a notebook: its curves
}
