/**
 * A run directory (`runs/latest/` unless `--out` says otherwise): everything `deno task train`
 * writes, and what `plot`, `report`, `export` and `predict` read back. Every file name of a run
 * and the format of its JSON records are stated here, once.
 *
 * A run directory always holds one complete run. A training writes into `<dir>.lenet-partial/`
 * (its checkpoints after every epoch, then the final files, `metrics.json` last), and only then
 * swaps it in by two renames: `<dir>` to `<dir>.lenet-old`, `<dir>.lenet-partial` to `<dir>`.
 * Killed at any moment, a reader of `<dir>` finds the old run whole, the new run whole, or
 * (between the renames) nothing; the next training completes or undoes an interrupted swap.
 * `<dir>.lenet-lock`, held with an OS lock that dies with its process, keeps a second training
 * from writing the same directory.
 *
 * Only what this project wrote is ever replaced or removed: `<dir>` and its two siblings must be
 * absent, empty or marked as a lenet run (`ownership.ts`); anything else is refused before a file
 * is made.
 *
 * @module
 */
import { basename, dirname, join } from "node:path";
import { writeFileAtomic, writeJsonAtomic } from "../_atomic.ts";
import type { LeNetConfig, TrainConfig } from "../config.ts";
import type { LabeledImages } from "../data/labeled_images.ts";
import { firstLine, LenetError } from "../errors.ts";
import { REPORT_FILES, writeReport } from "../figures/report.ts";
import { MODEL_JSON, WEIGHTS_BIN } from "../model/files.ts";
import type { LeNet } from "../model/lenet.ts";
import { exportOnnx } from "../onnx/export.ts";
import { CHECKPOINT_FILE } from "../training/checkpoint.ts";
import { printable } from "./flags.ts";
import { checkReplaceableFolder, writeOwnerMarker } from "./ownership.ts";
import { ONNX_FILE } from "./run_names.ts";
import { type EpochLog, type Evaluation, isEpochLog } from "../training/types.ts";
import { readBounded } from "../_bounded_read.ts";

export { DEFAULT_RUN_DIR } from "./run_names.ts";

/** The files of a run besides its figures (`REPORT_FILES`, `history.svg`, `report.html`). */
export const RUN_FILES = {
  modelJson: MODEL_JSON,
  weights: WEIGHTS_BIN,
  onnx: ONNX_FILE,
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
  await testPause("save");
  const figures = await writeReport(dir, { lenet, recipe, history, test, evaluation });
  await writeJsonAtomic(join(dir, RUN_FILES.metrics), metrics); // last: it marks the set complete
  const files = [
    RUN_FILES.modelJson,
    RUN_FILES.weights,
    RUN_FILES.onnx,
    RUN_FILES.history,
    RUN_FILES.metrics,
  ];
  return [...files.map((name) => join(dir, name)), ...figures];
}

/** Largest `history.json` read, in bytes: 100,000 epochs (train's limit) of about 200 bytes. */
export const MAX_HISTORY_BYTES: number = 32 * 1024 * 1024;

/**
 * Reads a run's `history.json`: a regular file of at most {@linkcode MAX_HISTORY_BYTES}, JSON,
 * with at least one well-formed epoch.
 *
 * @param dir The run directory.
 * @returns Its architecture, recipe and epochs.
 * @throws {RunDirError} When the file is missing, not a regular file, too large, not JSON, or
 *   holds no well-formed epochs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readRunHistory, RunDirError } from "./run_dir.ts";
 * const dir = await Deno.makeTempDir();
 * await assert.rejects(readRunHistory(dir), RunDirError);
 * await Deno.writeTextFile(`${dir}/history.json`, '{"epochs": [{"loss": "junk"}]}');
 * await assert.rejects(readRunHistory(dir), RunDirError, "epoch 1 is not");
 * ```
 */
