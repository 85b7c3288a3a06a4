// Redraw a run's training curves from its history.json:
//   deno task plot <model dir>   (writes history.png and history.svg there)
import { type FlagSpec, helpText, parseFlags, runMain, UsageError } from "../src/cli/flags.ts";
import { checkRunDir, readRunHistory } from "../src/cli/run_dir.ts";
import { writeHistoryPlot } from "../src/figures/report.ts";

const FLAGS = {} satisfies Record<string, FlagSpec>;

async function main(): Promise<number> {
  const { positionals, help } = parseFlags(FLAGS, Deno.args);
  if (help) return (console.log(helpText("deno task plot <model dir>", FLAGS)), 0);
  if (positionals.length !== 1) {
    throw new UsageError("Expected one model directory: deno task plot <model dir>");
  }
  await checkRunDir(positionals[0]!); // it redraws files there: only in a run lenet wrote
  const { epochs } = await readRunHistory(positionals[0]!);
  const written = await writeHistoryPlot(positionals[0]!, epochs);
  console.log(`wrote ${written.join(" and ")} (${epochs.length} epochs)`);
  return 0;
}

await runMain(main);
