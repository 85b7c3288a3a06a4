// Cold start of `deno task predict one.png`: process start to printed answer, as a user waits.
//   deno task bench
const ROOT = new URL("../../", import.meta.url);
const predict = (threads: number) =>
  new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "scripts/predict.ts",
      "--threads",
      String(threads),
      "tests/fixtures/photo_7.jpg",
    ],
    cwd: ROOT,
    stdout: "null",
  }).output();

await predict(1); // compile and cache the TypeScript once, outside the timed part

Deno.bench("deno task predict one.png (cold process, onnxruntime-web)", {
  group: "cold start",
  n: 10,
  warmup: 1,
}, async () => {
  const { code } = await predict(1);
  if (code !== 0) throw new Error(`predict exited ${code}`);
});
Deno.bench("deno itself (cold process, empty script)", {
  group: "cold start",
  n: 10,
  warmup: 1,
  baseline: true,
}, async () => {
  await new Deno.Command(Deno.execPath(), { args: ["eval", "0"], stdout: "null" }).output();
});
