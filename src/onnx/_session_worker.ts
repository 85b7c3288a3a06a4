// The worker of an isolated model session (session.ts's IsolatedSession): it starts onnxruntime,
// creates the one model's session, and answers one run at a time. Its parent terminates it when a
// question passes its deadline, which is what stops a model that would run for minutes.
import * as ort from "../npm/onnxruntime_web.ts";
import { firstLine } from "../errors.ts";
import { configureOnnxRuntime, startOnnxRuntime } from "./runtime.ts";
import { createSession, type FromSessionWorker, runSession, type ToSessionWorker } from "./ort_session.ts";

let model: Awaited<ReturnType<typeof createSession>> | undefined;

async function answer(question: ToSessionWorker): Promise<FromSessionWorker> {
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
}

async function reply(
  question: ToSessionWorker,
): Promise<{ reply: FromSessionWorker; transfer: ArrayBuffer[] }> {
  let reply: FromSessionWorker;
  try {
    reply = await answer(question);
  } catch (error) {
    reply = { type: "failed", message: firstLine(error) };
  }
  return { reply, transfer: reply.type === "ran" ? [reply.probabilities.buffer as ArrayBuffer] : [] };
}

// A node:worker_threads worker has a parentPort; a web Worker (a browser's, or Deno's) has self
const parentPort = "Deno" in globalThis ? (await import("node:worker_threads")).parentPort : null;
if (parentPort) {
  parentPort.on("message", async (question: ToSessionWorker) => {
    const { reply: answer, transfer } = await reply(question);
    parentPort.postMessage(answer, transfer);
  });
} else {
  const scope = globalThis as unknown as {
    onmessage: ((event: MessageEvent<ToSessionWorker>) => void) | null;
    postMessage(message: unknown, transfer: Transferable[]): void;
  };
  scope.onmessage = async (event) => {
    const { reply: answer, transfer } = await reply(event.data);
    scope.postMessage(answer, transfer);
  };
}
