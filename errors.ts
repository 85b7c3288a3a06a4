/**
 * Every error this module throws on purpose, each a {@linkcode LenetError} with a one-line message
 * naming what was wrong (a file, a field, a limit) and, where one exists, how to fix it. Catch
 * `LenetError` for all of them, or one class for one cause.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfigError, LenetError } from "./errors.ts";
 * import { LeNet } from "./mod.ts";
 *
 * await assert.rejects(LeNet.create({ conv1Filters: 0 }), (error) => {
 *   assert.ok(error instanceof ConfigError && error instanceof LenetError);
 *   return true;
 * });
 * ```
 *
 * @module
 */
export { ArgumentError, LenetError } from "./src/errors.ts";
export { BackendError } from "./src/tfjs/backend.ts";
export { CheckpointError } from "./src/training/checkpoint.ts";
export { ConfigError } from "./src/config.ts";
export { DataError } from "./src/data/labeled_images.ts";
export { DivergedError } from "./src/training/loop.ts";
export { IdxError } from "./src/data/idx.ts";
export { ImageError } from "./src/images/digit.ts";
export { ModelFileError } from "./src/model/files.ts";
export { OnnxModelError } from "./src/onnx/graph_check.ts";
export { WeightsError } from "./src/model/weights.ts";
