// Redraw a run's training curves from its history.json:
//   deno task plot <model dir>   (writes history.png and history.svg there)
import { join } from "node:path";
import { type FlagSpec, helpText, parseFlags, runMain, UsageError } from "../src/cli/flags.ts";
import { historySpec } from "../src/figures/specs.ts";
import { writeFileAtomic } from "../src/_atomic.ts";
import { renderSvg, svgToPng } from "../src/figures/chart.ts";

const FLAGS: Record<string, FlagSpec> = {};

async function main(): Promise<number> {
  const { positionals, help } = parseFlags(FLAGS, Deno.args);
  if (help) return (console.log(helpText("deno task plot <model dir>", FLAGS)), 0);
  if (positionals.length !== 1) {
    throw new UsageError("Expected one model directory: deno task plot <model dir>");
  }
  const dir = positionals[0]!;
  let epochs;
  try {
    ({ epochs } = JSON.parse(await Deno.readTextFile(join(dir, "history.json"))));
  } catch (error) {
    throw new Error(`Cannot read ${join(dir, "history.json")}: ${(error as Error).message.split("\n")[0]}`);
  }
  if (!Array.isArray(epochs) || epochs.length === 0) {
    throw new Error(`No epochs in ${join(dir, "history.json")}`);
  }
  const svg = await renderSvg(historySpec(epochs));
  await writeFileAtomic(join(dir, "history.svg"), svg);
  await writeFileAtomic(join(dir, "history.png"), await svgToPng(svg));
  console.log(`wrote ${join(dir, "history.png")} and history.svg (${epochs.length} epochs)`);
  return 0;
}

await runMain(main);
