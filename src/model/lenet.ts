/**
 * The LeNet of the classic tutorial as a TensorFlow.js model (its layers built by `layers.ts`:
 * two 3x3 `same` convolutions, each followed by 2x2 max-pooling, then three dense layers ending
 * in a softmax), with what a user does to one: create, predict, summarise, save and load.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import * as tf from "../npm/tfjs.ts";
import { lenetLayers } from "./layers.ts";
import { ensureBackend } from "../tfjs/backend.ts";
import { type LeNetConfig, resolveLeNetConfig } from "../config.ts";
import { ArgumentError, firstLine, type LenetError, messageOf } from "../errors.ts";
import { pathLike } from "../_arguments.ts";
import { artifactsProblem } from "./artifacts.ts";
import { fileSaveHandler, ModelFileError, readModelArtifacts } from "./files.ts";
import type { IOHandler, LayersModel, Tensor, Tensor2D } from "../tfjs_types.ts";
import { checkWeights, type LeNetWeights } from "./weights.ts";
import { displayOf, JUPYTER_DISPLAY, type MimeBundle } from "../display_hook.ts";

/** One row of {@linkcode LeNet.summary}. */
export interface LayerSummary {
  /** Position as {@linkcode LeNet.getWeights} counts it: 0 is the input. */
  index: number;
  /** Layer name, e.g. `conv1`. */
  name: string;
  /** Layer class, e.g. `Conv2D`. */
  type: string;
  /** Output shape without the batch dimension. */
  outputShape: number[];
  /** Trainable parameters. */
  params: number;
}

/** Options of {@linkcode LeNet.create}. */
export interface LeNetCreateOptions {
  /**
   * Seed of the Glorot-uniform initialisation: the same seed gives the same weights.
   * @default 42
   */
  seed?: number;
}

const METADATA_KEY = "lenet";

/**
 * A LeNet: its configuration and the tfjs model that implements it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LeNet } from "./lenet.ts";
 * const lenet = await LeNet.create();
 * assert.equal(lenet.countParams(), 106_154);
 * lenet.dispose();
 * ```
 */
export class LeNet {
  /** The tfjs model: for `predict`, `fit` or anything else tfjs offers. */
  readonly model: LayersModel;
  /** The architecture this model was built from. */
  readonly config: LeNetConfig;

  /**
   * Wraps an existing tfjs model; prefer {@linkcode LeNet.create} or {@linkcode LeNet.load}.
   *
   * @param model A model built by {@linkcode LeNet.create}'s layers.
   * @param config The configuration it was built from.
   */
  constructor(model: LayersModel, config: LeNetConfig) {
    this.model = model;
    this.config = config;
  }

  /**
   * Builds a freshly initialised LeNet (starting tfjs's wasm backend first if nothing runs yet).
   *
   * @param overrides Architecture changes from the tutorial's defaults.
   * @param options Initialisation options.
   * @returns The new model.
   * @throws {ConfigError} On an unknown option or an invalid value.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { LeNet } from "./lenet.ts";
   * const small = await LeNet.create({ conv1Filters: 4, fc1Units: 32, activation: "relu" }, { seed: 1 });
   * assert.deepEqual(small.summary()[1]!.outputShape, [28, 28, 4]);
   * small.dispose();
   * ```
   */
  static async create(
    overrides: Partial<LeNetConfig> = {},
    options: LeNetCreateOptions = {},
  ): Promise<LeNet> {
    const { seed = 42 } = options;
    const config = resolveLeNetConfig(overrides);
    await ensureBackend();
    return new LeNet(lenetLayers(config, seed), config);
  }

  /**
   * Builds a LeNet holding given weights, for example those a `FusedTrainer` trained.
   *
   * @param model A configuration and its weights, flat, in tfjs's order.
   * @returns The model.
   * @throws {WeightsError} When the weights do not fit the configuration.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { LeNet } from "./lenet.ts";
   * const a = await LeNet.create({}, { seed: 7 });
   * const b = await LeNet.fromWeights(a.toWeights());
   * assert.deepEqual(b.toWeights().weights, a.toWeights().weights);
   * a.dispose(), b.dispose();
   * ```
   */
  static async fromWeights(model: LeNetWeights): Promise<LeNet> {
    const { config, weights } = checkWeights(model);
    const lenet = await LeNet.create(config);
    lenet.setWeights(weights);
    return lenet;
  }

