// The train script as a user runs it: help, bad flags, a tiny real run, an interrupted run.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { assert, assertEquals } from "../_assert.ts";

const ROOT = new URL("../../", import.meta.url);

async function trainScript(args: string[], signalAfterEpoch = false) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read=.", "--allow-write=.", "scripts/train.ts", ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let stdout = "", signalled = false;
  const decoder = new TextDecoder();
  for await (const chunk of child.stdout) {
    stdout += decoder.decode(chunk);
    if (signalAfterEpoch && !signalled && stdout.includes("epoch 1/3 done")) {
      child.kill("SIGINT"); // once: a second Ctrl-C quits at once, without keeping the epoch
      signalled = true;
    }
  }
  const stderr = new TextDecoder().decode(await new Response(child.stderr).arrayBuffer());
  const { code } = await child.status;
  return { code, stdout, stderr };
}

/** Runs `fn` with a run directory `<temp>/run` inside the repo (train may write only there), then
 * removes the temporary folder with everything train put beside the run (.lenet-partial, .lenet-lock). */
async function withRunDir(fn: (out: string) => Promise<void>): Promise<void> {
  const parent = await Deno.makeTempDir({ dir: fileURLToPath(new URL(".", ROOT)), prefix: ".test-run-" });
  try {
    await fn(`${parent}/run`);
  } finally {
    await Deno.remove(parent, { recursive: true });
  }
}

// A training of 64 images in batches of 64 for `epochs` epochs into `out`.
const tinyRun = (out: string, epochs: number) =>
  trainScript(["--epochs", String(epochs), "--train-size", "64", "--batch-size", "64", "--out", out]);

Deno.test("train --help lists every flag with its default", async () => {
  const { code, stdout } = await trainScript(["--help"]);
  assertEquals(code, 0);
  for (
    const flag of ["--epochs", "--batch-size", "--learning-rate", "--activation", "--conv1-filters", "--seed"]
  ) {
    assert(stdout.includes(flag), `help lacks ${flag}`);
  }
  assert(stdout.includes("(default: 30)"));
});

Deno.test("train rejects an unknown flag and a bad value with one line and a non-zero exit", async () => {
  const bad = [
    ["--epoch", "3"],
    ["--activation", "swish"],
    ["--epochs", "many"],
    ["--epochs", "-1"],
    ["--epochs", "1.5"],
    ["--train-size=-5"],
    ["--train-size", "0"],
    ["--threads", "65"],
    ["--validation-split", "1"],
    ["--conv1-filters", "16000000"],
    ["--resume", "--out", "runs/no-such-run"],
  ];
  for (const args of bad) {
    const { code, stderr } = await trainScript(args);
    assert(code !== 0, `${args} exited 0`);
    assertEquals(stderr.trim().split("\n").length, 1, `stderr for ${args}: ${stderr}`);
    assert(stderr.startsWith("error: "), stderr);
  }
});

Deno.test("train writes model, history, metrics and checkpoint; Ctrl-C keeps the last epoch; --resume continues", async () => {
  await withRunDir(async (out) => {
    const args = ["--epochs", "3", "--train-size", "1024", "--batch-size", "64", "--out", out];
    const stopped = await trainScript(args, true);
    assertEquals(stopped.code, 130, stopped.stdout + stopped.stderr);
    const kept = Number(/Interrupted: epoch (\d) is kept/.exec(stopped.stdout)?.[1]);
    assert(kept === 1 || kept === 2, stopped.stdout); // the signal lands during epoch 2 or 3
    const state = JSON.parse(await Deno.readTextFile(`${out}.lenet-partial/checkpoint.json`));
    assertEquals(state.epoch, kept);
    assert(!existsSync(out), "an interrupted first run left a run directory");

    const resumed = await trainScript([...args, "--resume"]);
    assertEquals(resumed.code, 0, resumed.stderr);
    assert(resumed.stdout.includes(`resuming after epoch ${kept}`));
    assert(/Test accuracy \d+\.\d\d% .* after 3 epochs/.test(resumed.stdout), resumed.stdout);
    const names = [...Deno.readDirSync(out)].map((e) => e.name).sort();
    assertEquals(names, [
      ".lenet",
      "checkpoint.json",
      "confusion_matrix.png",
      "feature_maps.png",
      "filters_conv1.png",
      "filters_conv2.png",
      "history.json",
      "history.png",
      "history.svg",
      "metrics.json",
      "mistakes.png",
      "model.json",
      "model.onnx",
      "report.html",
      "weights.bin",
    ]);
    assertEquals(JSON.parse(await Deno.readTextFile(`${out}/history.json`)).epochs.length, 3);
    assert(!existsSync(`${out}.lenet-partial`) && !existsSync(`${out}.lenet-old`), "staging left behind");
  });
});

