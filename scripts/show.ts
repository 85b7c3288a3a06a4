// Look at MNIST digits in the terminal, or write them as an upscaled PNG:
//   deno task show --index 123 [--split test] [--grid 16] [--out digits.png]
//   deno task show --index 123 --augment 15 [--elastic 2] [--alpha 34] [--out augmented.png]
//     (one digit, as training augments it: a row for each elastic distortion asked for)
import { AUGMENT_LIMITS, DEFAULT_TRAIN, IMAGE_PIXELS } from "../src/config.ts";
import { augmentBatch, augmentKey, augmentRanges } from "../src/data/augment.ts";
import type { LabeledImages } from "../src/data/labeled_images.ts";
import { type FlagSpec, helpText, parseFlags, runMain, UsageError } from "../src/cli/flags.ts";
import { loadMnist } from "../src/data/dataset.ts";
import { writeFileAtomic } from "../src/_atomic.ts";
import { checkReplaceableFile } from "../src/cli/ownership.ts";
import { imageGridSpec, renderSvg, svgToPng } from "../src/figures/chart.ts";
import { grayToText, stdoutHasColor } from "../src/cli/terminal.ts";

const FLAGS = {
  index: { type: "number", description: "first image to show", default: 0 },
  split: {
    type: "string",
    choices: ["train", "test"] as const,
    description: "which MNIST set",
    default: "train",
  },
  grid: { type: "number", description: "show N images from --index on", default: 1 },
  out: {
    type: "string",
    description: "also write them as a PNG (an existing file only if lenet wrote it)",
    placeholder: "FILE",
  },
  augment: {
    type: "integer",
    min: 1,
    max: 64,
    description: "show the --index digit and N of its augmentations (epochs 1..N, the default ranges)",
  },
  seed: { type: "integer", description: "seed of the augmentations", default: DEFAULT_TRAIN.seed },
  elastic: {
    type: "number",
    min: 0,
    max: AUGMENT_LIMITS.augmentElastic,
    description:
      "with --augment: also an elastic distortion this large, pixels (as train's --augment-elastic)",
    default: DEFAULT_TRAIN.augmentElastic,
  },
  alpha: {
    type: "number",
    min: 0,
    max: AUGMENT_LIMITS.augmentAlpha,
    description:
      "with --augment: also Simard's elastic distortion of this scale (as train's --augment-alpha)",
    default: DEFAULT_TRAIN.augmentAlpha,
  },
  sigma: {
    type: "number",
    min: 0.5,
    max: AUGMENT_LIMITS.augmentSigma,
    description: "with --alpha: the Gaussian smoothing its field, pixels",
    default: DEFAULT_TRAIN.augmentSigma,
  },
} satisfies Record<string, FlagSpec>;
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
  const split = flags.split;
  if (flags.out) await checkReplaceableFile(flags.out, "png"); // before loading anything
  const set = (await loadMnist())[split];
  const index = flags.index, grid = flags.grid;
  if (!Number.isInteger(index) || index < 0 || index >= set.count) {
    throw new UsageError(
      `Invalid --index: expected 0..${set.count - 1} for the ${split} split, got ${index}`,
    );
  }
  if (!Number.isInteger(grid) || grid < 1) {
    throw new UsageError(`Invalid --grid: expected a positive integer, got ${grid}`);
  }
  const { images, captions, title, columns } = flags.augment
    ? augmentations(set, index, flags.augment, flags.seed, {
      elastic: flags.elastic,
      alpha: flags.alpha,
      sigma: flags.sigma,
    })
    : plainImages(set, index, grid, split);
  console.log(terminalGrid(images, captions, stdoutHasColor()));
  if (flags.out) {
    const tiles = images.map((values, i) => ({ title: captions[i]!, width: 28, height: 28, values }));
    const spec = imageGridSpec(tiles, {
      title,
      columns: columns ?? Math.min(PER_ROW, images.length),
      cellSize: 4,
    });
    await writeFileAtomic(flags.out, await svgToPng(await renderSvg(spec), 3));
    console.log(`wrote ${flags.out}`);
  }
  return 0;
}

type Shown = { images: Float32Array[]; captions: string[]; title: string; columns?: number };

function plainImages(set: LabeledImages, index: number, grid: number, split: string): Shown {
  const indices = Array.from({ length: Math.min(grid, set.count - index) }, (_, k) => index + k);
  return {
    images: indices.map((i) =>
      Float32Array.from(set.images.subarray(i * IMAGE_PIXELS, (i + 1) * IMAGE_PIXELS), (v) => v / 255)
    ),
    captions: indices.map((i) => `${split} #${i}: ${set.labels[i]}`),
    title: `MNIST ${split} images`,
  };
}

// the digit, then what training shows of it in epochs 1..n (augmentKey: seed, epoch, index): a row
// for each elastic distortion asked for (the grid's, Simard's), or one of the affine transform alone
function augmentations(
  set: LabeledImages,
  index: number,
  n: number,
  seed: number,
  elastic: { elastic: number; alpha: number; sigma: number },
): Shown {
  const affine = { ...augmentRanges(DEFAULT_TRAIN), elastic: 0, alpha: 0 };
  const rows: [string, typeof affine][] = [];
  if (elastic.elastic > 0) {
    rows.push([`grid ±${elastic.elastic} px`, { ...affine, elastic: elastic.elastic }]);
  }
  if (elastic.alpha > 0) {
    rows.push([`Simard α ${elastic.alpha}, σ ${elastic.sigma}`, {
      ...affine,
      alpha: elastic.alpha,
      sigma: elastic.sigma,
    }]);
  }
  if (rows.length === 0) rows.push(["affine", affine]);
  const epochs = Array.from({ length: n }, (_, k) => k + 1);
  const images: Float32Array[] = [], captions: string[] = [];
  for (const [name, ranges] of rows) {
    images.push(...plainImages(set, index, 1, "train").images);
    captions.push(`#${index}: ${set.labels[index]}, ${name}`);
    for (const epoch of epochs) {
      images.push(augmentBatch(set.images, [index], (i) => augmentKey(seed, epoch, i), ranges));
      captions.push(`epoch ${epoch}`);
    }
  }
  const r = affine;
  const title =
    `Augmentations: ±${r.rotation}°, scale ±${r.scale * 100}%, shear ±${r.shear}, shift ±${r.shift} px` +
    (rows.length > 1 || elastic.elastic > 0 || elastic.alpha > 0
      ? `; rows: ${rows.map(([name]) => name).join(" | ")}`
      : "");
  return { images, captions, title, columns: n + 1 };
}

await runMain(main);
