// mod.ts imported by URL, from a directory with no deno.json, as a user of the module would.
import { assert, assertEquals } from "./_assert.ts";

const ROOT = new URL("../", import.meta.url);

function serveRepo(): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    const path = new URL(request.url).pathname;
    if (path.includes("..")) return new Response("no", { status: 400 });
    try {
      const body = await Deno.readFile(new URL(`.${path}`, ROOT));
      return new Response(body, { headers: { "content-type": "application/typescript" } });
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
}

Deno.test("mod.ts imported over HTTP trains one step on wasm and classifies with onnxruntime-web, from a directory with no deno.json", async () => {
  const server = serveRepo();
  const origin = `127.0.0.1:${server.addr.port}`;
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/main.ts`,
      `import { exportOnnx, initBackend, LeNet, loadMnist, OnnxClassifier, takeRange, train } from "http://${origin}/mod.ts";
const backend = await initBackend();
const data = await loadMnist();
const lenet = LeNet.create();
const { history } = await train(lenet, takeRange(data.train, 0, 32), { epochs: 1, batchSize: 32 });
const classifier = await OnnxClassifier.load(exportOnnx(lenet));
const [answer] = await classifier.classify(new Float32Array(784));
console.log(JSON.stringify({ backend: backend.name, simd: backend.simd, loss: history[0].loss, top: answer.top.length }));
`,
    );
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", `--allow-import=${origin}`, "--allow-read", "main.ts"],
      cwd: dir,
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    const err = new TextDecoder().decode(stderr);
    assertEquals(code, 0, err);
    const result = JSON.parse(new TextDecoder().decode(stdout).trim().split("\n").at(-1)!);
    assertEquals([result.backend, result.simd], ["wasm", true]);
    assert(Number.isFinite(result.loss) && result.loss > 0);
    assertEquals(result.top, 3); // onnxruntime-web found its .wasm in the npm cache, not beside mod.ts
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
