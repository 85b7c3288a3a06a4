// Classify digit pictures (JPEG, PNG, WebP, GIF, TIFF, AVIF) with the ONNX LeNet on onnxruntime-web:
//   deno task predict digit.png [photo.jpg dir/ ...] [--model model.onnx] [--json] [--show]
// Pictures are decoded by libvips in decoding processes (as many as the cores and the memory
// allow), each killed at a picture's deadline; small PNGs are decoded here (picture_decoder.ts).
import { join } from "node:path";
import {
  type FlagSpec,
  helpText,
  oneLine,
  parseFlags,
  printable,
  runMain,
  UsageError,
} from "../src/cli/flags.ts";
import { DEFAULT_RUN_DIR, ONNX_FILE } from "../src/cli/run_names.ts";
import { IMAGE_SIDE, MODEL_TIMEOUT_MS } from "../src/config.ts";
import { chooseModel, LOCAL_RUN_REASON } from "../src/cli/shipped_models.ts";
import type { Classification, OnnxClassifier } from "../src/onnx/classifier.ts";
import { PICTURE_LIMITS, PictureDecoder, type PreparedPicture } from "../src/images/picture_decoder.ts";

// What predict loads once the first pictures are on their way (a decoding process starts first:
// libvips takes as long to start as onnxruntime-web does): the model starts onnxruntime-web (in
// this process for a shipped model, in a process of its own for any other), which compiles its
// .wasm on V8's background threads meanwhile, so a cold start costs little more than the runtime's.
const loadRest = () =>
  Promise.all([
    import("../src/onnx/classifier.ts"),
    import("../src/onnx/runtime.ts"),
    import("../src/cli/terminal.ts"),
  ]);

const IMAGE_EXTENSIONS = /\.(png|jpe?g|webp|gif|tiff?|avif|heic|heif)$/i;
/** Memory one decoding process may take at its peak (a 12 MP PNG or a 100 MP JPEG): ~300 MB. */
const PROCESS_MEMORY = 400 * 1024 * 1024;
/** From this many pictures on, a progress line on stderr (when it is a terminal). */
const PROGRESS_FROM = 20;

const FLAGS = {
  model: {
    type: "string",
    description: `ONNX model (default: ${join(DEFAULT_RUN_DIR, ONNX_FILE)} if it exists, else the most ` +
      "accurate shipped model, models/lenet-best); the first line says which model answers",
    placeholder: "FILE",
  },
  json: { type: "boolean", description: "print one JSON array of results" },
  show: { type: "boolean", description: "print the 28x28 the model saw" },
  threads: { type: "integer", min: 1, description: "onnxruntime-web threads", default: 1 },
  timeout: {
    type: "number",
    min: 0.1,
    description: "seconds one picture may take to decode before its decoding is stopped",
    default: PICTURE_LIMITS.timeoutMs / 1000,
  },
  "model-timeout": {
    type: "number",
    min: 0.1,
    description: "seconds a model that is not a shipped one may take to load and answer a blank image " +
      "(a batch: this plus 4x that image's time per image) before its worker is stopped",
    default: MODEL_TIMEOUT_MS / 1000,
  },
  "max-pixels": {
    type: "integer",
    min: 1,
    description: "largest picture read, in pixels (width x height)",
    default: PICTURE_LIMITS.maxPixels,
  },
} satisfies Record<string, FlagSpec>;

async function expandInputs(paths: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    let info: Deno.FileInfo | undefined;
    try {
      info = await Deno.stat(path);
    } catch { /* reported as missing when classified */ }
    if (info?.isDirectory) {
      const names = [];
      for await (const entry of Deno.readDir(path)) {
        // a link in a folder you name is followed (you chose the folder); a broken one gets its line
        if ((entry.isFile || entry.isSymlink) && IMAGE_EXTENSIONS.test(entry.name)) names.push(entry.name);
      }
      // a directory with no image still gets its line: it is read as a file, and refused as one
      files.push(...(names.length > 0 ? names.sort().map((name) => join(path, name)) : [path]));
    } else {
      files.push(path);
    }
  }
  return files;
}

// A model predict picked by itself (the newest local run) that cannot answer is named, with what
// to do; predict does not silently answer with another model instead.
async function loadNaming(
  { OnnxClassifier, OnnxModelError }: typeof import("../src/onnx/classifier.ts"),
  { path, why }: { path: string; why: string },
  timeoutMs: number,
): Promise<OnnxClassifier> {
  try {
    return await OnnxClassifier.load(path, { timeoutMs });
  } catch (error) {
    if (why === LOCAL_RUN_REASON && error instanceof OnnxModelError) {
      throw new OnnxModelError(
        `${error.message}; it is ${why} (${DEFAULT_RUN_DIR}): train again, or answer with a shipped ` +
          "model: --model models/lenet-best/model.onnx",
      );
    }
    throw error;
  }
}

