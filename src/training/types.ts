/**
 * The records a training run produces, in a module of their own so that everything that reads
 * them (checkpoints, progress lines, figures, the run directory) imports them without importing
 * the training loop.
 *
 * @module
 */

/** Metrics of one completed epoch. */
export interface EpochLog {
  /** The epoch, from 1. */
  epoch: number;
  /** Mean training loss over the epoch's batches (weights changing as it goes). */
  loss: number;
  /** Training accuracy over the epoch's batches. */
  accuracy: number;
  /** Loss on the validation set after the epoch. */
  valLoss: number;
  /** Accuracy on the validation set after the epoch. */
  valAccuracy: number;
  /** Wall time of the epoch's training steps, in seconds (validation excluded). */
  seconds: number;
  /** Learning rate at the epoch's last step. */
  learningRate: number;
}

/** The fields of an {@linkcode EpochLog}, all numbers (the validation ones may be null in JSON). */
export const EPOCH_FIELDS = [
  "epoch",
  "loss",
  "accuracy",
  "valLoss",
  "valAccuracy",
  "seconds",
  "learningRate",
] as const;

/**
 * Whether a value read from a file is an {@linkcode EpochLog}: every field a number (validation
 * ones may be null, as JSON writes a NaN).
 *
 * @param value Anything parsed from JSON.
 * @returns True for a well-formed record.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isEpochLog } from "./types.ts";
 * assert.equal(isEpochLog({ epoch: 1, loss: 0.3, accuracy: 0.9, valLoss: null, valAccuracy: null, seconds: 6, learningRate: 1e-3 }), true);
 * assert.equal(isEpochLog({ epoch: "1" }), false);
 * ```
 */
export function isEpochLog(value: unknown): value is EpochLog {
  const log = value as Record<string, unknown> | null;
  return typeof log === "object" && log !== null &&
    EPOCH_FIELDS.every((key) => typeof log[key] === "number" || (key.startsWith("val") && log[key] === null));
}

/** What {@linkcode TrainOptions.onBatch} receives after every step. */
export interface BatchProgress {
  /** Current epoch, from 1. */
  epoch: number;
  /** Total epochs of the run. */
  epochs: number;
  /** Steps done in this epoch. */
  step: number;
  /** Steps in an epoch. */
  steps: number;
  /** Mean loss of the epoch so far. */
  loss: number;
  /** Accuracy of the epoch so far. */
  accuracy: number;
  /** Training images per second in this epoch. */
  imagesPerSecond: number;
  /** Estimated seconds left in this epoch. */
  etaSeconds: number;
}

/** The outcome of {@linkcode evaluate}. */
export interface Evaluation {
  /** Mean categorical cross-entropy. */
  loss: number;
  /** Fraction of images classified correctly. */
  accuracy: number;
  /** Predicted class of every image. */
  predictions: Uint8Array;
  /** Probability the model gave its predicted class, per image. */
  confidences: Float32Array;
}
