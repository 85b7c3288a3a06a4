/**
 * An onnxruntime-web session of one model, as both places a model runs make it (session.ts, on the
 * calling thread; _session_worker.ts, in a worker): created with its input checked, and run; and
 * the messages between an isolated session and its worker.
 *
 * @module
 */
import * as ort from "../npm/onnxruntime_web.ts";
import { firstLine } from "../errors.ts";
import { OnnxModelError } from "./model_error.ts";

/** What an isolated session asks its worker (`_session_worker.ts`), one question at a time. */
export type ToSessionWorker =
  | { type: "start"; threads: number }
  | { type: "load"; bytes: Uint8Array; name: string }
  | { type: "run"; pixels: Float32Array; count: number }
  | { type: "unload" };

/** What the worker answers. */
export type FromSessionWorker =
  | { type: "started" }
  | { type: "loaded"; inputShape: [number, number, number] }
  | { type: "ran"; probabilities: Float32Array<ArrayBuffer> }
  | { type: "unloaded" }
  | { type: "failed"; message: string };

/**
 * An onnxruntime-web session of a model, with its one input `[batch, C, H, W]` checked.
 *
 * @param bytes The model file.
 * @param name How errors name it.
 * @returns The session and its input shape without the batch.
 * @throws {OnnxModelError} When onnxruntime refuses the model or its input is not `[batch, C, H, W]`.
 */
export async function createSession(
  bytes: Uint8Array,
  name: string,
): Promise<{ session: ort.InferenceSession; inputShape: [number, number, number] }> {
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: "all" });
  } catch (error) {
    throw new OnnxModelError(`Not a usable ONNX model: ${name} (${firstLine(error)})`);
  }
  const meta = session.inputMetadata[0];
  const shape = meta && meta.isTensor ? meta.shape : [];
  const dims = shape.slice(1);
  if (session.inputNames.length !== 1 || shape.length !== 4 || !dims.every((d) => typeof d === "number")) {
    await session.release();
    throw new OnnxModelError(
      `Wrong input in ${name}: expected one float32 input [batch, channels, height, width], got [${shape}]`,
    );
  }
  return { session, inputShape: dims as [number, number, number] };
}

/**
 * Runs a session on one input and returns its first output.
 *
 * @param session The session.
 * @param input The input tensor.
 * @returns The first output's floats.
 */
export async function runSession(
  session: ort.InferenceSession,
  input: ort.Tensor,
): Promise<Float32Array<ArrayBuffer>> {
  const outputs = await session.run({ [session.inputNames[0]!]: input });
  return outputs[session.outputNames[0]!]!.data as Float32Array<ArrayBuffer>; // a float32 model (graph_check)
}