function describe(file: string, c: Classification): string {
  const top = c.top.map((t) => `${t.digit} ${(100 * t.probability).toFixed(1)}%`).join(" · ");
  return `${printable(file)}: ${c.digit} (${(100 * c.probability).toFixed(1)}%)  top ${c.top.length}: ${top}`;
}

// As many decoding processes as the cores, the pictures and the memory allow (the memory only
// when --allow-sys=systemMemoryInfo lets us ask).
function processCount(pictures: number): number {
  let byMemory = Infinity;
  try {
    byMemory = Math.floor(Deno.systemMemoryInfo().available / PROCESS_MEMORY);
  } catch { /* not granted: the cores decide */ }
  return Math.max(1, Math.min(navigator.hardwareConcurrency, pictures, byMemory));
}

type Outcome = { prepared: PreparedPicture } | { error: string };

// Prepares every picture, one ahead of the decoding processes (so that each has the next picture
// waiting); `done(i)` is called as each one is ready, in any order.
async function prepareAll(
  files: string[],
  decoder: PictureDecoder,
  ahead: number,
  done: (index: number, outcome: Outcome) => void,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const index = next++;
      try {
        done(index, { prepared: await decoder.prepareFile(files[index]!) });
      } catch (error) {
        done(index, { error: error instanceof Error ? error.message : String(error) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(ahead, files.length) }, worker));
}

async function main(): Promise<number> {
  const { flags, positionals, help } = parseFlags(FLAGS, Deno.args);
  if (help) {
    console.log(helpText("deno task predict <image|dir>... [options]", FLAGS));
    return 0;
  }
  if (positionals.length === 0) throw new UsageError("No image given: deno task predict <image|dir>...");
  const modules = loadRest(); // onnxruntime-web loads while the pictures start on their way
  const choice = await chooseModel(flags.model);
  const files = await expandInputs(positionals);
  if (files.length === 0) throw new UsageError(`No pictures in ${positionals.join(", ")}`);
  const processes = processCount(files.length);
  await using decoder = new PictureDecoder({
    processes,
    limits: { timeoutMs: flags.timeout * 1000, maxPixels: flags["max-pixels"] },
  });
  // pictures are read and decoded while onnxruntime starts and the model loads
  const outcomes: (Outcome | undefined)[] = new Array(files.length);
  let ready!: () => void;
  let wake = new Promise<void>((resolve) => ready = resolve);
  const preparing = prepareAll(files, decoder, processes + 1, (index, outcome) => {
    outcomes[index] = outcome;
    ready();
  });
  const loading = modules.then(([classifierModule, { configureOnnxRuntime }]) => {
    configureOnnxRuntime({ threads: flags.threads });
    return loadNaming(classifierModule, choice, flags["model-timeout"] * 1000);
  });
  loading.catch(() => {}); // its error is thrown where it is awaited, below
  const [, , { grayToText, stdoutHasColor }] = await modules;
  const { path: modelPath, why } = choice;
  const classifier = await loading;
  if (!flags.json) console.log(`model: ${printable(modelPath)} (${why})`);
  const progress = files.length >= PROGRESS_FROM && Deno.stderr.isTerminal();
  const results: Record<string, unknown>[] = [];
  let failures = 0;
  // in input order: each time pictures are ready, the next ones in order go to the model as one batch
  for (let printed = 0; printed < files.length;) {
    let end = printed;
    while (end < files.length && outcomes[end]) end++;
    if (end === printed) {
      await wake;
      wake = new Promise<void>((resolve) => ready = resolve);
      continue;
    }
    const batch = outcomes.slice(printed, end) as Outcome[];
    const digits = batch.flatMap((o) => "prepared" in o ? [o.prepared] : []);
    const answers = await classifier.classifyDigits(digits);
    let answered = 0;
    for (const [offset, outcome] of batch.entries()) {
      const file = files[printed + offset]!;
      if ("error" in outcome) {
        failures++;
        results.push({ file, error: outcome.error });
        console.error(`error: ${printable(file)}: ${oneLine(outcome.error)}`);
        continue;
      }
      const answer = answers[answered++]!;
      results.push({ file, ...answer, inverted: outcome.prepared.inverted });
      if (!flags.json) {
        console.log(describe(file, answer));
        if (flags.show) {
          console.log(
            grayToText(outcome.prepared.pixels, IMAGE_SIDE, IMAGE_SIDE, { color: stdoutHasColor() }),
          );
        }
      }
    }
    printed = end;
    if (progress) console.error(`[${printed}/${files.length}] pictures`);
  }
  await preparing;
  if (flags.json) console.log(JSON.stringify({ model: modelPath, why, results }, null, 2));
  await classifier.release();
  return failures > 0 ? 1 : 0;
}

await runMain(main);