  /**
   * Restores a model saved by {@linkcode LeNet.save}.
   *
   * @param dir The model directory (`model.json` + `weights.bin`), as a path or a `file:` URL.
   * @returns The model, predicting exactly as the saved one did.
   * @throws {ModelFileError} When the directory holds no valid LeNet.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { LeNet } from "./lenet.ts";
   * const lenet = await LeNet.load(new URL("../../models/lenet-tutorial/", import.meta.url));
   * assert.equal(lenet.config.activation, "sigmoid");
   * lenet.dispose();
   * ```
   */
  static async load(dir: string | URL): Promise<LeNet> {
    pathLike(dir, "LeNet.load(dir)");
    const path = dir instanceof URL ? fileURLToPath(dir) : dir;
    const artifacts = await readModelArtifacts(path);
    const meta = artifacts.userDefinedMetadata as Record<string, unknown> | undefined;
    if (!meta?.[METADATA_KEY]) {
      throw new ModelFileError(
        `The model in ${path} is not a LeNet of this module (no "${METADATA_KEY}" metadata)`,
      );
    }
    return await lenetFromArtifacts(
      artifacts,
      meta[METADATA_KEY],
      (why) => new ModelFileError(`The model in ${path}: ${why}`),
    );
  }

  /**
   * Saves the model as tfjs layers files, each written atomically.
   *
   * @param dir Destination directory, created if missing.
   * @param includeOptimizer Also save the optimizer's state (for resuming training).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { LeNet } from "./lenet.ts";
   * const lenet = await LeNet.create();
   * const dir = await Deno.makeTempDir();
   * await lenet.save(dir);
   * const again = await LeNet.load(dir);
   * assert.deepEqual(again.toWeights().weights, lenet.toWeights().weights);
   * lenet.dispose(), again.dispose();
   * ```
   */
  async save(dir: string, includeOptimizer = false): Promise<void> {
    pathLike(dir, "save(dir)");
    await saveWith(this, fileSaveHandler(dir), includeOptimizer);
  }

  /**
   * Layer by layer: index, name, type, output shape and parameter count, input first.
   *
   * @returns One row per layer, the input as index 0.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { LeNet } from "./lenet.ts";
   * const lenet = await LeNet.create();
   * const { name, outputShape, params } = lenet.summary()[1]!;
   * assert.deepEqual([name, outputShape, params], ["conv1", [28, 28, 6], 60]);
   * lenet.dispose();
   * ```
   */
  summary(): LayerSummary[] {
    const rows: LayerSummary[] = [{
      index: 0,
      name: "input",
      type: "InputLayer",
      outputShape: [...this.config.inputShape],
      params: 0,
    }];
    this.model.layers.forEach((layer, i) => {
      const shape = layer.outputShape as (number | null)[];
      rows.push({
        index: i + 1,
        name: layer.name,
        type: layer.getClassName(),
        outputShape: shape.slice(1) as number[],
        params: layer.countParams(),
      });
    });
    return rows;
  }

  /**
   * What a Jupyter notebook shows for a LeNet: its summary as a table (Deno's kernel calls this;
   * the table is drawn by the notebook entry point's renderer, `notebook.ts`).
   *
   * @returns HTML and text.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import "../../notebook.ts"; // the renderers
   * import { LeNet } from "./lenet.ts";
   * import { JUPYTER_DISPLAY } from "../display_hook.ts";
   * const lenet = await LeNet.create();
   * assert.match((await lenet[JUPYTER_DISPLAY]())["text/html"] as string, /Total params: 106,154/);
   * lenet.dispose();
   * ```
   */
  [JUPYTER_DISPLAY](): MimeBundle | Promise<MimeBundle> {
    return displayOf("lenet", this);
  }

