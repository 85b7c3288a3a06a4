/**
 * A run directory (`runs/latest/` unless `--out` says otherwise): everything `deno task train`
 * writes, and what `plot`, `report`, `export` and `predict` read back. Every file name of a run
 * and the format of its JSON records are stated here, once.
 *
 * @module
 */
import { join } from "node:path";
import { writeFileAtomic, writeJsonAtomic } from "../_atomic.ts";
import type { LeNetConfig, TrainConfig } from "../config.ts";
import type { LabeledImages } from "../data/labeled_images.ts";
import { LenetError } from "../errors.ts";
import { REPORT_FILES, writeReport } from "../figures/report.ts";
import { MODEL_JSON, WEIGHTS_BIN } from "../model/files.ts";
import type { LeNet } from "../model/lenet.ts";
import { exportOnnx } from "../onnx/export.ts";
import { CHECKPOINT_FILE } from "../train/checkpoint.ts";
import type { EpochLog, Evaluation } from "../train/types.ts";

/** Where a run goes when no `--out` is given, and where `predict` looks for a trained model. */
export const DEFAULT_RUN_DIR = "runs/latest";

/** The files of a run besides its figures (`REPORT_FILES`, `history.svg`, `report.html`). */
export const RUN_FILES = {
  modelJson: MODEL_JSON,
  weights: WEIGHTS_BIN,
  onnx: "model.onnx",
  history: "history.json",
  metrics: "metrics.json",
  checkpoint: CHECKPOINT_FILE,
  historyPng: REPORT_FILES.history,
} as const;

/** `history.json`: the architecture, the recipe and one record per epoch. */
export interface RunHistory {
  /** The architecture. */
  model: LeNetConfig;
  /** The recipe as given (defaults filled in by `train`). */
  train: Partial<TrainConfig>;
  /** One record per completed epoch. */
  epochs: EpochLog[];
}

/** `metrics.json`: the final test evaluation and what the run cost. */
export interface RunMetrics {
  /** Accuracy on the test set after the last epoch. */
  testAccuracy: number;
  /** Mean categorical cross-entropy on the test set. */
  testLoss: number;
  /** Completed epochs. */
  epochs: number;
  /** Wall time from the start of training to the final evaluation, in seconds. */
  wallSeconds: number;
  /** Training images used. */
  trainImages: number;
  /** Test images evaluated. */
  testImages: number;
  /** The engine that ran the steps. */
  engine: TrainConfig["engine"];
}

/** A finished run: what {@linkcode saveRun} writes. */
export interface FinishedRun {
  /** The trained model. */
  lenet: LeNet;
  /** The recipe. */
  recipe: Partial<TrainConfig>;
  /** Every epoch. */
  history: EpochLog[];
  /** The test set, for the figures. */
  test: LabeledImages;
  /** The model's evaluation on it. */
  evaluation: Evaluation;
  /** The run's final numbers. */
  metrics: RunMetrics;
}

/** Raised when a run directory lacks a file or holds one that is not what train writes. */
export class RunDirError extends LenetError {}

/**
 * Writes a finished run: the model (tfjs files and ONNX), `history.json`, `metrics.json`, every
 * figure and `report.html`, each file atomically.
 *
 * @param dir The run directory (created if missing).
 * @param run The model, its history and its evaluation.
 * @returns The paths written.
 *
 * @example
 * ```ts ignore
 * // not run as a test: it renders every figure of a trained model (tests/cli/train_cli_test.ts runs it)
 * await saveRun("runs/latest", { lenet, recipe, history, test, evaluation, metrics });
 * ```
 */
export async function saveRun(dir: string, run: FinishedRun): Promise<string[]> {
  const { lenet, recipe, history, test, evaluation, metrics } = run;
  await lenet.save(dir);
  await writeFileAtomic(join(dir, RUN_FILES.onnx), exportOnnx(lenet.toWeights()));
  const record: RunHistory = { model: lenet.config, train: recipe, epochs: history };
  await writeJsonAtomic(join(dir, RUN_FILES.history), record);
  await writeJsonAtomic(join(dir, RUN_FILES.metrics), metrics);
  const figures = await writeReport(dir, { lenet, recipe, history, test, evaluation });
  const files = [
    RUN_FILES.modelJson,
    RUN_FILES.weights,
    RUN_FILES.onnx,
    RUN_FILES.history,
    RUN_FILES.metrics,
  ];
  return [...files.map((name) => join(dir, name)), ...figures];
}

/**
 * Reads a run's `history.json`.
 *
 * @param dir The run directory.
 * @returns Its architecture, recipe and epochs (at least one).
 * @throws {RunDirError} When the file is missing, is not JSON, or holds no epoch.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readRunHistory, RunDirError } from "./run_dir.ts";
 * await assert.rejects(readRunHistory(await Deno.makeTempDir()), RunDirError);
 * ```
 */
export async function readRunHistory(dir: string): Promise<RunHistory> {
  const path = join(dir, RUN_FILES.history);
  let record: RunHistory;
  try {
    record = JSON.parse(await Deno.readTextFile(path));
  } catch (error) {
    const why = error instanceof Deno.errors.NotFound ? "not found" : (error as Error).message.split("\n")[0];
    throw new RunDirError(`Cannot read ${path}: ${why}`);
  }
  if (!Array.isArray(record?.epochs) || record.epochs.length === 0) {
    throw new RunDirError(`No epochs in ${path}`);
  }
  return record;
}
