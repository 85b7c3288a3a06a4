/**
 * What hosts an isolated model, whatever holds it (a worker, `_session_worker.ts`, or a process of
 * its own, `_session_process.ts`): it starts onnxruntime, creates the one model's session, and
 * answers one question at a time; and how a question or an answer travels as a frame (a JSON
 * header and one body of bytes) over a process's pipes.
 *
 * @module
 */
import * as ort from "../npm/onnxruntime_web.ts";
import { firstLine } from "../errors.ts";
import { configureOnnxRuntime, startOnnxRuntime } from "./runtime.ts";
import { createSession, type FromSessionWorker, runSession, type ToSessionWorker } from "./ort_session.ts";
import type { Frame } from "../_frames.ts";

/**
 * A host of one model: answers each question (a failure is an answer too, never a throw).
 *
 * @returns The function that answers.
 */
export function sessionHost(): (question: ToSessionWorker) => Promise<FromSessionWorker> {
  let model: Awaited<ReturnType<typeof createSession>> | undefined;
  const answer = async (question: ToSessionWorker): Promise<FromSessionWorker> => {
    switch (question.type) {
      case "start":
        configureOnnxRuntime({ threads: question.threads });
        await startOnnxRuntime();
        return { type: "started" };
      case "load":
        model = await createSession(question.bytes, question.name);
        return { type: "loaded", inputShape: model.inputShape };
      case "unload":
        await model?.session.release();
        model = undefined;
        return { type: "unloaded" };
      case "run": {
        if (!model) throw new Error("no model loaded");
        const input = new ort.Tensor("float32", question.pixels, [question.count, ...model.inputShape]);
        return { type: "ran", probabilities: await runSession(model.session, input) };
      }
    }
  };
  return async (question) => {
    try {
      return await answer(question);
    } catch (error) {
      return { type: "failed", message: firstLine(error) };
    }
  };
}

// the one field of a message that carries numbers in bulk, and its element type
const BULK = { bytes: Uint8Array, pixels: Float32Array, probabilities: Float32Array } as const;

/**
 * A message as a frame: its bulk field (model bytes, pixels, probabilities) as the body.
 *
 * @param message A question or an answer.
 * @returns The header and the body.
 */
export function toFrame(message: ToSessionWorker | FromSessionWorker): Frame<Record<string, unknown>> {
  const header: Record<string, unknown> = { ...message };
  for (const key of Object.keys(BULK) as (keyof typeof BULK)[]) {
    const value = header[key] as ArrayBufferView | undefined;
    if (!value) continue;
    delete header[key];
    header.bulk = key;
    return { header, body: new Uint8Array(value.buffer, value.byteOffset, value.byteLength) };
  }
  return { header, body: new Uint8Array() };
}

/**
 * A message from its frame (the inverse of {@linkcode toFrame}).
 *
 * @param frame The frame.
 * @returns The message.
 */
export function fromFrame<T extends ToSessionWorker | FromSessionWorker>(
  frame: Frame<Record<string, unknown>>,
): T {
  const { bulk, ...rest } = frame.header as { bulk?: keyof typeof BULK };
  if (!bulk) return rest as T;
  const body = frame.body.slice(); // its own buffer, aligned for a Float32Array
  const Type = BULK[bulk];
  return { ...rest, [bulk]: new Type(body.buffer, 0, body.byteLength / Type.BYTES_PER_ELEMENT) } as T;
}
