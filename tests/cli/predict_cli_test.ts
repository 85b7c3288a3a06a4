// `deno task predict` as a user runs it, on the fixtures: real digits and bad files mixed.
import { fileURLToPath } from "node:url";
import denoJson from "../../deno.json" with { type: "json" };
import { assert, assertEquals } from "../_assert.ts";
import { initBackend } from "../../src/tfjs/backend.ts";
import { LeNet } from "../../src/model/lenet.ts";
import { exportOnnx } from "../../src/onnx/export.ts";
import { onnxElementwiseChain } from "../../testing/hostile.ts";

const ROOT = new URL("../../", import.meta.url);
/** The permissions `deno task predict` runs with, read from deno.json: the tests run what users run. */
const PREDICT_PERMISSIONS = denoJson.tasks.predict.command.split(" ").filter((word) =>
  word.startsWith("--allow")
);

async function predict(...args: string[]) {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...PREDICT_PERMISSIONS, "scripts/predict.ts", ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
  }).output();
  return { code, stdout: new TextDecoder().decode(stdout), stderr: new TextDecoder().decode(stderr) };
}

Deno.test("predict classifies the good images of a directory and reports each bad one in one line", async () => {
  const { code, stdout, stderr } = await predict(
    "--model",
    "models/lenet-tutorial/model.onnx",
    "tests/fixtures",
  );
  assertEquals(code, 1); // some inputs failed
  const [said, ...answers] = stdout.trim().split("\n");
  assertEquals(said, "model: models/lenet-tutorial/model.onnx (given by --model)"); // it says which model answers
  assertEquals(answers.length, 8, stdout);
  for (const line of answers) {
    // tests/fixtures/<kind>_<label>.<ext>: <predicted> (...)
    const [, label, predicted] = /fixtures\/\w+?_(\d)\.\w+: (\d) /.exec(line) ?? [];
    assert(label !== undefined, line);
    assertEquals(predicted, label, line);
    assert(/top 3: \d \d+\.\d% · \d \d+\.\d% · \d \d+\.\d%/.test(line), line);
  }
  const errors = stderr.trim().split("\n");
  assertEquals(errors.length, 5, stderr);
  for (const expected of ["blank", "Image too large", "Not a picture read here", "Truncated PNG", "JPEG"]) {
    assert(
      errors.some((e) => e.startsWith("error: tests/fixtures/") && e.includes(expected)),
      `${expected}: ${stderr}`,
    );
  }
});

Deno.test("predict --json prints machine-readable results, --show the 28x28 the model saw", async () => {
  const json = await predict("--json", "tests/fixtures/photo_7.jpg", "tests/fixtures/canvas_rgba_2.png");
  assertEquals(json.code, 0, json.stderr);
  const { results } = JSON.parse(json.stdout);
  assertEquals(results.map((r: { digit: number }) => r.digit), [7, 2]);
  assertEquals(results[0].top.length, 3);
  assertEquals(results[0].inverted, true);
  const shown = await predict("--show", "tests/fixtures/photo_7.jpg");
  assertEquals(shown.stdout.replace(/\n$/, "").split("\n").length, 2 + 28); // model, answer, 28 rows
});

Deno.test("predict refuses a missing file, a model that is not ONNX, and one of the wrong input shape", async () => {
  const missing = await predict("no/such.png");
  assertEquals([missing.code, missing.stderr.trim()], [1, "error: no/such.png: No such file"]);
  const notOnnx = await predict("--model", "tests/fixtures/photo_7.jpg", "tests/fixtures/photo_7.jpg");
  assertEquals(notOnnx.code, 1);
  assert(
    /^error: Not an ONNX model: tests\/fixtures\/photo_7.jpg/.test(notOnnx.stderr),
    notOnnx.stderr,
  );
  assertEquals(notOnnx.stderr.trim().split("\n").length, 1);

  await initBackend();
  const lenet = await LeNet.create({ inputShape: [32, 32, 1] });
  const path = await Deno.makeTempFile({ suffix: ".onnx" });
  await Deno.writeFile(path, exportOnnx(lenet.toWeights()));
  const wrong = await predict("--model", path, "tests/fixtures/photo_7.jpg");
  assertEquals(wrong.code, 1);
  assert(wrong.stderr.includes("expects input [1, 32, 32]"), wrong.stderr);
  lenet.dispose();
});

