/**
 * A model directory as tfjs layers files: `model.json` (topology, weight manifest, our metadata)
 * and `weights.bin`, saved atomically (see `_atomic.ts`) and loaded with their sizes checked.
 *
 * @module
 */
import { firstLine, LenetError } from "../errors.ts";
import * as tf from "../npm/tfjs.ts";
import { join, sep as SEP } from "node:path";
import type { IOHandler } from "../tfjs_types.ts";
import { writeFileAtomic, writeJsonAtomic } from "../_atomic.ts";
import { describeFsError, readBounded } from "../_bounded_read.ts";
import { MAX_PARAMETERS } from "../config.ts";

/** File name of a saved model's topology and weight manifest (tfjs layers format). */
export const MODEL_JSON = "model.json";
/** File name of a saved model's weights, little-endian float32. */
export const WEIGHTS_BIN = "weights.bin";

function concatWeightData(data: tf.io.WeightData): Uint8Array {
  const buffers = Array.isArray(data) ? data : [data];
  return new Uint8Array(tf.io.concatenateArrayBuffers(buffers));
}

/**
 * A tfjs save handler writing `model.json` and `weights.bin` into `dir` (created if missing),
 * each atomically, weights first so `model.json` never names weights that are not there.
 *
 * @param dir The model directory.
 * @returns A handler for `LayersModel.save`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fileSaveHandler } from "./files.ts";
 * import { LeNet } from "./lenet.ts";
 * const lenet = await LeNet.create();
 * const dir = await Deno.makeTempDir();
 * await lenet.model.save(fileSaveHandler(dir));
 * assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), ["model.json", "weights.bin"]);
 * lenet.dispose();
 * ```
 */
export function fileSaveHandler(dir: string): IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      await Deno.mkdir(dir, { recursive: true });
      const weights = artifacts.weightData ? concatWeightData(artifacts.weightData) : new Uint8Array();
      await writeFileAtomic(join(dir, WEIGHTS_BIN), weights);
      const json = {
        format: artifacts.format ?? "layers-model",
        generatedBy: artifacts.generatedBy,
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        trainingConfig: artifacts.trainingConfig,
        weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
        userDefinedMetadata: artifacts.userDefinedMetadata,
      };
      await writeJsonAtomic(join(dir, MODEL_JSON), json);
      return {
        modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts),
      };
    },
  };
}

/** Raised when a model directory is missing, incomplete or not a tfjs layers model. */
export class ModelFileError extends LenetError {}

/** Largest `model.json` accepted, in bytes (the tutorial's is 4 KB). */
const MAX_MODEL_JSON_BYTES = 1024 * 1024;
/** Largest total of weight files accepted: the most weights a LeNet may have, with Adam's two moments. */
const MAX_WEIGHT_BYTES = 3 * 4 * MAX_PARAMETERS + 1024;

// A weight file must really be in the model's folder: a symbolic link named like one, pointing
// elsewhere, would make a model folder read any file the process may read (Deno's permissions go
// by the path asked for, not by where a link leads).
async function checkInside(
  path: string,
  dir: string,
  errorOf: (reason: string) => ModelFileError,
): Promise<void> {
  let real: string, folder: string;
  try {
    [real, folder] = await Promise.all([Deno.realPath(path), Deno.realPath(dir)]);
  } catch (error) {
    throw errorOf(describeFsError(error));
  }
  if (!real.startsWith(folder + SEP)) throw errorOf(`a link to ${real}, outside ${dir}`);
}

/**
 * Reads a model directory's files, checking everything that does not need the model's
 * configuration: regular files of bounded size, a JSON topology and weight manifest, weight files
 * named inside the directory, and exactly the bytes the manifest declares.
 *
 * @param dir The model directory.
 * @returns The artifacts, for `tf.loadLayersModel(tf.io.fromMemory(...))` once they are checked
 *   against their configuration (`artifactsProblem`).
 * @throws {ModelFileError} Naming the file and what is wrong with it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ModelFileError, readModelArtifacts } from "./files.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/model.json`, JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths: ["../x"], weights: [] }] }));
 * await assert.rejects(readModelArtifacts(dir), ModelFileError, "outside");
 * ```
 */
export async function readModelArtifacts(dir: string): Promise<tf.io.ModelArtifacts> {
  const jsonPath = join(dir, MODEL_JSON);
  const fail = (path: string) => (reason: string) => new ModelFileError(`${path}: ${reason}`);
  const text = new TextDecoder().decode(await readBounded(jsonPath, MAX_MODEL_JSON_BYTES, fail(jsonPath)));
  let json: tf.io.ModelJSON;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ModelFileError(`${jsonPath}: not JSON (${firstLine(error)})`);
  }
  const manifest = json?.weightsManifest;
  const wellFormed = typeof json?.modelTopology === "object" && json.modelTopology !== null &&
    Array.isArray(manifest) &&
    manifest.every((group) =>
      Array.isArray(group?.paths) && group.paths.every((p) => typeof p === "string") &&
      Array.isArray(group.weights) && group.weights.every((w) => Array.isArray(w?.shape))
    );
  if (!wellFormed) throw new ModelFileError(`${jsonPath}: not a tfjs layers model`);
  const specs = manifest.flatMap((group) => group.weights);
  const paths = manifest.flatMap((group) => group.paths);
  const outside = paths.find((p) => !/^[\w][\w.-]*$/.test(p) || p.includes(".."));
  if (outside !== undefined) {
    throw new ModelFileError(`${jsonPath}: weight file ${JSON.stringify(outside)} is outside ${dir}`);
  }
  const declared = specs.reduce((n, spec) => n + 4 * spec.shape.reduce((a, b) => a * (Number(b) || 0), 1), 0);
  if (!(declared <= MAX_WEIGHT_BYTES)) {
    throw new ModelFileError(`${jsonPath}: declares ${declared} bytes of weights`);
  }
  const parts: Uint8Array[] = [];
  let total = 0;
  for (const path of paths) {
    const full = join(dir, path);
    await checkInside(full, dir, fail(full));
    const part = await readBounded(full, declared - total, fail(full));
    parts.push(part);
    total += part.length;
  }
  if (total !== declared) {
    throw new ModelFileError(`Weights of ${dir} have ${total} bytes, ${MODEL_JSON} declares ${declared}`);
  }
  return {
    modelTopology: json.modelTopology,
    weightSpecs: specs,
    weightData: tf.io.concatenateArrayBuffers(
      parts.map((p) => new Uint8Array(p).buffer), // each part copied into a buffer of its own
    ),
    format: json.format,
    generatedBy: json.generatedBy,
    trainingConfig: json.trainingConfig,
    userDefinedMetadata: json.userDefinedMetadata,
  };
}