  /**
   * The summary as an aligned text table ending in the parameter total.
   *
   * @returns Printable text.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { LeNet } from "./lenet.ts";
   * const lenet = await LeNet.create();
   * assert.match(lenet.summaryText(), /Total params: 106,154$/);
   * lenet.dispose();
   * ```
   */
  summaryText(): string {
    const rows = this.summary().map((r) => [
      String(r.index),
      `${r.name} (${r.type})`,
      `[${r.outputShape.join(", ")}]`,
      r.params.toLocaleString("en-US"),
    ]);
    const head = ["#", "Layer (type)", "Output shape", "Params"];
    const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
    const line = (cells: string[]) =>
      cells.map((cell, c) => c === 3 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)).join("  ");
    const rule = "─".repeat(line(head).length);
    return [
      line(head),
      rule,
      ...rows.map(line),
      rule,
      `Total params: ${this.countParams().toLocaleString("en-US")}`,
    ].join("\n");
  }

  /**
   * Number of trainable parameters.
   *
   * @returns 106,154 for the tutorial's defaults.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { LeNet } from "./lenet.ts";
   * const lenet = await LeNet.create();
   * assert.equal(lenet.countParams(), 106_154);
   * lenet.dispose();
   * ```
   */
  countParams(): number {
    return this.model.countParams();
  }

  /**
   * A layer's weights, counted as in the tutorial: 0 is the input (no weights), 1 the first
   * convolution (kernel `[3, 3, 1, 6]` and bias `[6]`), 3 the second, 6 to 8 the dense layers.
   *
   * @param layerIndex Position as in {@linkcode LeNet.summary}.
   * @returns Copies of the layer's weight tensors (kernel, then bias); the caller disposes them.
   * @throws {ArgumentError} When no layer has that index.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { LeNet } from "./lenet.ts";
   * const lenet = await LeNet.create();
   * const [kernel, bias] = lenet.getWeights(1);
   * assert.deepEqual([kernel!.shape, bias!.shape], [[3, 3, 1, 6], [6]]);
   * lenet.dispose();
   * ```
   */
  getWeights(layerIndex: number): Tensor[] {
    const count = this.model.layers.length;
    if (!Number.isInteger(layerIndex) || layerIndex < 0 || layerIndex > count) {
      throw new ArgumentError(`getWeights(layerIndex): expected 0..${count}, got ${layerIndex}`);
    }
    return layerIndex === 0 ? [] : this.model.layers[layerIndex - 1]!.getWeights().map((w) => w.clone());
  }

  /**
   * Class probabilities for a batch of images.
   *
   * @param images `[batch, 28, 28, 1]` floats in [0, 1].
   * @returns `[batch, 10]` softmax probabilities.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import * as tf from "../npm/tfjs.ts";
   * import { LeNet } from "./lenet.ts";
   * const lenet = await LeNet.create();
   * const probs = lenet.predict(tf.zeros([2, 28, 28, 1]));
   * assert.deepEqual(probs.shape, [2, 10]);
   * lenet.dispose();
   * ```
   */
  predict(images: Tensor): Tensor2D {
    if (!(images instanceof tf.Tensor)) {
      throw new ArgumentError(`predict(images): expected a tfjs Tensor [n, 28, 28, 1], got ${typeof images}`);
    }
    return this.model.predict(images) as tf.Tensor2D;
  }

  /**
   * Every weight as one flat array (a copy), with the configuration: the plain form the fused
   * engine and the ONNX export take.
   *
   * @returns The configuration and `countParams()` floats, in tfjs's order.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { LeNet } from "./lenet.ts";
   * const lenet = await LeNet.create();
   * assert.equal(lenet.toWeights().weights.length, 106_154);
   * lenet.dispose();
   * ```
   */
  toWeights(): LeNetWeights {
    const out = new Float32Array(this.countParams());
    let at = 0;
    for (const w of this.model.getWeights()) {
      const values = w.dataSync() as Float32Array;
      out.set(values, at);
      at += values.length;
    }
    return { config: this.config, weights: out };
  }

  /**
   * Replaces every weight.
   *
   * @param weights `countParams()` floats in tfjs's order (as {@linkcode LeNet.toWeights} gives).
   * @throws {WeightsError} When the count differs.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { LeNet } from "./lenet.ts";
   * const lenet = await LeNet.create();
   * lenet.setWeights(new Float32Array(106_154).fill(0.5));
   * assert.equal(lenet.toWeights().weights[0], 0.5);
   * lenet.dispose();
   * ```
   */
  setWeights(weights: Float32Array): void {
    checkWeights({ config: this.config, weights });
    let at = 0;
    const tensors = this.model.getWeights().map((w) => {
      const t = tf.tensor(weights.subarray(at, at + w.size), w.shape);
      at += w.size;
      return t;
    });
    this.model.setWeights(tensors);
    tf.dispose(tensors);
  }

  /** Frees the model's weights, and its optimizer's state when it was trained with tfjs. */
  dispose(): void {
    // tfjs frees the optimizer only when compile() made it from a name; ours is an Adam instance
    this.model.optimizer?.dispose();
    this.model.dispose();
  }
}

