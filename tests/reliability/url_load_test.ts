// OnnxClassifier.load(url) reads the body as it streams, with a byte cap and a timeout: an endless
// body stops at the cap, a stalled one at the timeout, and neither is held whole in memory.
import { assert, assertRejects } from "../_assert.ts";
import { MAX_MODEL_BYTES, OnnxClassifier, OnnxModelError } from "../../src/onnx/classifier.ts";

async function withServer(
  body: () => ReadableStream<Uint8Array>,
  fn: (url: URL) => Promise<void>,
): Promise<void> {
  const controller = new AbortController();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: controller.signal, onListen: () => {} },
    () => new Response(body()),
  );
  try {
    await fn(new URL(`http://127.0.0.1:${server.addr.port}/model.onnx`));
  } finally {
    controller.abort();
    await server.finished;
  }
}

Deno.test("OnnxClassifier.load(url) stops an endless body at the model size limit", async () => {
  const chunk = new Uint8Array(1 << 20);
  let sent = 0;
  await withServer(
    () =>
      new ReadableStream({
        pull(c) {
          sent += chunk.length;
          c.enqueue(chunk);
        },
      }),
    async (url) => {
      await assertRejects(() => OnnxClassifier.load(url), OnnxModelError, "larger than 67,108,864 bytes");
    },
  );
  assert(sent < 4 * MAX_MODEL_BYTES, `the server sent ${sent} bytes before the client stopped reading`);
});

Deno.test("OnnxClassifier.load(url) gives up on a body that stalls, at its timeout", async () => {
  let close = () => {};
  await withServer(
    () =>
      new ReadableStream({
        start(c) {
          c.enqueue(new Uint8Array(10)); // the headers and a few bytes, then nothing
          close = () => c.close();
        },
      }),
    async (url) => {
      const started = performance.now();
      await assertRejects(
        () => OnnxClassifier.load(url, { fetchTimeoutMs: 500 }),
        OnnxModelError,
        "no whole answer within 0.5 s",
      );
      assert(performance.now() - started < 5000);
      close();
    },
  );
});
