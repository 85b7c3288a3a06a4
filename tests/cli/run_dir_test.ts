// A run directory is one run whatever happens: trainings killed with SIGKILL at every moment of
// replacing a run (after an epoch, during the final save, before, between and after the swap's
// renames), each followed by predict on what is left, and a second training started on the same
// --out while the first runs.
import { existsSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { assert, assertEquals } from "../_assert.ts";
import { leakFree } from "../_helpers.ts";
import { LeNet } from "../../src/model/lenet.ts";
import { exportOnnx } from "../../src/onnx/export.ts";

const ROOT = new URL("../../", import.meta.url);
const RECIPE = ["--train-size", "512", "--batch-size", "64", "--epochs"];

function start(out: string, args: string[], pause?: string): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read=.",
      "--allow-write=.",
      "--allow-env=LENET_TEST_PAUSE",
      "scripts/train.ts",
      ...args,
      "--out",
      out,
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: pause ? { LENET_TEST_PAUSE: pause } : {},
  }).spawn();
}

/** Reads a child's stdout until `marker` appears; returns what it read. */
async function waitFor(child: Deno.ChildProcess, marker: string): Promise<string> {
  let text = "";
  const decoder = new TextDecoder();
  for await (const chunk of child.stdout) {
    text += decoder.decode(chunk);
    if (text.includes(marker)) return text;
  }
  throw new Error(`the training ended without "${marker}":\n${text}`);
}

async function run(out: string, args: string[]): Promise<void> {
  const child = start(out, args);
  const [status, stdout, stderr] = await Promise.all([
    child.status,
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
  ]);
  assertEquals(status.code, 0, stdout + stderr);
}

/** The run in `out` is whole: its metrics, history and ONNX model all belong to its weights. */
async function wholeRun(out: string): Promise<Uint8Array> {
  const onnx = await Deno.readFile(`${out}/model.onnx`);
  const metrics = JSON.parse(await Deno.readTextFile(`${out}/metrics.json`));
  const history = JSON.parse(await Deno.readTextFile(`${out}/history.json`));
  assertEquals(history.epochs.length, metrics.epochs);
  await leakFree(async () => {
    const lenet = await LeNet.load(out);
    assertEquals(
      exportOnnx(lenet.toWeights()),
      onnx,
      "model.onnx is not the ONNX of model.json + weights.bin",
    );
    lenet.dispose();
  });
  const leftovers = [...Deno.readDirSync(out)].filter((e) => e.name.includes(".tmp-"));
  assertEquals(leftovers, []);
  return onnx;
}

/** predict answers with the run's model, as a user would run it right after the kill. */
async function predictsWith(model: string): Promise<void> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["task", "predict", "--model", model, "tests/fixtures/photo_7.jpg"],
    cwd: ROOT,
  }).output();
  const text = new TextDecoder().decode(stdout);
  assertEquals(code, 0, new TextDecoder().decode(stderr));
  assert(/photo_7\.jpg: \d \(/.test(text), text);
}

Deno.test("kill -9 at any moment leaves the old run whole, the new one whole, or (between renames) none", async () => {
  const parent = await Deno.makeTempDir({ dir: fileURLToPath(ROOT), prefix: ".test-run-" });
  const out = `${parent}/run`;
  try {
    await run(out, [...RECIPE, "1", "--seed", "1"]);
    const first = await wholeRun(out);
    for (
      const [pause, marker] of [
        [undefined, "epoch 1/2 done"],
        ["save", "paused at save"],
        ["commit", "paused at commit"],
        ["swap", "paused at swap"],
        ["swapped", "paused at swapped"],
      ] as const
    ) {
      const child = start(out, [...RECIPE, "2", "--seed", "2"], pause);
      await waitFor(child, marker);
      child.kill("SIGKILL");
      await child.status;
      await child.stderr.cancel();
      if (pause === "swap") {
        assert(!existsSync(out), "between the renames there is no run directory");
      } else if (pause === "swapped") {
        const second = await wholeRun(out); // after the renames: the new run, whole
        assert(second.length !== first.length || second.some((b, i) => b !== first[i]), "the new run");
      } else {
        assertEquals(await wholeRun(out), first, `killed at ${marker}: the first run is not whole`);
      }
      if (pause !== "swap") await predictsWith(`${out}/model.onnx`);
      await run(out, [...RECIPE, "1", "--seed", "1"]); // the next training cleans up and completes
      assertEquals(await wholeRun(out), first);
      assert(
        !existsSync(`${out}.lenet-partial`) && !existsSync(`${out}.lenet-old`),
        `killed at ${marker}: staging left`,
      );
    }
  } finally {
    await Deno.remove(parent, { recursive: true });
  }
});

Deno.test("a second training on the same --out fails at once with one line, and the first completes", async () => {
  const parent = await Deno.makeTempDir({ dir: fileURLToPath(ROOT), prefix: ".test-run-" });
  const out = `${parent}/run`;
  try {
    const first = start(out, [...RECIPE, "1"], "save");
    await waitFor(first, "paused at save");
    const second = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-read=.", "--allow-write=.", "scripts/train.ts", ...RECIPE, "1", "--out", out],
      cwd: ROOT,
    }).output();
    const stderr = new TextDecoder().decode(second.stderr).trim();
    assertEquals(second.code, 1, stderr);
    assertEquals(stderr.split("\n").length, 1, stderr);
    assert(stderr.includes("is being written by another training"), stderr);
    first.kill("SIGKILL");
    await first.status;
    await first.stderr.cancel();
    await run(out, [...RECIPE, "1"]); // the lock died with the first process
    await wholeRun(out);
  } finally {
    await Deno.remove(dirname(out), { recursive: true });
  }
});
