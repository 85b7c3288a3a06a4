// The hostile files of the reliability issue, each answered with one typed error, quickly and
// within bounded memory; and a hundred failed loads that leave no tensor behind.
import { assert, assertEquals, assertRejects, assertThrows } from "../_assert.ts";
import { leakFree } from "../_helpers.ts";
import { IdxError, readIdx } from "../../src/data/idx.ts";
import { decodeImage, readImageFile } from "../../src/images/decode.ts";
import { ImageError } from "../../src/images/digit.ts";
import { ModelFileError } from "../../src/model/files.ts";
import { LeNet } from "../../src/model/lenet.ts";
import { OnnxClassifier, OnnxModelError } from "../../src/onnx/classifier.ts";
import { CheckpointError, loadCheckpoint } from "../../src/training/checkpoint.ts";
import { mulberry32 } from "../../src/data/shuffle.ts";
import { mutateBytes, mutateJson } from "../../testing/mutate.ts";
import { TARGETS } from "../../testing/fuzz_targets.ts";
import { fileURLToPath } from "node:url";

const HOSTILE = new URL("../fixtures/hostile/", import.meta.url);
const path = (name: string) => fileURLToPath(new URL(name, HOSTILE));
const ROOT = new URL("../../", import.meta.url);

Deno.test("images that once cost gigabytes are refused from their header", async () => {
  const started = performance.now();
  const jpeg = Deno.readFileSync(path("jpeg_6324x6324.jpg")), png = Deno.readFileSync(path("png_40mp.png"));
  assertThrows(() => decodeImage(jpeg), ImageError, "Image too large: 6324x6324");
  assertThrows(() => decodeImage(png), ImageError, "Image too large: 6400x6250");
  await assertRejects(() => readImageFile("/dev/zero"), ImageError, "Not a regular file");
  assert(performance.now() - started < 1000, "refusing took over a second");
});

