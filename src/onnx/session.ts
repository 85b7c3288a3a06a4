/**
 * Where a model runs. A model this repository ships (known by its SHA-256) runs in an
 * onnxruntime-web session on the calling thread: nothing stands between a call and its answer.
 * Any other model (a user's file, a URL, the model a local run wrote, whose file anyone may
 * replace) runs in a session of its own, isolated, and every call on it has a deadline: when it
 * passes, what holds the session is ended, which stops onnxruntime mid-run, and the call fails
 * with one line. In Deno that is a process of its own (read access only) when Deno may start one
 * (`--allow-run=deno`): killing it frees all its memory at once. Otherwise a worker: it stops the
 * same, but Deno frees a terminated worker's memory late. Session creation (onnxruntime's graph
 * optimisation included) happens there too, under the same deadline.
 *
 * @module
 */
import * as ort from "../npm/onnxruntime_web.ts";
import { firstLine } from "../errors.ts";
import { OnnxModelError } from "./model_error.ts";
import { onnxThreads, startOnnxRuntime } from "./runtime.ts";
import { createSession, type FromSessionWorker, runSession, type ToSessionWorker } from "./ort_session.ts";
import { fromFrame, toFrame } from "./session_host.ts";
import { mayRunDeno, START_LIMIT_MS } from "../_deno_process.ts";
import { FramedChild } from "../_framed_child.ts";

/** A model's session, wherever it runs. */
export interface ModelSession {
  /** Input shape without the batch dimension: `[channels, height, width]`. */
  readonly inputShape: [number, number, number];
  /**
   * The model's output for `count` images.
   *
   * @param pixels The images back to back.
   * @param count How many.
   * @param limitMs How long the call may take (an isolated session stops it then).
   */
  run(pixels: Float32Array, count: number, limitMs: number): Promise<Float32Array>;
  /** Frees the session (an isolated one: frees it in its process or worker, kept for the next model). */
  release(): Promise<void>;
}

/** How long a worker may take to free a released model's session before it is ended instead. */
const UNLOAD_LIMIT_MS = 1_000;

// One started worker (or process) kept after its model was released, for the next model (by its module):
// onnxruntime's start (~0.5 s) is then paid once a process, not once a model. A worker that passed
// a deadline or failed is never kept; an idle one does not keep the process alive.
let idle: { key: string; worker: SessionWorker } | undefined;

/** A session on this thread, for the models this repository ships. */
export class LocalSession implements ModelSession {
  readonly inputShape: [number, number, number];
  readonly #session: ort.InferenceSession;
  // one image's input, reused by every single-image call: ort-web reads a tensor's data at each
  // run, so refilling it saves a tensor per call
  readonly #single: { pixels: Float32Array; tensor: ort.Tensor; busy: boolean };

  private constructor(session: ort.InferenceSession, inputShape: [number, number, number]) {
    this.#session = session;
    this.inputShape = inputShape;
    const pixels = new Float32Array(inputShape[0] * inputShape[1] * inputShape[2]);
    this.#single = { pixels, tensor: new ort.Tensor("float32", pixels, [1, ...inputShape]), busy: false };
  }

  /**
   * Creates the session once onnxruntime has started.
   *
   * @param bytes The model file.
   * @param name How errors name it.
   * @returns The session.
   */
  static async open(bytes: Uint8Array, name: string): Promise<LocalSession> {
    await startOnnxRuntime();
    const { session, inputShape } = await createSession(bytes, name);
    return new LocalSession(session, inputShape);
  }

  async run(pixels: Float32Array, count: number): Promise<Float32Array> {
    // the reused tensor serves one call at a time; a call that overlaps another gets its own
    const reuse = count === 1 && !this.#single.busy;
    try {
      if (reuse) this.#single.busy = true, this.#single.pixels.set(pixels);
      const input = reuse
        ? this.#single.tensor
        : new ort.Tensor("float32", pixels, [count, ...this.inputShape]);
      return await runSession(this.#session, input);
    } finally {
      if (reuse) this.#single.busy = false;
    }
  }

  async release(): Promise<void> {
    await this.#session.release();
  }
}

/** A session in a process or worker of its own, ended when a call passes its deadline. */
export class IsolatedSession implements ModelSession {
  readonly inputShape: [number, number, number];
  readonly #worker: SessionWorker;
  readonly #key: string;

