/**
 * A model directory as tfjs layers files: `model.json` (topology, weight manifest, our metadata)
 * and `weights.bin`, saved atomically (see `_atomic.ts`) and loaded with their sizes checked.
 *
 * @module
 */
import { LenetError } from "../errors.ts";
import * as tf from "../_tfjs.ts";
import { join } from "node:path";
import type { IOHandler } from "../tfjs_types.ts";
import { writeFileAtomic, writeJsonAtomic } from "../_atomic.ts";

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

/**
 * A tfjs load handler reading `model.json` and its weight files from `dir`.
 *
 * @param dir The model directory.
 * @returns A handler for `tf.loadLayersModel`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fileURLToPath } from "node:url";
 * import * as tf from "../_tfjs.ts";
 * import { ensureBackend } from "../engines/tfjs/backend.ts";
 * import { fileLoadHandler } from "./files.ts";
 * await ensureBackend();
 * const model = await tf.loadLayersModel(fileLoadHandler(fileURLToPath(new URL("../../models/lenet-mnist/", import.meta.url))));
 * assert.equal(model.countParams(), 106_154);
 * model.dispose();
 * ```
 */
export function fileLoadHandler(dir: string): IOHandler {
  return {
    async load(): Promise<tf.io.ModelArtifacts> {
      const jsonPath = join(dir, MODEL_JSON);
      let json: tf.io.ModelJSON;
      try {
        json = JSON.parse(await Deno.readTextFile(jsonPath));
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) {
          throw new ModelFileError(`No model in ${dir}: ${MODEL_JSON} not found`);
        }
        throw new ModelFileError(`Invalid ${jsonPath}: ${(error as Error).message}`);
      }
      if (!json.modelTopology || !Array.isArray(json.weightsManifest)) {
        throw new ModelFileError(`Invalid ${jsonPath}: not a tfjs layers model`);
      }
      const specs = json.weightsManifest.flatMap((group) => group.weights);
      const parts = await Promise.all(
        json.weightsManifest.flatMap((group) => group.paths).map((p) => Deno.readFile(join(dir, p))),
      );
      const weightData = tf.io.concatenateArrayBuffers(
        parts.map((p) => p.buffer.slice(p.byteOffset, p.byteOffset + p.byteLength) as ArrayBuffer),
      );
      const expected = specs.reduce((n, s) => n + 4 * s.shape.reduce((a, b) => a * b, 1), 0);
      if (weightData.byteLength !== expected) {
        throw new ModelFileError(
          `Weights of ${dir} have ${weightData.byteLength} bytes, ${MODEL_JSON} declares ${expected}`,
        );
      }
      return {
        modelTopology: json.modelTopology,
        weightSpecs: specs,
        weightData,
        format: json.format,
        generatedBy: json.generatedBy,
        trainingConfig: json.trainingConfig,
        userDefinedMetadata: json.userDefinedMetadata,
      };
    },
  };
}
