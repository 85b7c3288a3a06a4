// The worker of an isolated model session (session.ts's IsolatedSession, where Deno may not start
// a process, and in a browser): the session host's answers, one question at a time. Its parent
// terminates it when a question passes its deadline, which is what stops a model that would run
// for minutes.
import { sessionHost } from "./session_host.ts";
import type { ToSessionWorker } from "./ort_session.ts";

const answer = sessionHost();
const transferOf = (reply: Awaited<ReturnType<typeof answer>>) =>
  reply.type === "ran" ? [reply.probabilities.buffer] : [];

// A node:worker_threads worker has a parentPort; a web Worker (a browser's, or Deno's) has self
const parentPort = "Deno" in globalThis ? (await import("node:worker_threads")).parentPort : null;
if (parentPort) {
  parentPort.on("message", async (question: ToSessionWorker) => {
    const reply = await answer(question);
    parentPort.postMessage(reply, transferOf(reply));
  });
} else {
  const global: unknown = globalThis; // a worker's scope, which the window's types do not describe
  const scope = global as {
    onmessage: ((event: MessageEvent<ToSessionWorker>) => void) | null;
    postMessage(message: unknown, transfer: Transferable[]): void;
  };
  scope.onmessage = async (event) => {
    const reply = await answer(event.data);
    scope.postMessage(reply, transferOf(reply));
  };
}
