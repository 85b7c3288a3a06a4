// Export a trained tfjs LeNet to ONNX:
//   deno task export <model dir> [--out FILE]   (default: <model dir>/model.onnx)
import { join } from "node:path";
import { type FlagSpec, helpText, parseFlags, runMain, UsageError } from "../src/cli/flags.ts";
import { checkReplaceableFile } from "../src/cli/ownership.ts";
import { RUN_FILES } from "../src/cli/run_dir.ts";
import { writeFileAtomic } from "../src/_atomic.ts";
import { LeNet } from "../src/model/lenet.ts";
import { exportOnnx } from "../src/onnx/export.ts";

const FLAGS = {
  out: {
    type: "string",
    description:
      "ONNX file to write (default: <model dir>/model.onnx); an existing one only if lenet wrote it",
    placeholder: "FILE",
  },
} satisfies Record<string, FlagSpec>;

async function main(): Promise<number> {
  const { flags, positionals, help } = parseFlags(FLAGS, Deno.args);
  if (help) {
    console.log(helpText("deno task export <model dir> [options]", FLAGS));
    return 0;
  }
  if (positionals.length !== 1) {
    throw new UsageError("Expected one model directory: deno task export <model dir>");
  }
  const dir = positionals[0]!;
  const out = flags.out ?? join(dir, RUN_FILES.onnx);
  await checkReplaceableFile(out, "onnx"); // before anything is loaded
  const lenet = await LeNet.load(dir);
  const bytes = exportOnnx(lenet.toWeights());
  await writeFileAtomic(out, bytes);
  console.log(
    `wrote ${out} (${bytes.length.toLocaleString("en-US")} bytes, opset 13, input image [batch, 1, 28, 28])`,
  );
  return 0;
}

await runMain(main);
