/**
 * The error of a model that cannot be used, in a module of its own: what raises it (the sessions,
 * the classifier) does not load the graph check's ONNX schema and protobufjs with it.
 *
 * @module
 */
import { LenetError } from "../errors.ts";

/** Raised when a model file is not ONNX or not a model this classifier can feed. */
export class OnnxModelError extends LenetError {}
