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
