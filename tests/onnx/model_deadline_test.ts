// Where a model runs: a shipped model (by its SHA-256) on the calling thread, any other isolated
// (a process of its own, or a worker) whose deadline stops it. On 0eb9b34 every model ran on the calling thread and its first run's
// time was read after the run: a model the graph check passed could hold the caller for minutes.
import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { OnnxClassifier, OnnxModelError } from "../../src/onnx/classifier.ts";
import { IsolatedSession } from "../../src/onnx/session.ts";
import { onnxClasses, onnxElementwiseChain } from "../../testing/hostile.ts";
import { normalizePixels } from "../../src/data/batch.ts";
import { loadMnist } from "../../src/data/dataset.ts";

const SHIPPED = new URL("../../models/lenet-tutorial/model.onnx", import.meta.url);

Deno.test("a shipped model runs on this thread, any other isolated (a process, or a worker), with the same answers", async () => {
  const bytes = await Deno.readFile(SHIPPED);
  const here = await OnnxClassifier.load(bytes);
  const worker = await OnnxClassifier.load(bytes, { isolation: "isolated" });
  const other = await OnnxClassifier.load(await onnxClasses(10));
  try {
    assertEquals([here.isolated, worker.isolated, other.isolated], [false, true, true]);
    const { test } = await loadMnist();
    const images = normalizePixels(test.images.subarray(0, 200 * 784));
    assertEquals(await worker.probabilities(images, 200), await here.probabilities(images, 200));
  } finally {
    await Promise.all([here.release(), worker.release(), other.release()]);
  }
});

Deno.test("a model the graph check passes but that runs for seconds is stopped at its deadline", async () => {
  // 70 Erf on 12.5 million values: within the operation bound, ~4 s an image here
  const slow = await onnxElementwiseChain(70, 16_000);
  const started = performance.now();
  await assertRejects(
    () => OnnxClassifier.load(slow, { timeoutMs: 500 }),
    OnnxModelError,
    "Model <bytes> did not answer 1 image(s) within 0.5 s: stopped",
  );
  const took = performance.now() - started;
  assert(took < 3_000, `stopped after ${Math.round(took)} ms`); // the worker's start, then 0.5 s
});

Deno.test("without a process (a worker, as with no --allow-run), the deadline stops the model too", async () => {
  const worker = new URL("../../src/onnx/_session_worker.ts", import.meta.url);
  const slow = await IsolatedSession.open(await onnxElementwiseChain(70, 16_000), "slow", 10_000, worker);
  await assertRejects(
    () => slow.run(new Float32Array(784), 1, 500),
    OnnxModelError,
    "Model slow did not answer 1 image(s) within 0.5 s: stopped",
  );
  await slow.release();
});

Deno.test("a call past its deadline ends the session's process, and every later call fails with the same line", async () => {
  const session = await IsolatedSession.open(await onnxElementwiseChain(3, 16), "erf3", 10_000);
  const images = new Float32Array(2_000 * 784);
  const stopped = "Model erf3 did not answer 2000 image(s) within 0.001 s: stopped";
  await assertRejects(() => session.run(images, 2_000, 1), OnnxModelError, stopped);
  await assertRejects(() => session.run(images.subarray(0, 784), 1, 10_000), OnnxModelError, stopped);
  await session.release();
});
