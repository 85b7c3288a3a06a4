/**
 * What the training loop asks of an engine, and all it knows of one: a step on a batch of image
 * indices, the current weights into the model, an evaluation. The engines implement it in their
 * own folders (`src/engines/fused/steps.ts`, `src/engines/tfjs/steps.ts`); the loop, checkpoints
 * and evaluation import only this module, never an engine.
 *
 * @module
 */
import type { LabeledImages } from "../data/labeled_images.ts";
import type { Evaluation } from "./types.ts";

/** Loss and correct predictions of one step's batch (before the update). */
export interface StepResult {
  /** Sum of the per-image categorical cross-entropy. */
  lossSum: number;
  /** Images whose most probable class is their label. */
  correct: number;
}

/** Adam's state, for checkpoints of an engine that keeps it outside the model (the fused one). */
export interface AdamState {
  /** Steps taken (Adam's t). */
  steps: number;
  /** First moments, in tfjs's weight order. */
  m: Float32Array;
  /** Second moments. */
  v: Float32Array;
  /** The weights' moving average, when the engine keeps one. */
  average?: Float32Array;
}

/** What runs the steps of `runEpochs` (`loop.ts`): disposing it stops its threads. */
export interface StepEngine extends Disposable {
  /** One Adam step on the images at `indices` in `epoch`; the batch's loss sum and correct count. */
  step(indices: ArrayLike<number>, learningRate: number, epoch: number): Promise<StepResult>;
  /** Makes the model hold the current weights (before they are validated or saved). */
  sync(): void;
  /** Evaluates the current weights on a set. */
  evaluate(set: LabeledImages): Promise<Pick<Evaluation, "loss" | "accuracy">>;
}

/** A step engine of `train()`: the loop's, with what a run saves at its checkpoints and its end. */
export interface TrainStepEngine extends StepEngine {
  /** Adam's state to checkpoint, when the model (tfjs's optimizer) does not hold it. */
  adamState(): AdamState | undefined;
  /** At the end of a run: the model takes its final weights (the moving average, when kept). */
  finish(): void;
}