  private constructor(worker: SessionWorker, key: string, inputShape: [number, number, number]) {
    this.#worker = worker;
    this.#key = key;
    this.inputShape = inputShape;
  }

  /**
   * Starts a process or worker (or takes the one kept idle), and creates the model's session in it
   * within `limitMs` of onnxruntime's start.
   *
   * @param bytes The model file.
   * @param name How errors name it.
   * @param limitMs How long creating the session may take.
   * @param workerUrl The worker's module (a browser page gives its bundle's); by default, in Deno,
   *   a process of its own when Deno may start one, else `_session_worker.ts` in a worker.
   * @returns The session.
   * @throws {OnnxModelError} When the model is refused, or not loaded in time.
   */
  static async open(
    bytes: Uint8Array,
    name: string,
    limitMs: number,
    workerUrl?: URL,
  ): Promise<IsolatedSession> {
    const key = workerUrl?.href ?? "";
    const kept = idle?.key === key ? idle.worker : undefined;
    if (kept) idle = undefined;
    const worker = kept ?? new SessionWorker(workerUrl, name);
    worker.name = name;
    try {
      if (!kept) {
        await worker.ask({ type: "start", threads: onnxThreads() }, START_LIMIT_MS, "start onnxruntime");
      }
      const loaded = await worker.ask({ type: "load", bytes, name }, limitMs, "load");
      if (loaded.type !== "loaded") {
        throw new OnnxModelError(`Model ${name}: unexpected answer ${loaded.type}`);
      }
      return new IsolatedSession(worker, key, loaded.inputShape);
    } catch (error) {
      await park(worker, key);
      throw error;
    }
  }

  async run(pixels: Float32Array, count: number, limitMs: number): Promise<Float32Array> {
    const answer = await this.#worker.ask(
      { type: "run", pixels, count },
      limitMs,
      `answer ${count} image(s)`,
    );
    if (answer.type !== "ran") throw new OnnxModelError(`Unexpected answer ${answer.type}`);
    return answer.probabilities;
  }