Deno.test("a FIFO as an image or as a model is refused, not waited on", async () => {
  const dir = await Deno.makeTempDir();
  const { success } = await new Deno.Command("mkfifo", { args: [`${dir}/fifo`] }).output().catch(() => ({
    success: false,
  }));
  if (!success) return; // no mkfifo on this system
  await assertRejects(() => readImageFile(`${dir}/fifo`), ImageError, "Not a regular file");
  await assertRejects(() => OnnxClassifier.load(`${dir}/fifo`), OnnxModelError, "Not a regular file");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("build:web --model FIFO refuses it in one line (on 4572b0a it waited for ever)", async () => {
  const fifo = `fifo-${crypto.randomUUID()}.onnx`; // in the repository, where the task may read
  const { success } = await new Deno.Command("mkfifo", { args: [fifo], cwd: ROOT }).output().catch(() => ({
    success: false,
  }));
  if (!success) return;
  const out = await Deno.makeTempDir({ dir: fileURLToPath(new URL("dist/", ROOT)) }).catch(async () => {
    await Deno.mkdir(new URL("dist/", ROOT), { recursive: true });
    return await Deno.makeTempDir({ dir: fileURLToPath(new URL("dist/", ROOT)) });
  });
  try {
    const { code, stderr } = await new Deno.Command("deno", {
      args: ["task", "build:web", "--out", out, "--model", fifo],
      cwd: ROOT,
      stdout: "null",
      signal: AbortSignal.timeout(60_000),
    }).output();
    const lines = new TextDecoder().decode(stderr).trim().split("\n").filter((l) => !l.includes("Task"));
    assertEquals([code, lines], [1, [`error: ${fifo}: Not a regular file`]]);
  } finally {
    await Deno.remove(new URL(fifo, ROOT));
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("a gzipped IDX that inflates to 256 MB stops at its header's size", async () => {
  await assertRejects(() => readIdx(path("idx_bomb.gz")), IdxError, "inflates to more than 7,856 bytes");
});

Deno.test("ONNX models: a 1,048,576-value input is refused before onnxruntime allocates; outputs must be probabilities", async () => {
  await assertRejects(
    () => OnnxClassifier.load(path("onnx_input_1m.onnx")),
    OnnxModelError,
    "at most 65,536 values",
  );
  await assertRejects(
    () => OnnxClassifier.load(path("onnx_not_softmax.onnx")),
    OnnxModelError,
    "does not output class probabilities",
  );
});

Deno.test("model folders: 16 million filters, a weight file outside, an edited activation: ModelFileError, nothing allocated", () =>
  leakFree(async () => {
    await assertRejects(() => LeNet.load(path("model_16m_filters")), ModelFileError, "conv1Filters");
    await assertRejects(() => LeNet.load(path("model_weights_outside")), ModelFileError, "outside");
    await assertRejects(() => LeNet.load(path("model_activation_edited")), ModelFileError, "activation");
  }));

Deno.test("a hundred mutated checkpoints and model folders fail typed, leave no tensor, and training still works", async () => {
  const dir = await Deno.makeTempDir();
  await leakFree(async () => {
    const [checkpoint] = await TARGETS.checkpoint.seeds(dir) as string[];
    const [modelJson] = await TARGETS.model.seeds(dir) as string[];
    const weights = await Deno.readFile(`${dir}/seed/weights.bin`);
    let failures = 0;
    for (let i = 0; i < 50; i++) {
      const random = mulberry32(1000 + i);
      await Deno.writeTextFile(`${dir}/checkpoint.json`, mutateJson(checkpoint!, random));
      await Deno.mkdir(`${dir}/model`, { recursive: true });
      await Deno.writeTextFile(`${dir}/model/model.json`, mutateJson(modelJson!, random));
      await Deno.writeFile(
        `${dir}/model/weights.bin`,
        random() < 0.5 ? weights : mutateBytes(weights, random),
      );
      for (
        const [load, type] of [
          [async () => (await loadCheckpoint(`${dir}/checkpoint.json`)).lenet.dispose(), CheckpointError],
          [async () => (await LeNet.load(`${dir}/model`)).dispose(), ModelFileError],
        ] as const
      ) {
        try {
          await load();
        } catch (error) {
          failures++;
          assert(error instanceof type, `input ${i}: ${error}`);
        }
      }
    }
    assert(failures > 50, `only ${failures} of 100 mutations failed`);
  });
  const lenet = await LeNet.create();
  const { train } = await import("../../src/train.ts");
  const { loadMnist } = await import("../../src/data/dataset.ts");
  const { takeRange } = await import("../../src/data/labeled_images.ts");
  const { history } = await train(lenet, takeRange((await loadMnist()).train, 0, 64), { epochs: 1 });
  assert(Number.isFinite(history[0]!.loss));
  lenet.dispose();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("predict refuses --threads 0, 1.5, -1 and 100000 in one line", async () => {
  for (const threads of ["0", "1.5", "-1", "100000"]) {
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-read", "scripts/predict.ts", "--threads", threads, "tests/fixtures/photo_7.jpg"],
      cwd: ROOT,
    }).output();
    const text = new TextDecoder().decode(stderr).trim();
    assertEquals([code !== 0, text.split("\n").length], [true, 1], text);
    assert(text.includes("threads"), text);
  }
});

Deno.test("deno task fuzz, a short run: every target answers only with its own error type, no hang", async () => {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-run",
      "tools/fuzz/fuzz.ts",
      "--count",
      "150",
      "--batch",
      "150",
      "--json",
    ],
    cwd: ROOT,
  }).output();
  const err = new TextDecoder().decode(stderr);
  const table = JSON.parse(new TextDecoder().decode(stdout).trim().split("\n").at(-1)!);
  for (const [target, tally] of Object.entries(table) as [string, Record<string, number>][]) {
    assertEquals(tally.inputs, 150, target);
    assertEquals(
      [tally.other, tally.hangs, tally.killedForMemory],
      [0, 0, 0],
      `${target}: ${JSON.stringify(tally)} ${err}`,
    );
    assert((tally.typed ?? 0) > 0, `${target}: no mutation was refused`);
  }
  assertEquals(code, 0, err);
});

Deno.test("a model folder whose weights.bin is a link to a file outside it is refused, naming where it leads", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const model = `${dir}/model`;
    await Deno.mkdir(model);
    const shipped = fileURLToPath(new URL("models/lenet-tutorial/", ROOT));
    await Deno.copyFile(`${shipped}/model.json`, `${model}/model.json`);
    await Deno.copyFile(`${shipped}/weights.bin`, `${dir}/elsewhere.bin`); // the very bytes: only the place is wrong
    await Deno.symlink(`${dir}/elsewhere.bin`, `${model}/weights.bin`);
    await assertRejects(() => LeNet.load(model), ModelFileError, "outside");
    await Deno.remove(`${model}/weights.bin`);
    await Deno.copyFile(`${dir}/elsewhere.bin`, `${model}/weights.bin`);
    (await LeNet.load(model)).dispose(); // the same bytes in the folder load
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