/**
 * Builds a LeNet from artifacts read from files, once they are checked against the configuration
 * they claim (bounded sizes, the same topology, the right weights). Whatever fails becomes the
 * caller's error type, and a failed build frees what it had allocated.
 *
 * @param artifacts Topology, weight specs and bytes (`readModelArtifacts`, or a checkpoint's).
 * @param config The configuration they claim, as found in the file (not trusted).
 * @param errorOf Makes the caller's error from a one-line reason.
 * @returns The model.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LenetError } from "../errors.ts";
 * import { readModelArtifacts } from "./files.ts";
 * import { lenetFromArtifacts } from "./lenet.ts";
 * const artifacts = await readModelArtifacts(new URL("../../models/lenet-tutorial/", import.meta.url).pathname);
 * const edited = { ...artifacts, modelTopology: JSON.parse(JSON.stringify(artifacts.modelTopology).replaceAll("sigmoid", "relu")) };
 * await assert.rejects(lenetFromArtifacts(edited, { activation: "sigmoid" }, (m) => new LenetError(m)), /activation/);
 * ```
 */
export async function lenetFromArtifacts(
  artifacts: tf.io.ModelArtifacts,
  config: unknown,
  errorOf: (reason: string) => LenetError,
): Promise<LeNet> {
  let resolved: LeNetConfig;
  try {
    resolved = resolveLeNetConfig(config as Partial<LeNetConfig>);
  } catch (error) {
    throw errorOf(messageOf(error));
  }
  const problem = artifactsProblem(artifacts, resolved);
  if (problem) throw errorOf(problem);
  await ensureBackend();
  const engine = tf.engine(), before = new Set(Object.keys(engine.state.registeredVariables));
  engine.startScope();
  try {
    const model = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
    return new LeNet(model, resolved);
  } catch (error) {
    for (const [name, variable] of Object.entries(engine.state.registeredVariables)) {
      if (!before.has(name)) variable.dispose();
    }
    throw errorOf(firstLine(error));
  } finally {
    engine.endScope();
  }
}

/**
 * Saves a LeNet through any tfjs save handler, with its configuration in the metadata. tfjs's Adam
 * makes a tensor of its step count each time its weights are saved and never frees it, so the
 * save runs in a tfjs scope that frees what it leaves.
 *
 * @param lenet The model.
 * @param handler Where the artifacts go.
 * @param includeOptimizer Also save the optimizer's state.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "../npm/tfjs.ts";
 * import { LeNet, saveWith } from "./lenet.ts";
 * const lenet = await LeNet.create();
 * let topology: unknown;
 * await saveWith(lenet, tf.io.withSaveHandler((a) => (topology = a.modelTopology, Promise.resolve({ modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) }))), false);
 * assert.ok(topology);
 * lenet.dispose();
 * ```
 */
export async function saveWith(lenet: LeNet, handler: IOHandler, includeOptimizer: boolean): Promise<void> {
  lenet.model.setUserDefinedMetadata({ [METADATA_KEY]: lenet.config });
  tf.engine().startScope();
  try {
    await lenet.model.save(handler, { includeOptimizer });
  } finally {
    tf.engine().endScope();
  }
}

/**
 * Checks that a value is a {@linkcode LeNet}, as a JavaScript caller may hand anything.
 *
 * @param value The argument.
 * @param what The function and argument, as the message names them.
 * @throws {ArgumentError} When it is not one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkLeNet } from "./lenet.ts";
 * assert.throws(() => checkLeNet({}, "evaluate(lenet)"), /evaluate\(lenet\): expected a LeNet/);
 * ```
 */
export function checkLeNet(value: unknown, what: string): asserts value is LeNet {
  if (!(value instanceof LeNet)) {
    throw new ArgumentError(`${what}: expected a LeNet (LeNet.create or LeNet.load)`);
  }
}
