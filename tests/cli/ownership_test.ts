// Nothing a user owns is deleted or overwritten: train --out, export --out, show --out, plot,
// report and build:web --out refuse a path that holds what lenet did not write, with one line,
// and leave it as it was. Folders lenet wrote (its marker, or a whole run from before the marker)
// are replaced as before.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { assert, assertEquals, assertRejects } from "../_assert.ts";
import {
  checkReplaceableFile,
  checkReplaceableFolder,
  NotOursError,
  writeOwnerMarker,
} from "../../src/cli/ownership.ts";
import { runDirPath } from "../../src/cli/run_dir.ts";

const ROOT = new URL("../../", import.meta.url);

async function script(
  name: string,
  args: string[],
  allowWrite = ".",
): Promise<{ code: number; stderr: string }> {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      `--allow-write=${allowWrite}`,
      "--allow-run=deno",
      `scripts/${name}.ts`,
      ...args,
    ],
    cwd: ROOT,
    stdout: "null",
  }).output();
  return { code, stderr: new TextDecoder().decode(stderr).trim() };
}

/** A folder of a user's own: a thesis, with a subfolder. */
async function thesis(dir: string): Promise<void> {
  await Deno.mkdir(`${dir}/figs`, { recursive: true });
  await Deno.writeTextFile(`${dir}/chapter1.tex`, "\\chapter{One}");
  await Deno.writeTextFile(`${dir}/figs/a.svg`, "<svg/>");
}

async function withTemp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ dir: fileURLToPath(ROOT), prefix: ".test-run-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function refusedInOneLine({ code, stderr }: { code: number; stderr: string }, words: string): void {
  assert(code !== 0, "exited 0");
  assertEquals(stderr.split("\n").length, 1, stderr);
  assert(stderr.startsWith("error: ") && stderr.includes(words), stderr);
}

Deno.test("checkReplaceableFolder() takes absent, empty and marked folders, refuses anything else", async () => {
  await withTemp(async (dir) => {
    assertEquals(await checkReplaceableFolder(`${dir}/new`, "run"), "absent");
    await Deno.mkdir(`${dir}/empty`);
    assertEquals(await checkReplaceableFolder(`${dir}/empty`, "run"), "empty");
    await Deno.mkdir(`${dir}/run`);
    await Deno.writeTextFile(`${dir}/run/model.json`, "{}");
    await assertRejects(() => checkReplaceableFolder(`${dir}/run`, "run"), NotOursError, "no .lenet marker");
    await writeOwnerMarker(`${dir}/run`, "run");
    assertEquals(await checkReplaceableFolder(`${dir}/run`, "run"), "ours");
    await assertRejects(() => checkReplaceableFolder(`${dir}/run`, "page"), NotOursError, "not a page");
    await Deno.writeTextFile(`${dir}/run/notes.txt`, "mine"); // a marked run with a user's file in it
    await assertRejects(() => checkReplaceableFolder(`${dir}/run`, "run"), NotOursError, "notes.txt");
    await Deno.writeTextFile(`${dir}/file`, "x");
    await assertRejects(() => checkReplaceableFolder(`${dir}/file`, "run"), NotOursError, "is a file");
    await Deno.symlink(`${dir}/empty`, `${dir}/link`);
    await assertRejects(() => checkReplaceableFolder(`${dir}/link`, "run"), NotOursError, "symbolic link");
  });
});

Deno.test("checkReplaceableFolder() recognises a whole run written before the marker existed", async () => {
  await withTemp(async (dir) => {
    for (
      const name of ["model.json", "weights.bin", "model.onnx", "history.json", "metrics.json", "history.png"]
    ) {
      await Deno.writeTextFile(`${dir}/${name}`, "");
    }
    assertEquals(await checkReplaceableFolder(dir, "run"), "ours");
    await Deno.remove(`${dir}/metrics.json`); // a user's own tfjs model folder: no metrics, no marker
    await assertRejects(() => checkReplaceableFolder(dir, "run"), NotOursError);
  });
});

Deno.test("checkReplaceableFile() overwrites only lenet's own ONNX models and PNGs", async () => {
  await withTemp(async (dir) => {
    await Deno.writeTextFile(`${dir}/config.ts`, "export const x = 1;");
    await assertRejects(
      () => checkReplaceableFile(`${dir}/config.ts`, "onnx"),
      NotOursError,
      "not an ONNX model",
    );
    await assertRejects(() => checkReplaceableFile(`${dir}/config.ts`, "png"), NotOursError, "not a PNG");
    await checkReplaceableFile(fileURLToPath(new URL("models/lenet-best/model.onnx", ROOT)), "onnx");
    await assertRejects(
      () => checkReplaceableFile(fileURLToPath(new URL("tests/fixtures/palette_7.png", ROOT)), "png"),
      NotOursError,
    ); // a PNG, but not one lenet drew
  });
});

Deno.test("runDirPath() drops trailing slashes and refuses . and ..", () => {
  assertEquals(runDirPath("runs/new//"), "runs/new");
  for (const bad of ["", ".", "./", "..", "runs/.."]) {
    try {
      runDirPath(bad);
      assert(false, `${bad} accepted`);
    } catch (error) {
      assert((error as Error).message.includes("names no folder"), String(error));
    }
  }
});

