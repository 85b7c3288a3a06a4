/**
 * Checkpoints: everything needed to continue a training run (weights, Adam's moments, the
 * recipe, the history so far) in ONE file, written atomically after every epoch. One file means
 * an interruption can never pair the weights of one epoch with the history of another.
 *
 * @module
 */
import { firstLine, LenetError, messageOf } from "../errors.ts";
import * as tf from "../npm/tfjs.ts";
import {
  type LeNetConfig,
  MAX_PARAMETERS,
  resolveLeNetConfig,
  resolveTrainConfig,
  type TrainConfig,
  weightCount,
} from "../config.ts";
import { readBounded } from "../_bounded_read.ts";
import { fromBase64, toBase64 } from "../_base64.ts";
import { writeJsonAtomic } from "../_atomic.ts";
import { type LeNet, lenetFromArtifacts, saveWith } from "../model/lenet.ts";
import type { AdamState } from "./step_engine.ts";
import { type EpochLog, isEpochLog } from "./types.ts";

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
  fusedAdam?: AdamState;
  /** How many training images the run trains on (the first of its set): a resumed run takes as many. */
  trainCount?: number;
}

interface CheckpointFile extends Omit<TrainState, "fusedAdam"> {
  format: string;
  fusedAdam?: { steps: number; m: string; v: string; average?: string };
  model: LeNetConfig;
  artifacts: Omit<tf.io.ModelArtifacts, "weightData"> & { weightData: string };
}

/** Raised when a checkpoint file is missing or unreadable. */
export class CheckpointError extends LenetError {}

const base64 = (floats: Float32Array) =>
  toBase64(new Uint8Array(floats.buffer, floats.byteOffset, floats.byteLength));
const floatsOf = (bytes: Uint8Array) =>
  new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + (bytes.byteLength & ~3)));

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
 * import { LeNet } from "../model/lenet.ts";
 * import { loadCheckpoint, saveCheckpoint } from "./checkpoint.ts";
 * const lenet = await LeNet.create();
 * const path = `${await Deno.makeTempDir()}/checkpoint.json`;
 * const log = { epoch: 1, loss: 0.3, accuracy: 0.9, valLoss: 0.2, valAccuracy: 0.95, seconds: 6, learningRate: 1e-3 };
 * await saveCheckpoint(path, lenet, { epoch: 1, train: DEFAULT_TRAIN, history: [log] });
 * const restored = await loadCheckpoint(path);
 * assert.equal(restored.state.epoch, 1);
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
      ? {
        fusedAdam: {
          steps: fusedAdam.steps,
          m: base64(fusedAdam.m),
          v: base64(fusedAdam.v),
          ...(fusedAdam.average ? { average: base64(fusedAdam.average) } : {}),
        },
      }
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
  const fail = (reason: string) => new CheckpointError(`Cannot resume from ${path}: ${reason}`);
  const text = new TextDecoder().decode(await readBounded(path, MAX_CHECKPOINT_BYTES, fail));
  let file: CheckpointFile;
  try {
    file = JSON.parse(text);
  } catch (error) {
    throw fail(`not JSON (${firstLine(error)})`);
  }
  if (file?.format !== FORMAT) throw fail(`not a ${FORMAT} file`);
  const state = checkState(file, fail);
  const count = parameterCount(file.model, fail);
  const adam = state.fusedAdam;
  if (
    adam &&
    (adam.m.length !== count || adam.v.length !== count || (adam.average && adam.average.length !== count))
  ) {
    throw fail(`its Adam moments do not fit a model of ${count} weights`);
  }
  const data = file.artifacts?.weightData;
  if (typeof data !== "string" || data.length > MAX_CHECKPOINT_BYTES) throw fail("no weights");
  const bytes = decodeBase64(data, fail);
  const artifacts: tf.io.ModelArtifacts = {
    ...file.artifacts,
    weightData: new Uint8Array(bytes).buffer, // a copy into a buffer of its own
  };
  const lenet = await lenetFromArtifacts(artifacts, file.model, fail);
  return { lenet, state };
}

/** Largest checkpoint accepted, in bytes: the largest LeNet's weights and Adam state, in base64. */
const MAX_CHECKPOINT_BYTES = 3 * 4 * MAX_PARAMETERS * 2 + 1024 * 1024;

// The recipe, the epoch count and the history, each checked: a checkpoint edited by hand (or cut
// short) is refused with the field that is wrong.
function checkState(file: CheckpointFile, fail: (reason: string) => CheckpointError): TrainState {
  const { epoch, history, fusedAdam } = file;
  let train: TrainConfig;
  try {
    train = resolveTrainConfig(file.train);
  } catch (error) {
    throw fail(messageOf(error));
  }
  if (!Number.isInteger(epoch) || epoch < 1 || epoch > train.epochs) throw fail(`invalid epoch ${epoch}`);
  if (!Array.isArray(history) || history.length !== epoch || !history.every(isEpochLog)) {
    throw fail(`its history does not hold ${epoch} epochs`);
  }
  const state: TrainState = { epoch, train, history };
  if (file.trainCount !== undefined) {
    if (!Number.isInteger(file.trainCount) || file.trainCount < 1) {
      throw fail(`invalid trainCount ${file.trainCount}`);
    }
    state.trainCount = file.trainCount;
  }
  if (fusedAdam !== undefined) {
    if (!Number.isInteger(fusedAdam?.steps) || fusedAdam.steps < 0) throw fail("invalid Adam state");
    if (typeof fusedAdam.m !== "string" || typeof fusedAdam.v !== "string") throw fail("invalid Adam state");
    state.fusedAdam = {
      steps: fusedAdam.steps,
      m: floatsOf(decodeBase64(fusedAdam.m, fail)),
      v: floatsOf(decodeBase64(fusedAdam.v, fail)),
      ...(typeof fusedAdam.average === "string"
        ? { average: floatsOf(decodeBase64(fusedAdam.average, fail)) }
        : {}),
    };
  }
  return state;
}

function parameterCount(model: unknown, fail: (reason: string) => CheckpointError): number {
  try {
    return weightCount(resolveLeNetConfig(model as Partial<LeNetConfig>));
  } catch (error) {
    throw fail(messageOf(error));
  }
}

function decodeBase64(text: string, fail: (reason: string) => CheckpointError): Uint8Array<ArrayBuffer> {
  try {
    return fromBase64(text);
  } catch {
    throw fail("its data is not base64");
  }
}