Deno.test("show --index prints that MNIST image with its label", async () => {
  for (
    const [args, caption] of [[["--index", "123"], "train #123: 7"], [
      ["--index", "10000"],
      "train #10000: 3",
    ]] as const
  ) {
    const { code, stdout } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-read=.", "scripts/show.ts", ...args],
      cwd: ROOT,
      env: { NO_COLOR: "1" },
    }).output();
    assertEquals(code, 0);
    const text = new TextDecoder().decode(stdout);
    assert(text.startsWith(caption), text.slice(0, 40));
    assertEquals(text.replace(/\n$/, "").split("\n").length, 1 + 28); // caption, then 28 pixel rows
  }
});

Deno.test("train --recipe best sets relu, batch 128, one-cycle and augmentation; a flag beside it wins", async () => {
  await withRunDir(async (out) => {
    const { code, stderr } = await trainScript([
      "--recipe",
      "best",
      "--epochs",
      "1",
      "--train-size",
      "256",
      "--out",
      out,
    ]);
    assertEquals(code, 0, stderr);
    const history = JSON.parse(await Deno.readTextFile(`${out}/history.json`));
    assertEquals(history.model.activation, "relu");
    const { batchSize, schedule, learningRate, augment, epochs } = history.train;
    assertEquals({ batchSize, schedule, learningRate, augment, epochs }, {
      batchSize: 128,
      schedule: "one-cycle",
      learningRate: 4e-3,
      augment: true,
      epochs: 1,
    });
  });
});

Deno.test("train --resume trains on as many images as the checkpoint's run did, and refuses another --train-size", async () => {
  await withRunDir(async (out) => {
    const first = await trainScript([
      "--epochs",
      "1",
      "--train-size",
      "256",
      "--batch-size",
      "64",
      "--out",
      out,
    ]);
    assertEquals(first.code, 0, first.stderr);
    const resumed = await trainScript(["--resume", "--epochs", "2", "--out", out]);
    assertEquals(resumed.code, 0, resumed.stderr);
    assert(resumed.stdout.includes("data: 256 training"), resumed.stdout.slice(0, 200));
    const other = await trainScript(["--resume", "--epochs", "3", "--train-size", "512", "--out", out]);
    assertEquals(other.code, 2, other.stderr);
    assert(other.stderr.includes("--train-size 512 contradicts the checkpoint (256)"), other.stderr);
  });
});

Deno.test("train that diverges stops with one line at the first NaN, and the previous run stays as it was", async () => {
  await withRunDir(async (out) => {
    const args = ["--epochs", "1", "--train-size", "128", "--batch-size", "32", "--out", out];
    const good = await trainScript(args);
    assertEquals(good.code, 0, good.stderr);
    const before = await Deno.readFile(`${out}/model.onnx`);
    const bad = await trainScript([...args, "--learning-rate", "1e308"]);
    assertEquals(bad.code, 1, bad.stderr);
    assertEquals(bad.stderr.trim().split("\n").length, 1, bad.stderr);
    assert(
      /^error: Training diverged at epoch 1, step \d+: the loss is NaN; try a smaller learning rate/.test(
        bad.stderr,
      ),
      bad.stderr,
    );
    assertEquals(await Deno.readFile(`${out}/model.onnx`), before);
    assert(!existsSync(`${out}.lenet-partial`), "the diverged run left its staging folder");
  });
});

