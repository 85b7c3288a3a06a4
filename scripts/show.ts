// Look at MNIST digits in the terminal, or write them as an upscaled PNG:
//   deno task show --index 123 [--split test] [--grid 16] [--out digits.png]
import { IMAGE_PIXELS } from "../src/config.ts";
import { type FlagSpec, helpText, parseFlags, runMain, UsageError } from "../src/cli/flags.ts";
import { loadMnist } from "../src/data/dataset.ts";
import { digitsSpec } from "../src/figures/specs.ts";
import { writeFileAtomic } from "../src/_atomic.ts";
import { renderSvg, svgToPng } from "../src/figures/chart.ts";
import { grayToText, stdoutHasColor } from "../src/cli/terminal.ts";

const FLAGS: Record<string, FlagSpec> = {
  index: { type: "number", description: "first image to show", default: 0 },
  split: { type: "string", description: "train | test", default: "train" },
  grid: { type: "number", description: "show N images from --index on", default: 1 },
  out: { type: "string", description: "also write them as a PNG", placeholder: "FILE" },
};
const PER_ROW = 8;

function columnsAvailable(): number {
  try {
    return Deno.consoleSize().columns;
  } catch {
    return 120; // not a terminal
  }
}

function terminalGrid(images: Float32Array[], captions: string[], color: boolean): string {
  const blocks: string[] = [];
  // A plain pixel is two characters wide; a half-block draws one pixel per column.
  const cellWidth = color ? 28 + 2 : 28 * 2 + 2;
  const perRow = Math.max(1, Math.min(PER_ROW, Math.floor(columnsAvailable() / cellWidth)));
  for (let start = 0; start < images.length; start += perRow) {
    const row = images.slice(start, start + perRow);
    const renders = row.map((img) => grayToText(img, 28, 28, { color }).split("\n"));
    const header = captions.slice(start, start + perRow).map((c) => c.padEnd(cellWidth)).join("");
    const lines = renders[0]!.map((_, y) => renders.map((r) => r[y]! + "  ").join(""));
    blocks.push([header, ...lines].join("\n"));
  }
  return blocks.join("\n\n");
}

async function main(): Promise<number> {
  const { flags, positionals, help } = parseFlags(FLAGS, Deno.args);
  if (help) return (console.log(helpText("deno task show [options]", FLAGS)), 0);
  if (positionals.length > 0) throw new UsageError(`Unexpected argument "${positionals[0]}"`);
  const split = flags.split as string;
  if (split !== "train" && split !== "test") {
    throw new UsageError(`Invalid --split: expected train or test, got "${split}"`);
  }
  const set = (await loadMnist())[split];
  const index = flags.index as number, grid = flags.grid as number;
  if (!Number.isInteger(index) || index < 0 || index >= set.count) {
    throw new UsageError(
      `Invalid --index: expected 0..${set.count - 1} for the ${split} split, got ${index}`,
    );
  }
  if (!Number.isInteger(grid) || grid < 1) {
    throw new UsageError(`Invalid --grid: expected a positive integer, got ${grid}`);
  }
  const indices = Array.from({ length: Math.min(grid, set.count - index) }, (_, k) => index + k);
  const captions = indices.map((i) => `${split} #${i}: ${set.labels[i]}`);
  const images = indices.map((i) =>
    Float32Array.from(set.images.subarray(i * IMAGE_PIXELS, (i + 1) * IMAGE_PIXELS), (v) => v / 255)
  );
  console.log(terminalGrid(images, captions, stdoutHasColor()));
  if (flags.out) {
    const spec = digitsSpec(
      set,
      indices,
      captions,
      `MNIST ${split} images`,
      Math.min(PER_ROW, indices.length),
    );
    await writeFileAtomic(flags.out as string, await svgToPng(await renderSvg(spec), 3));
    console.log(`wrote ${flags.out}`);
  }
  return 0;
}

await runMain(main);
