// Redraw every figure and report.html of a trained model from its files:
//   deno task report <model dir> [--index N]   (N: the test digit whose feature maps are drawn)
import { confusionMatrix, confusionText } from "../src/figures/analysis.ts";
import { type FlagSpec, helpText, parseFlags, runMain, UsageError } from "../src/cli/flags.ts";
import { checkRunDir, readRunHistory } from "../src/cli/run_dir.ts";
import { loadMnist } from "../src/data/dataset.ts";
import { LeNet } from "../src/model/lenet.ts";
import { writeReport } from "../src/figures/report.ts";
import { evaluate } from "../src/training/evaluate.ts";

const FLAGS = {
  index: { type: "number", description: "test image whose feature maps are drawn", default: 0 },
} satisfies Record<string, FlagSpec>;

async function main(): Promise<number> {
  const { flags, positionals, help } = parseFlags(FLAGS, Deno.args);
  if (help) return (console.log(helpText("deno task report <model dir>", FLAGS)), 0);
  if (positionals.length !== 1) {
    throw new UsageError("Expected one model directory: deno task report <model dir>");
  }
  const dir = positionals[0]!;
  await checkRunDir(dir); // it redraws files there: only in a run lenet wrote
  const lenet = await LeNet.load(dir);
  const { epochs: history, train: recipe } = await readRunHistory(dir);
  const { test } = await loadMnist();
  const featureIndex = flags.index;
  if (!Number.isInteger(featureIndex) || featureIndex < 0 || featureIndex >= test.count) {
    throw new UsageError(`Invalid --index: expected 0..${test.count - 1}, got ${featureIndex}`);
  }
  const evaluation = await evaluate(lenet, test);
  console.log(confusionText(confusionMatrix(test.labels, evaluation.predictions, lenet.config.numClasses)));
  const written = await writeReport(dir, { lenet, recipe, history, test, evaluation, featureIndex });
  console.log(`test accuracy ${(100 * evaluation.accuracy).toFixed(2)}%; wrote ${written.join(", ")}`);
  return 0;
}

await runMain(main);