Deno.test("train --out refuses a user's folder, a file and a foreign staging folder before loading data; files stay", async () => {
  await withTemp(async (dir) => {
    await thesis(`${dir}/thesis`);
    refusedInOneLine(await script("train", ["--epochs", "1", "--out", `${dir}/thesis`]), "chapter1.tex");
    assert(existsSync(`${dir}/thesis/chapter1.tex`) && existsSync(`${dir}/thesis/figs/a.svg`));

    await Deno.writeTextFile(`${dir}/notes.txt`, "mine");
    refusedInOneLine(await script("train", ["--epochs", "1", "--out", `${dir}/notes.txt`]), "is a file");
    assertEquals(await Deno.readTextFile(`${dir}/notes.txt`), "mine");

    await thesis(`${dir}/run.lenet-partial`); // a user's folder where train would stage
    refusedInOneLine(await script("train", ["--epochs", "1", "--out", `${dir}/run`]), "chapter1.tex");
    assert(existsSync(`${dir}/run.lenet-partial/chapter1.tex`) && !existsSync(`${dir}/run`));
  });
});

Deno.test("train --out with a trailing slash trains and commits; a user's <out>.old and <out>.partial stay", async () => {
  await withTemp(async (dir) => {
    await thesis(`${dir}/run.old`);
    await thesis(`${dir}/run.partial`);
    const args = ["--epochs", "1", "--train-size", "64", "--batch-size", "64", "--out", `${dir}/run/`];
    const first = await script("train", args);
    assertEquals(first.code, 0, first.stderr);
    assert(existsSync(`${dir}/run/model.onnx`) && existsSync(`${dir}/run/.lenet`));
    const second = await script("train", args); // replaces its own run
    assertEquals(second.code, 0, second.stderr);
    for (const sibling of ["run.old", "run.partial"]) {
      assert(existsSync(`${dir}/${sibling}/chapter1.tex`), `${sibling} was touched`);
    }
    assertEquals(existsSync(`${dir}/run.lenet-partial`) || existsSync(`${dir}/run.lenet-old`), false);
  });
});

Deno.test("export, show, plot, report and build:web refuse to overwrite what lenet did not write", async () => {
  await withTemp(async (dir) => {
    const config = `${dir}/config.ts`;
    await Deno.writeTextFile(config, "export const x = 1;");
    const model = fileURLToPath(new URL("models/lenet-tutorial", ROOT));
    refusedInOneLine(await script("export", [model, "--out", config]), "not an ONNX model lenet wrote");
    refusedInOneLine(await script("show", ["--index", "1", "--out", config]), "not a PNG lenet wrote");
    assertEquals(await Deno.readTextFile(config), "export const x = 1;");

    // plot and report redraw figures inside a folder: only a run folder lenet wrote
    await thesis(`${dir}/thesis`);
    await Deno.copyFile(
      fileURLToPath(new URL("models/lenet-tutorial/history.json", ROOT)),
      `${dir}/thesis/history.json`,
    )
      .catch(() => Deno.writeTextFile(`${dir}/thesis/history.json`, '{"epochs":[{"loss":1}]}'));
    refusedInOneLine(await script("plot", [`${dir}/thesis`]), "chapter1.tex");
    refusedInOneLine(await script("report", [`${dir}/thesis`]), "chapter1.tex");
    assert(!existsSync(`${dir}/thesis/history.png`));

    await Deno.mkdir(`${dir}/site/models`, { recursive: true });
    await Deno.writeTextFile(`${dir}/site/models/mine.txt`, "mine");
    refusedInOneLine(await script("build_web", ["--out", `${dir}/site`], dir), "mine.txt");
    assertEquals(await Deno.readTextFile(`${dir}/site/models/mine.txt`), "mine");
  });
});

Deno.test("build:web replaces links planted in the page it built, never writing through them", async () => {
  await withTemp(async (dir) => {
    const site = `${dir}/site`;
    assertEquals((await script("build_web", ["--out", site], dir)).code, 0);
    const planted = ["index.html", "build.json", "app.js", "style.css", "ort/ort.wasm.min.mjs"];
    for (const [i, name] of planted.entries()) {
      await Deno.writeTextFile(`${dir}/victim${i}`, "mine");
      await Deno.remove(`${site}/${name}`);
      await Deno.symlink(`${dir}/victim${i}`, `${site}/${name}`);
    }
    const rebuilt = await script("build_web", ["--out", site], dir);
    assertEquals(rebuilt.code, 0, rebuilt.stderr);
    for (const [i, name] of planted.entries()) {
      assertEquals(await Deno.readTextFile(`${dir}/victim${i}`), "mine", `${name}'s target`);
      assertEquals((await Deno.lstat(`${site}/${name}`)).isSymlink, false, name);
    }
  });
});

Deno.test("eval:images --write refuses a folder of a user's, and writes its renderings into a marked one", async () => {
  await withTemp(async (dir) => {
    const evalImages = (out: string) =>
      new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--allow-read",
          `--allow-write=${dir}`,
          "--allow-sys=cpus",
          "--allow-run=git,deno",
          "scripts/eval_images.ts",
          ...["--count", "2", "--fonts", `${dir}/no-fonts`, "--write", out],
        ],
        cwd: ROOT,
        stdout: "null",
      }).output().then(({ code, stderr }) => ({ code, stderr: new TextDecoder().decode(stderr).trim() }));
    await thesis(`${dir}/thesis`);
    refusedInOneLine(await evalImages(`${dir}/thesis`), "chapter1.tex");
    assertEquals(await Deno.readTextFile(`${dir}/thesis/chapter1.tex`), "\\chapter{One}");
    const written = await evalImages(`${dir}/renderings`);
    assertEquals(written.code, 0, written.stderr);
    assert(existsSync(`${dir}/renderings/photo-0-label7.jpg`));
    assertEquals((await evalImages(`${dir}/renderings`)).code, 0); // its own folder: replaced
  });
});
