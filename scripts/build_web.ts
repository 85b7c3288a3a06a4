// Builds the browser page into one self-contained folder any static host can serve (default
// dist/web): the page's modules bundled for the browser (class names kept, so error names survive
// minification), onnxruntime-web's WebAssembly build, the model the page starts with (picked as
// predict picks one), and MNIST gzipped for in-page training. Nothing is fetched from a CDN.
//   deno task build:web [--out dist/web] [--model FILE]
import { ONNXRUNTIME_WEB } from "../src/npm/onnxruntime_web.ts"; // installed: its browser build is copied
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type FlagSpec, helpText, parseFlags, runMain } from "../src/cli/flags.ts";
import { checkReplaceableFolder, writeOwnerMarker } from "../src/cli/ownership.ts";
import { chooseModel } from "../src/cli/shipped_models.ts";
import { mnistPaths } from "../src/data/dataset.ts";
import { bundleForBrowser } from "../web/bundle.ts";
import { copyFileAtomic, writeFileAtomic, writeJsonAtomic } from "../src/_atomic.ts";
import { readBounded } from "../src/_bounded_read.ts";
import { MAX_MODEL_BYTES, OnnxModelError } from "../src/onnx/classifier.ts";

const FLAGS = {
  out: {
    type: "string",
    description: "folder to write the page to (new, empty, or a page built here before)",
    default: "dist/web",
    placeholder: "DIR",
  },
  model: {
    type: "string",
    description: "ONNX model the page starts with (default: as predict picks it)",
    placeholder: "FILE",
  },
} satisfies Record<string, FlagSpec>;

const ROOT = fileURLToPath(new URL("../", import.meta.url));
/** The page's bundles: entry point → file in the output. */
const BUNDLES: Record<string, string> = {
  "web/page/app.ts": "app.js",
  "web/page/train_worker.ts": "train_worker.js",
  "web/page/picture_worker.ts": "picture_worker.js",
  "web/page/curves.ts": "curves.js",
  "src/engines/fused/_worker.ts": "fused_worker.js", // the trainer's second thread
};
/** onnxruntime-web's WebAssembly-only browser build: its module, the loader and the binary. */
const ORT_FILES = ["ort.wasm.min.mjs", "ort-wasm-simd-threaded.mjs", "ort-wasm-simd-threaded.wasm"];

async function bundle(out: string): Promise<void> {
  for (const [entry, file] of Object.entries(BUNDLES)) {
    // the page's import map points onnxruntime-web at ort/; a worker has no import map: its
    // bundle names the file itself
    const rewrite: Record<string, string> = file === "picture_worker.js"
      ? { [ONNXRUNTIME_WEB]: "./ort/ort.wasm.min.mjs" }
      : {};
    await bundleForBrowser(join(ROOT, entry), join(out, file), [ONNXRUNTIME_WEB], rewrite);
  }
}

// gzip once; later builds reuse a .gz newer than its source
async function gzip(source: string, target: string): Promise<number> {
  const [from, to] = await Promise.all([Deno.stat(source), Deno.stat(target).catch(() => undefined)]);
  if (to && to.mtime && from.mtime && to.mtime > from.mtime) return to.size;
  const input = await Deno.open(source);
  const staging = `${target}.partial-${crypto.randomUUID().slice(0, 8)}`;
  const output = await Deno.open(staging, { write: true, createNew: true }); // never through a link
  await input.readable.pipeThrough(new CompressionStream("gzip")).pipeTo(output.writable);
  await Deno.rename(staging, target);
  return (await Deno.stat(target)).size;
}

async function main(): Promise<number> {
  const { flags, help } = parseFlags(FLAGS, Deno.args);
  if (help) return (console.log(helpText("deno task build:web [options]", FLAGS)), 0);
  const out = resolve(flags.out);
  await checkReplaceableFolder(out, "page"); // absent, empty, or a page built here: nothing else is touched
  const started = performance.now();
  await Deno.mkdir(join(out, "ort"), { recursive: true });
  await writeOwnerMarker(out, "page");
  await Deno.mkdir(join(out, "mnist"), { recursive: true });
  // one model: the one this build starts the page with, not those of earlier builds
  await Deno.remove(join(out, "models"), { recursive: true }).catch(() => {});
  await Deno.mkdir(join(out, "models"), { recursive: true });
  await bundle(out);
  for (const file of ["index.html", "style.css"]) {
    await copyFileAtomic(join(ROOT, "web", "page", file), join(out, file));
  }
  const ortDir = dirname(fileURLToPath(import.meta.resolve(ONNXRUNTIME_WEB)));
  for (const file of ORT_FILES) await copyFileAtomic(join(ortDir, file), join(out, "ort", file));
  let mnistBytes = 0;
  for (const source of Object.values(mnistPaths())) {
    mnistBytes += await gzip(source, join(out, "mnist", `${basename(source)}.gz`));
  }
  const { path, why } = await chooseModel(flags.model);
  // named as predict names it: its path, relative to the repository when inside it
  const name = relative(ROOT, path).startsWith("..") ? path : relative(ROOT, path);
  const file = `models/${name.replace(/\.onnx$/, "").replace(/[^\w.-]+/g, "-").replace(/^[-.]+/, "")}.onnx`;
  // the model may be a local run's: read as every user file is, regular and bounded
  const model = await readBounded(
    path,
    MAX_MODEL_BYTES,
    (reason) => new OnnxModelError(`${path}: ${reason}`),
  );
  await writeFileAtomic(join(out, file), model);
  const build = { model: { file, name, why }, mnistBytes, built: new Date().toISOString() };
  await writeJsonAtomic(join(out, "build.json"), build);
  const sizes = await folderSizes(out);
  console.log(
    `built ${out} in ${((performance.now() - started) / 1000).toFixed(1)} s: the page ${
      (sizes.page / 1e6).toFixed(1)
    } MB (onnxruntime-web ${(sizes.ort / 1e6).toFixed(1)} MB), MNIST for training ${
      (mnistBytes / 1e6).toFixed(1)
    } MB`,
  );
  console.log(`model: ${name} (${why})`);
  return 0;
}

/** What the page fetches only once training starts (MNIST aside). */
const ON_TRAINING = ["train_worker.js", "fused_worker.js", "curves.js"];

// what a visitor downloads before training, and onnxruntime-web's share
async function folderSizes(out: string): Promise<{ page: number; ort: number }> {
  let page = 0, ort = 0;
  const walk = async (dir: string) => {
    for await (const entry of Deno.readDir(dir)) {
      const path = join(dir, entry.name);
      if (entry.isDirectory) {
        if (entry.name !== "mnist") await walk(path);
        continue;
      }
      if (ON_TRAINING.includes(entry.name)) continue;
      const { size } = await Deno.stat(path);
      page += size;
      if (dir.endsWith("ort")) ort += size;
    }
  };
  await walk(out);
  return { page, ort };
}

await runMain(main);