export async function readRunHistory(dir: string): Promise<RunHistory> {
  const path = join(dir, RUN_FILES.history);
  const fail = (reason: string) => new RunDirError(`Cannot read ${path}: ${reason}`);
  const bytes = await readBounded(path, MAX_HISTORY_BYTES, fail);
  let record: RunHistory;
  try {
    record = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw fail(`not JSON (${firstLine(error)})`);
  }
  const epochs = (record as { epochs?: unknown } | null)?.epochs;
  if (!Array.isArray(epochs) || epochs.length === 0) throw new RunDirError(`No epochs in ${path}`);
  const bad = epochs.findIndex((log) => !isEpochLog(log));
  if (bad >= 0) throw fail(`epoch ${bad + 1} is not a record of numbers`);
  if (typeof record.model !== "object" || typeof record.train !== "object") throw fail("no model or recipe");
  return record;
}

/**
 * The run directory a script redraws figures in: one this project wrote.
 *
 * @param dir The folder given.
 * @throws {NotOursError} When it holds anything lenet did not write.
 * @throws {RunDirError} When it does not exist or is empty.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkRunDir, RunDirError } from "./run_dir.ts";
 * await assert.rejects(checkRunDir(await Deno.makeTempDir()), RunDirError, "holds no run");
 * ```
 */
export async function checkRunDir(dir: string): Promise<void> {
  const state = await checkReplaceableFolder(dir, "run");
  if (state !== "ours") {
    throw new RunDirError(`${printable(dir)} holds no run: train one with deno task train`);
  }
}

/** The siblings of a run directory `<dir>`, by the suffix each adds to its name. */
export const RUN_SIBLINGS = { staging: ".lenet-partial", old: ".lenet-old", lock: ".lenet-lock" } as const;

/** A run directory held by this process: where its training writes, and how it ends. */
export interface RunDirClaim extends Disposable {
  /** The run directory readers use. */
  dir: string;
  /** Where this training writes until it completes: `<dir>.lenet-partial`. */
  staging: string;
  /** With `resume`: the checkpoint to continue, the interrupted run's or else the completed run's
   * (`claimRunDir` refuses a resume with none, the one place that checks it). */
  resumeFrom: string | undefined;
  /** Swaps the completed staging directory in for `dir`. */
  commit(): Promise<void>;
  /** Drops a staging directory that holds no completed epoch. */
  abandon(): Promise<void>;
}

/**
 * An `--out` as a folder path: trailing slashes dropped (`runs/new/` is `runs/new`).
 *
 * @param out The path as typed.
 * @returns The folder's path.
 * @throws {RunDirError} When it names no folder a run can go to (empty, `.`, `..`, the root).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runDirPath } from "./run_dir.ts";
 * assert.equal(runDirPath("runs/latest/"), "runs/latest");
 * assert.throws(() => runDirPath("."), /names no folder/);
 * ```
 */
export function runDirPath(out: string): string {
  const dir = out.replace(/\/+$/, "");
  const name = basename(dir);
  if (dir === "" || name === "." || name === "..") {
    throw new RunDirError(
      `--out "${printable(out)}" names no folder a run can go to: give one, e.g. runs/mine`,
    );
  }
  return dir;
}

/**
 * Takes a run directory for one training: checks that `<dir>` and its siblings are this
 * project's to replace, locks `<dir>.lenet-lock` (failing at once if another process holds it),
 * finishes or undoes a swap a killed training left half done, and prepares `<dir>.lenet-partial`:
 * emptied for a new run, kept (less stale temp files) to resume one.
 *
 * @param out The run directory (`--out`).
 * @param resume Whether the training continues from a checkpoint.
 * @returns The claim; dispose it (or let the process end) to release the lock.
 * @throws {RunDirError} When another process writes the same directory, or there is nothing to
 *   resume.
 * @throws {NotOursError} When `<dir>` or a sibling holds anything this project did not write.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { claimRunDir, RunDirError } from "./run_dir.ts";
 * const dir = `${await Deno.makeTempDir()}/latest`;
 * using claim = await claimRunDir(dir, false);
 * assert.equal(claim.staging, `${dir}.lenet-partial`);
 * await assert.rejects(claimRunDir(dir, false), RunDirError); // a second writer
 * ```
 */
