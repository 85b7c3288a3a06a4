/**
 * Checkpoints: everything needed to continue a training run (weights, Adam's moments, the
 * recipe, the history so far) in ONE file, written atomically after every epoch. One file means
 * an interruption can never pair the weights of one epoch with the history of another.
 *
 * @module
 */
import { LenetError } from "../errors.ts";
import * as tf from "../_tfjs.ts";
import type { LeNetConfig, TrainConfig } from "../config.ts";
import { fromBase64, toBase64 } from "../_base64.ts";
import { writeJsonAtomic } from "../_atomic.ts";
import type { FusedAdamState } from "../engines/fused/trainer.ts";
import { ensureBackend } from "../engines/tfjs/backend.ts";
import { LeNet, saveWith } from "../model/lenet.ts";
import type { EpochLog } from "./types.ts";

/** File name of the checkpoint inside an output directory. */
export const CHECKPOINT_FILE = "checkpoint.json";
const FORMAT = "lenet-checkpoint/1";

/** The state of a run after a completed epoch. */
export interface TrainState {
  /** Completed epochs. */
  epoch: number;
  /** The recipe of the run. */
  train: TrainConfig;
  /** Per-epoch metrics so far. */
  history: EpochLog[];
  /** Adam's state when the fused engine trains (tfjs keeps its own in the model). */
  fusedAdam?: FusedAdamState;
}

interface CheckpointFile extends Omit<TrainState, "fusedAdam"> {
  format: string;
  fusedAdam?: { steps: number; m: string; v: string };
  model: LeNetConfig;
  artifacts: Omit<tf.io.ModelArtifacts, "weightData"> & { weightData: string };
}

/** Raised when a checkpoint file is missing or unreadable. */
export class CheckpointError extends LenetError {}

const base64 = (floats: Float32Array) =>
  toBase64(new Uint8Array(floats.buffer, floats.byteOffset, floats.byteLength));
const floatsOf = (text: string) => {
  const bytes = fromBase64(text);
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
};

/**
 * Writes a checkpoint of a compiled model (weights and optimizer state) and its training state.
 *
 * @param path Destination file.
 * @param lenet The model, compiled with its optimizer.
 * @param state Completed epochs, recipe and history.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_TRAIN } from "../config.ts";
 * import { LeNet, saveWith } from "../model/lenet.ts";
 * import { loadCheckpoint, saveCheckpoint } from "./checkpoint.ts";
 * const lenet = await LeNet.create();
 * const path = `${await Deno.makeTempDir()}/checkpoint.json`;
 * await saveCheckpoint(path, lenet, { epoch: 3, train: DEFAULT_TRAIN, history: [] });
 * const restored = await loadCheckpoint(path);
 * assert.equal(restored.state.epoch, 3);
 * assert.deepEqual(restored.lenet.toWeights().weights, lenet.toWeights().weights);
 * lenet.dispose(), restored.lenet.dispose();
 * ```
 */
export async function saveCheckpoint(path: string, lenet: LeNet, state: TrainState): Promise<void> {
  let captured: tf.io.ModelArtifacts | undefined;
  const capture = tf.io.withSaveHandler((artifacts) => {
    captured = artifacts;
    return Promise.resolve({ modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) });
  });
  await saveWith(lenet, capture, true);
  const { weightData, ...rest } = captured!;
  const buffers = Array.isArray(weightData) ? weightData : [weightData!];
  const bytes = new Uint8Array(tf.io.concatenateArrayBuffers(buffers));
  const { fusedAdam, ...rest2 } = state;
  const file: CheckpointFile = {
    format: FORMAT,
    ...rest2,
    ...(fusedAdam
      ? { fusedAdam: { steps: fusedAdam.steps, m: base64(fusedAdam.m), v: base64(fusedAdam.v) } }
      : {}),
    model: lenet.config,
    artifacts: { ...rest, weightData: toBase64(bytes) },
  };
  await writeJsonAtomic(path, file);
}

/**
 * Reads a checkpoint: the model with its optimizer state restored, and the training state.
 *
 * @param path The checkpoint file.
 * @returns The compiled model and the state to continue from.
 * @throws {CheckpointError} When the file is missing or not a checkpoint.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CheckpointError, loadCheckpoint } from "./checkpoint.ts";
 * await assert.rejects(loadCheckpoint("no/such/checkpoint.json"), CheckpointError);
 * ```
 */
export async function loadCheckpoint(path: string): Promise<{ lenet: LeNet; state: TrainState }> {
  let file: CheckpointFile;
  try {
    file = JSON.parse(await Deno.readTextFile(path));
  } catch (error) {
    const why = error instanceof Deno.errors.NotFound ? "not found" : (error as Error).message;
    throw new CheckpointError(`Cannot resume from ${path}: ${why}`);
  }
  if (file.format !== FORMAT) {
    throw new CheckpointError(`Cannot resume from ${path}: not a ${FORMAT} file`);
  }
  await ensureBackend();
  const bytes = fromBase64(file.artifacts.weightData);
  const artifacts: tf.io.ModelArtifacts = {
    ...file.artifacts,
    weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
  };
  const model = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  const { epoch, train, history, fusedAdam } = file;
  const state: TrainState = { epoch, train, history };
  if (fusedAdam) {
    state.fusedAdam = { steps: fusedAdam.steps, m: floatsOf(fusedAdam.m), v: floatsOf(fusedAdam.v) };
  }
  return { lenet: new LeNet(model, file.model), state };
}