  async release(): Promise<void> {
    await park(this.#worker, this.#key);
  }
}

// A worker whose model is done with: kept for the next model if it is sound and none is kept yet,
// else ended.
async function park(worker: SessionWorker, key: string): Promise<void> {
  if (!worker.alive || idle) return worker.end();
  try {
    await worker.ask({ type: "unload" }, UNLOAD_LIMIT_MS, "free its session");
  } catch {
    return worker.end();
  }
  if (idle) worker.end();
  else idle = { key, worker };
}

/** A worker, whichever kind the runtime makes: messages in and out, errors, and its end. */
interface WorkerPort {
  post(message: ToSessionWorker): void;
  terminate(): void;
}

// Where the model is held. In Deno, when it may start Deno: a process of its own, killed at a
// deadline, which frees all its memory at once (a terminated worker's memory Deno frees late:
// five deadlines in a row took a process to ~1.2 GB here). Else in Deno a node:worker_threads
// worker; in a browser a module Worker, the only kind there. Each is unref'd where it can be: a
// classifier nobody released does not keep the process alive (a pending call's deadline timer
// does, while it waits).
async function startWorker(
  url: URL | undefined,
  onMessage: (answer: FromSessionWorker) => void,
  onError: (message: string) => void,
): Promise<WorkerPort> {
  if ("Deno" in globalThis && url === undefined && mayRunDeno()) return startProcess(onMessage, onError);
  url ??= new URL("./_session_worker.ts", import.meta.url);
  if ("Deno" in globalThis) {
    const { Worker } = await import("node:worker_threads");
    // node:worker_threads starts file: and data: modules only
    const entry = url.protocol === "file:"
      ? url
      : new URL(`data:text/javascript,import ${JSON.stringify(url.href)};`);
    const worker = new Worker(entry);
    worker.on("message", onMessage);
    worker.on("error", (error: Error) => onError(error.message));
    worker.unref();
    return { post: (message) => worker.postMessage(message), terminate: () => void worker.terminate() };
  }
  const worker = new Worker(url, { type: "module" });
  worker.onmessage = (event: MessageEvent<FromSessionWorker>) => onMessage(event.data);
  worker.onerror = (event: ErrorEvent) => (event.preventDefault(), onError(event.message));
  return { post: (message) => worker.postMessage(message), terminate: () => worker.terminate() };
}

/** Largest answer body read from a session's process: a batch's probabilities. */
const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

function startProcess(
  onMessage: (answer: FromSessionWorker) => void,
  onError: (message: string) => void,
): WorkerPort {
  const child = new FramedChild(
    new URL("./_session_process.ts", import.meta.url),
    ["--allow-read"],
    MAX_ANSWER_BYTES,
  );
  void (async () => {
    try {
      for (let frame = await child.next<Record<string, unknown>>(); frame; frame = await child.next()) {
        onMessage(fromFrame<FromSessionWorker>(frame));
      }
    } catch { /* a broken frame: the process is lost, said below */ }
    if (child.killed) return;
    const why = await child.why();
    onError(`its process ended${why ? `: ${why}` : ""}`);
  })();
  return {
    post(message) {
      const { header, body } = toFrame(message);
      child.send(header, body).catch(() => {}); // a process that is gone says so above
    },
    terminate: () => void child.kill(),
  };
}

// The worker and its one question at a time; a question past its deadline ends the worker.
class SessionWorker {
  readonly #worker: Promise<WorkerPort>;
  /** The model it runs, as errors name it. */
  name: string;
  #queue: Promise<unknown> = Promise.resolve();
  #waiting?: { resolve: (answer: FromSessionWorker) => void; reject: (error: Error) => void };
  #ended?: Error;

  constructor(url: URL | undefined, name: string) {
    this.name = name;
    this.#worker = startWorker(
      url,
      (answer) => {
        const waiting = this.#waiting;
        this.#waiting = undefined;
        if (answer.type === "failed") waiting?.reject(new OnnxModelError(answer.message));
        else waiting?.resolve(answer);
      },
      // an abort inside onnxruntime (out of memory, say) ends the worker: its question fails
      (message) =>
        this.#fail(new OnnxModelError(`Model ${this.name} stopped its worker: ${firstLine(message)}`)),
    );
  }

  /** Asks one question once the previous one is answered; the deadline counts from when it is sent. */
  ask(question: ToSessionWorker, limitMs: number, what: string): Promise<FromSessionWorker> {
    const asked = this.#queue.then(() => this.#send(question, limitMs, what));
    this.#queue = asked.catch(() => {});
    return asked;
  }

  async #send(question: ToSessionWorker, limitMs: number, what: string): Promise<FromSessionWorker> {
    const worker = await this.#worker;
    if (this.#ended) throw this.#ended;
    return await new Promise<FromSessionWorker>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#fail(
          new OnnxModelError(`Model ${this.name} did not ${what} within ${formatSeconds(limitMs)}: stopped`),
        );
      }, limitMs);
      const done = () => clearTimeout(timer);
      this.#waiting = {
        resolve: (answer) => (done(), resolve(answer)),
        reject: (error) => (done(), reject(error)),
      };
      worker.post(question);
    });
  }

  #fail(error: Error): void {
    const waiting = this.#waiting;
    this.#waiting = undefined;
    this.end(error);
    waiting?.reject(error);
  }

  /** Whether it can still answer: not ended by a deadline, a failure or a release. */
  get alive(): boolean {
    return this.#ended === undefined;
  }

  /** Terminates the worker; later questions fail with `why`. */
  end(why: Error = new OnnxModelError(`Model ${this.name} was released`)): void {
    this.#ended ??= why;
    void this.#worker.then((worker) => worker.terminate(), () => {});
  }
}

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toPrecision(3))} s`;
}
