// The helper thread of a FusedTrainer, however the runtime makes threads. In Deno:
// node:worker_threads rather than a web Worker, because it can be unref'd, so a trainer nobody
// disposed does not keep the process alive with its helper blocked in Atomics.wait. In a browser:
// a module Worker, the only kind there (the page's build bundles _worker.ts on its own and passes
// its URL). The message protocol is the same: the setup goes in, "ready" comes back.
import type { WorkerSetup } from "./_wasm.ts";

/** A started helper thread. */
export interface Thread {
  terminate(): void;
}

const inDeno = "Deno" in globalThis;

// node:worker_threads starts file: and data: modules only; a module imported over HTTP gets a
// data: module that imports it.
function nodeEntry(url: URL): URL {
  return url.protocol === "file:" ? url : new URL(`data:text/javascript,import ${JSON.stringify(url.href)};`);
}

/** Starts the module at `url` as a thread, hands it `setup` and waits for its "ready". */
export async function startThread(url: URL, setup: WorkerSetup): Promise<Thread> {
  const failed = (message: string) => new Error(`The training worker failed to start: ${message}`);
  if (inDeno) {
    const { Worker } = await import("node:worker_threads");
    const worker = new Worker(nodeEntry(url));
    await new Promise<void>((resolve, reject) => {
      worker.once("message", () => resolve());
      worker.once("error", (error) => reject(failed(error.message)));
      worker.postMessage(setup);
    });
    worker.unref();
    return worker;
  }
  const worker = new Worker(url, { type: "module" });
  await new Promise<void>((resolve, reject) => {
    worker.onmessage = () => resolve();
    worker.onerror = (event) => reject(failed(event.message));
    worker.postMessage(setup);
  });
  return worker;
}

/**
 * In the helper: on the setup the trainer sends, runs `start`, tells the trainer it is ready, and
 * then runs the loop `start` returned (which blocks this thread until the trainer says quit).
 */
export async function onSetup(start: (setup: WorkerSetup) => Promise<() => void>): Promise<void> {
  if (inDeno) {
    const { parentPort } = await import("node:worker_threads");
    parentPort!.once("message", async (setup: WorkerSetup) => {
      const loop = await start(setup);
      parentPort!.postMessage("ready");
      loop();
    });
    return;
  }
  const global: unknown = globalThis; // a worker's scope, which the window's types do not describe
  const scope = global as {
    onmessage: ((event: MessageEvent) => void) | null;
    postMessage(message: unknown): void;
  };
  scope.onmessage = async (event: MessageEvent) => {
    scope.onmessage = null;
    const loop = await start(event.data);
    scope.postMessage("ready");
    loop();
  };
}
