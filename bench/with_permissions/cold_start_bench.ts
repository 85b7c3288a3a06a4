// Cold start of `deno task predict one.png`: process start to printed answer, as a user waits.
//   deno task bench
import denoJson from "../../deno.json" with { type: "json" };

const ROOT = new URL("../../", import.meta.url);
const PERMISSIONS = denoJson.tasks.predict.command.split(" ").filter((word) => word.startsWith("--allow"));
const predict = (threads: number, picture = "tests/fixtures/palette_7.png") =>
  new Deno.Command(Deno.execPath(), {
    args: ["run", ...PERMISSIONS, "scripts/predict.ts", "--threads", String(threads), picture],
    cwd: ROOT,
    stdout: "null",
  }).output();

await predict(1); // compile and cache the TypeScript once, outside the timed part

Deno.bench("deno task predict one.png (cold process, a small PNG decoded in process)", {
  group: "cold start",
  n: 10,
  warmup: 1,
}, async () => {
  const { code } = await predict(1);
  if (code !== 0) throw new Error(`predict exited ${code}`);
});
Deno.bench("deno task predict photo.jpg (cold process, libvips in a decoding process)", {
  group: "cold start",
  n: 10,
  warmup: 1,
}, async () => {
  const { code } = await predict(1, "tests/fixtures/photo_7.jpg");
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