// On 0eb9b34 the model ran on predict's own thread: 4.5 s here before its probe's time was read
Deno.test("predict --model slow.onnx ends in a few seconds with one line", async () => {
  const path = await Deno.makeTempFile({ suffix: ".onnx" });
  await Deno.writeFile(path, await onnxElementwiseChain(70, 16_000));
  const started = performance.now();
  const { code, stderr } = await predict("--model", path, "tests/fixtures/photo_7.jpg");
  const took = performance.now() - started;
  await Deno.remove(path);
  assertEquals([code, stderr.trim()], [
    1,
    `error: Model ${path} did not answer 1 image(s) within 2 s: stopped`,
  ]);
  assert(took < 8_000, `predict took ${Math.round(took)} ms`);
});

async function copyTree(from: URL, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    if (entry.isDirectory) await copyTree(new URL(`${entry.name}/`, from), `${to}/${entry.name}`);
    else if (entry.isFile) await Deno.copyFile(new URL(entry.name, from), `${to}/${entry.name}`);
  }
}

Deno.test("predict works from a clone whose path has a space (file URLs become paths, not %20)", async () => {
  const clone = await Deno.makeTempDir({ prefix: "lenet clone " });
  try {
    for (const dir of ["scripts", "src", "models", "tests/fixtures"]) {
      await copyTree(new URL(`${dir}/`, ROOT), `${clone}/${dir}`);
    }
    for (const file of ["deno.json", "deno.lock"]) {
      await Deno.copyFile(new URL(file, ROOT), `${clone}/${file}`);
    }
    await Deno.symlink(fileURLToPath(new URL("node_modules", ROOT)), `${clone}/node_modules`);
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["task", "predict", "tests/fixtures/photo_7.jpg"], // the shipped model, found beside the script
      cwd: clone,
      env: { NO_COLOR: "1" },
    }).output();
    assertEquals(code, 0, new TextDecoder().decode(stderr));
    const [said, answer] = new TextDecoder().decode(stdout).split("\n");
    assert(
      said!.startsWith("model: ") &&
        said!.includes("models/lenet-best/model.onnx (the most accurate shipped model, 99.46%"),
      said,
    );
    assert(answer!.startsWith("tests/fixtures/photo_7.jpg: 7 ("), answer);
  } finally {
    await Deno.remove(clone, { recursive: true });
  }
});

Deno.test("every script answers --version with lenet's and Deno's versions", async () => {
  const { version } = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT)));
  const scripts = ["scripts", "tools"].flatMap((dir) =>
    [...Deno.readDirSync(new URL(`${dir}/`, ROOT))]
      .filter((e) =>
        e.name.endsWith(".ts") &&
        !["build_wasm.ts", "make_hostile_fixtures.ts", "make_picture_fixtures.ts"].includes(e.name)
      ) // no flags
      .map((e) => `${dir}/${e.name}`)
  ).concat("tools/fuzz/fuzz.ts");
  assert(scripts.length >= 9, `${scripts}`);
  for (const script of scripts) {
    const { code, stdout } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-read", script, "--version"],
      cwd: ROOT,
    }).output();
    assertEquals([code, new TextDecoder().decode(stdout).trim()], [
      0,
      `lenet ${version} (Deno ${Deno.version.deno})`,
    ]);
  }
});

Deno.test("predict names a broken newest local run and what to do, instead of failing on every image", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await initBackend("wasm");
    const lenet = await LeNet.create();
    const { config, weights } = lenet.toWeights();
    lenet.dispose();
    await Deno.mkdir(`${dir}/runs/latest`, { recursive: true });
    // finite weights so large that the softmax gets inf - inf: NaN probabilities
    await Deno.writeFile(
      `${dir}/runs/latest/model.onnx`,
      exportOnnx({ config, weights: weights.map(() => 3e38) }),
    );
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        ...PREDICT_PERMISSIONS,
        fileURLToPath(new URL("scripts/predict.ts", ROOT)),
        fileURLToPath(new URL("tests/fixtures/photo_7.jpg", ROOT)),
      ],
      cwd: dir,
    }).output();
    const text = new TextDecoder().decode(stderr).trim();
    assertEquals(code, 1, text);
    assertEquals(text.split("\n").length, 1, text);
    assert(
      text.includes("the newest local run (runs/latest)") && text.includes("--model models/lenet-best"),
      text,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("predict dir/ follows links to images in the folder, and gives a broken link its own line", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.symlink(fileURLToPath(new URL("tests/fixtures/photo_7.jpg", ROOT)), `${dir}/linked_7.jpg`);
    await Deno.symlink(`${dir}/gone.png`, `${dir}/broken.png`);
    const { code, stdout, stderr } = await predict("--model", "models/lenet-tutorial/model.onnx", dir);
    assertEquals(code, 1, stderr);
    assert(/linked_7\.jpg: 7 /.test(stdout), stdout);
    assert(/^error: .*broken\.png: No such file/.test(stderr.trim()), stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
