/**
 * Where a run goes and what its ONNX model is called: the names that `predict`, the shipped models
 * and `train`'s flags need, in a module that imports nothing, so that a cold `predict` does not
 * load the training, the figures and TensorFlow.js to learn them (`run_dir.ts` owns the rest).
 *
 * @module
 */

/** Where a run goes when no `--out` is given, and where `predict` looks for a trained model. */
export const DEFAULT_RUN_DIR = "runs/latest";

/** A run's ONNX model, and every shipped model's. */
export const ONNX_FILE = "model.onnx";
