/**
 * The models this repository ships (`models/`, listed in `models/models.json` with how each was
 * trained and how many MNIST test images it gets right) and the one rule every script uses to
 * pick the model that answers: `--model` if given, else the newest local run (`runs/latest`),
 * else the most accurate shipped model.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TrainConfig } from "../config.ts";
import { DEFAULT_RUN_DIR, ONNX_FILE } from "./run_names.ts";

/** The repository's `models/` folder. */
export const MODELS_DIR: string = fileURLToPath(new URL("../../models/", import.meta.url));

/** One shipped model, as `models/models.json` records it (its ONNX file's metadata says the same). */
export interface ShippedModel {
  /** The command that trained it. */
  command: string;
  /** Its recipe. */
  recipe: Partial<TrainConfig>;
  /** MNIST test images its ONNX model classifies right (onnxruntime-web). */
  testCorrect: number;
  /** MNIST test images. */
  testImages: number;
  /** The commit whose engine ran `command` when the model was shipped. */
  commit?: string;
  /** The SHA-256 (hex) of its `weights.bin`: what `command` writes, the same bits on every CPU. */
  weightsSha256?: string;
  /** The same command for one epoch on the first 2,000 images, and its weights' SHA-256 (a test remakes it). */
  short?: { command: string; weightsSha256: string };
  /**
   * The SHA-256 (hex) of its `model.onnx`: the classifier runs a model with this hash on the
   * calling thread (src/onnx/trusted_models.ts); not in the file's own metadata, which it hashes.
   */
  onnxSha256?: string;
  /**
   * The most values its graph keeps alive for one image, as the graph check finds it: the
   * classifier sizes its batches by it without parsing the graph (src/onnx/trusted_models.ts); not
   * in the file's metadata.
   */
  liveValues?: number;
}

/**
 * A shipped model's record as ONNX metadata entries (strings; the recipe as JSON), without what
 * is found in the file made from it (its hash, its graph's live values).
 *
 * @param model The record.
 * @returns `metadata_props` entries for `exportOnnx`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { shippedMetadata } from "./shipped_models.ts";
 * const meta = shippedMetadata({ command: "deno task train", recipe: { epochs: 15 }, testCorrect: 9879, testImages: 10000 });
 * assert.deepEqual(meta, { command: "deno task train", recipe: '{"epochs":15}', testCorrect: "9879", testImages: "10000" });
 * ```
 */
export function shippedMetadata(model: ShippedModel): Record<string, string> {
  const { onnxSha256: _hash, liveValues: _live, ...record } = model;
  return Object.fromEntries(
    Object.entries(record).map((
      [key, value],
    ) => [key, typeof value === "string" ? value : JSON.stringify(value)]),
  );
}

/**
 * The shipped models, by folder name.
 *
 * @returns `models/models.json`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readShippedModels } from "./shipped_models.ts";
 * assert.ok(Object.keys(await readShippedModels()).length >= 1);
 * ```
 */
export async function readShippedModels(): Promise<Record<string, ShippedModel>> {
  try {
    return JSON.parse(await Deno.readTextFile(join(MODELS_DIR, "models.json")));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return {};
    throw error;
  }
}

/** Why {@linkcode chooseModel} picks the newest local run. */
export const LOCAL_RUN_REASON = "the newest local run";

/** The model that answers, and why it is the one. */
export interface ModelChoice {
  /** Its ONNX file. */
  path: string;
  /** Why: given, the newest local run, or the most accurate shipped model and its accuracy. */
  why: string;
}

/**
 * Picks the model that answers: `given` if any, else the newest local run's, else the most
 * accurate shipped model.
 *
 * @param given The `--model` flag, if given.
 * @returns The model's ONNX file and why it was picked.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { chooseModel } from "./shipped_models.ts";
 * assert.deepEqual(await chooseModel("my.onnx"), { path: "my.onnx", why: "given by --model" });
 * ```
 */
export async function chooseModel(given?: string): Promise<ModelChoice> {
  if (given) return { path: given, why: "given by --model" };
  const local = join(DEFAULT_RUN_DIR, ONNX_FILE);
  try {
    await Deno.stat(local);
    return { path: local, why: LOCAL_RUN_REASON };
  } catch { /* no local run: a shipped model */ }
  const [name, best] = Object.entries(await readShippedModels())
    .sort(([, a], [, b]) => b.testCorrect / b.testImages - a.testCorrect / a.testImages)[0]!;
  const accuracy = (100 * best.testCorrect / best.testImages).toFixed(2);
  return {
    path: join(MODELS_DIR, name, ONNX_FILE),
    why: `the most accurate shipped model, ${accuracy}% on MNIST's test set (${best.command})`,
  };
}