export async function claimRunDir(out: string, resume: boolean): Promise<RunDirClaim> {
  const dir = runDirPath(out);
  const staging = dir + RUN_SIBLINGS.staging, old = dir + RUN_SIBLINGS.old;
  const checkpoints = [join(staging, RUN_FILES.checkpoint), join(dir, RUN_FILES.checkpoint)];
  const nothing = new RunDirError(`Nothing to resume: no ${RUN_FILES.checkpoint} in ${staging} or ${dir}`);
  for (const path of [dir, staging, old]) await checkReplaceableFolder(path, "run"); // makes no file
  await Deno.mkdir(dirname(dir), { recursive: true });
  const lock = await Deno.open(dir + RUN_SIBLINGS.lock, { create: true, write: true });
  if (!(await lock.tryLock(true))) {
    lock.close();
    throw new RunDirError(
      `${dir} is being written by another training (${dir}${RUN_SIBLINGS.lock} is held): wait, or use another --out`,
    );
  }
  // a swap cut short by a kill: the new set is whole if its metrics.json was written
  if (!(await exists(dir))) {
    if (await exists(join(staging, RUN_FILES.metrics))) await Deno.rename(staging, dir);
    else if (await exists(old)) await Deno.rename(old, dir);
  }
  await removeOurs(old);
  // the one check that there is something to resume: after an interrupted swap is settled
  let resumeFrom: string | undefined;
  for (const path of resume ? checkpoints : []) {
    if (await exists(path)) resumeFrom ??= path;
  }
  if (resume && !resumeFrom) {
    lock.close();
    throw nothing;
  }
  if (!resume) await removeOurs(staging);
  await Deno.mkdir(staging, { recursive: true });
  await writeOwnerMarker(staging, "run");
  for await (const entry of Deno.readDir(staging)) {
    if (entry.name.includes(".tmp-")) await Deno.remove(join(staging, entry.name)).catch(() => {});
  }
  return {
    dir,
    staging,
    resumeFrom,
    async commit() {
      await testPause("commit");
      // checked again: the folder may have changed while the run trained
      const state = await checkReplaceableFolder(dir, "run");
      if (state === "empty") await Deno.remove(dir); // fails, rather than deletes, if a file appeared
      else if (state === "ours") await Deno.rename(dir, old);
      await testPause("swap");
      await Deno.rename(staging, dir);
      await testPause("swapped");
      await removeOurs(old);
    },
    async abandon() {
      if (!(await exists(join(staging, RUN_FILES.checkpoint)))) await removeOurs(staging);
    },
    [Symbol.dispose]() {
      lock.close();
    },
  };
}

/** Removes a run folder if it is there and still this project's (checked just before). */
async function removeOurs(path: string): Promise<void> {
  if ((await checkReplaceableFolder(path, "run")) === "absent") return;
  await Deno.remove(path, { recursive: true });
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * For the kill tests only: when `LENET_TEST_PAUSE` names this point, print it and wait to be
 * killed. Without the variable (or the permission to read it) this does nothing.
 *
 * @param point Where the run is: `save` (its files written), `commit`, `swap` or `swapped` (before,
 *   between and after the renames of `commit`).
 */
export async function testPause(point: string): Promise<void> {
  let wanted: string | undefined;
  try {
    wanted = Deno.env.get("LENET_TEST_PAUSE");
  } catch {
    return; // no env permission: not a test
  }
  if (wanted !== point) return;
  console.log(`paused at ${point}`);
  await new Promise(() => setInterval(() => {}, 60_000)); // until killed
}
