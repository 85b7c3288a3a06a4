// Classify digit images (PNG or JPEG) with the ONNX LeNet on onnxruntime-web:
//   deno task predict digit.png [more.jpg dir/ ...] [--model model.onnx] [--json] [--show]
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
import { IMAGE_SIDE } from "../src/config.ts";
import { chooseModel, LOCAL_RUN_REASON } from "../src/cli/shipped_models.ts";
import type { Classification, OnnxClassifier } from "../src/onnx/classifier.ts";
import { configureOnnxRuntime, startOnnxRuntime } from "../src/onnx/runtime.ts";

// What predict loads once onnxruntime-web has started: its runtime compiles its .wasm on V8's
// background threads meanwhile, so a cold start costs little more than the runtime's own.
const loadRest = () =>
  Promise.all([
    import("../src/onnx/classifier.ts"),
    import("../src/images/decode.ts"),
    import("../src/cli/terminal.ts"),
  ]);

const IMAGE_EXTENSIONS = /\.(png|jpe?g)$/i;

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
  path: string,
  why: string,
): Promise<OnnxClassifier> {
  try {
    return await OnnxClassifier.load(path);
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

async function main(): Promise<number> {
  const { flags, positionals, help } = parseFlags(FLAGS, Deno.args);
  if (help) {
    console.log(helpText("deno task predict <image|dir>... [options]", FLAGS));
    return 0;
  }
  if (positionals.length === 0) throw new UsageError("No image given: deno task predict <image|dir>...");
  configureOnnxRuntime({ threads: flags.threads });
  void startOnnxRuntime();
  const [classifierModule, { readImageFile }, { grayToText, stdoutHasColor }] = await loadRest();
  const { path: modelPath, why } = await chooseModel(flags.model);
  const classifier = await loadNaming(classifierModule, modelPath, why);
  if (!flags.json) console.log(`model: ${printable(modelPath)} (${why})`);
  const files = await expandInputs(positionals);
  if (files.length === 0) throw new UsageError(`No PNG or JPEG images in ${positionals.join(", ")}`);
  const results: Record<string, unknown>[] = [];
  let failures = 0;
  for (const file of files) {
    try {
      const { prepared, ...answer } = await classifier.classifyImage(await readImageFile(file));
      results.push({ file, ...answer, inverted: prepared.inverted });
      if (!flags.json) {
        console.log(describe(file, answer));
        if (flags.show) {
          console.log(grayToText(prepared.pixels, IMAGE_SIDE, IMAGE_SIDE, { color: stdoutHasColor() }));
        }
      }
    } catch (error) {
      failures++;
      const message = error instanceof Error ? error.message : String(error);
      results.push({ file, error: message });
      console.error(`error: ${printable(file)}: ${oneLine(message)}`);
    }
  }
  if (flags.json) console.log(JSON.stringify({ model: modelPath, why, results }, null, 2));
  await classifier.release();
  return failures > 0 ? 1 : 0;
}

await runMain(main);