Deno.test("train reads integers in decimal only, refuses seeds it would repeat, and --resume with no epoch left", async () => {
  const bad: [string, string][] = [
    ["--epochs", "0x10"],
    ["--epochs", "1e1"],
    ["--seed", "9007199254740993"],
    ["--seed", "4294967296"],
    ["--batch-size", " 32"],
    ["--learning-rate", "0x1p-3"],
  ];
  for (
    const [flag, value] of bad
  ) {
    const { code, stderr } = await trainScript([flag, value]);
    assertEquals(code, 2, `${flag} ${value}: ${stderr}`);
    assert(
      stderr.startsWith(`error: Invalid ${flag}`) && !stderr.includes("\n", 1 + stderr.indexOf("\n")),
      stderr,
    );
  }
  await withRunDir(async (out) => {
    const first = await tinyRun(out, 2);
    assertEquals(first.code, 0, first.stderr);
    for (const extra of [["--epochs", "1"], ["--epochs", "2"], []]) {
      const resumed = await trainScript(["--resume", ...extra, "--out", out]);
      assertEquals(resumed.code, 2, `${extra}: ${resumed.stderr}`);
      assert(resumed.stderr.includes("the checkpoint has done 2 epochs"), resumed.stderr);
    }
  });
});

Deno.test("plot reads history.json bounded: junk, a FIFO and a huge file each get one line", async () => {
  await withRunDir(async (out) => {
    const first = await tinyRun(out, 1);
    assertEquals(first.code, 0, first.stderr);
    const plot = async () => {
      const { code, stderr } = await new Deno.Command(Deno.execPath(), {
        args: ["run", "--allow-read=.", "--allow-write=.", "scripts/plot.ts", out],
        cwd: ROOT,
        stdout: "null",
      }).output();
      return { code, stderr: new TextDecoder().decode(stderr).trim() };
    };
    const history = `${out}/history.json`;
    const cases: [() => Promise<unknown>, string][] = [
      [
        () => Deno.writeTextFile(history, '{"epochs": [{"epoch": 1, "loss": "junk"}]}'),
        "epoch 1 is not a record",
      ],
      [() => Deno.writeTextFile(history, "[1, 2"), "not JSON"],
      [() => Deno.writeTextFile(history, '{"epochs": 7}'), "No epochs"],
      [() => new Deno.Command("mkfifo", { args: [history] }).output(), "Not a regular file"],
      [() => Deno.writeFile(history, new Uint8Array(40 * 1024 * 1024)), "Larger than"],
    ];
    for (const [make, words] of cases) {
      await Deno.remove(history).catch(() => {});
      await make();
      const { code, stderr } = await plot();
      assertEquals(code, 1, stderr);
      assertEquals(stderr.split("\n").length, 1, stderr);
      assert(stderr.startsWith("error: ") && stderr.includes(words), `${words}: ${stderr}`);
    }
  });
});

Deno.test("train's flags take each recipe fraction with the bounds resolveTrainConfig checks: [0, 1)", async () => {
  const { parseFlags } = await import("../../src/cli/flags.ts");
  const { TRAIN_FLAGS } = await import("../../src/cli/train_flags.ts");
  const { FRACTIONS, resolveTrainConfig } = await import("../../src/config.ts");
  const flagOf = Object.fromEntries(
    Object.entries(TRAIN_FLAGS).flatMap(([name, spec]) =>
      "sets" in spec && spec.sets?.[0] === "recipe" ? [[spec.sets[1], name]] : []
    ),
  );
  for (const key of FRACTIONS) {
    const flag = flagOf[key]!;
    for (const value of [0, 0.99999, 1, -0.1]) {
      const byFlag = (() => {
        try {
          return parseFlags(TRAIN_FLAGS, [`--${flag}`, String(value)]), true;
        } catch {
          return false;
        }
      })();
      const byConfig = (() => {
        try {
          return resolveTrainConfig({ [key]: value, engine: "fused" }), true;
        } catch {
          return false;
        }
      })();
      assertEquals([key, value, byFlag], [key, value, byConfig]);
    }
  }
});
