// Accuracy of the whole predict pipeline (decode → MNIST-style preparation → ONNX model) on MNIST
// test digits re-rendered as people's pictures: photographs (dark ink on uneven light paper, large,
// off-centre, noisy, JPEG) and canvas drawings (black strokes on a transparent RGBA background); and
// on printed digits, 0 to 9 in every installed font.
//   deno task eval:images [--model FILE] [--count N] [--write DIR] [--mistakes FILE]
import { IMAGE_PIXELS, IMAGE_SIDE } from "../src/config.ts";
import { encode as encodePng } from "../src/npm/fast_png.ts";
import jpeg from "../src/npm/jpeg_js.ts";
import { basename, dirname, join } from "node:path";
import { type FlagSpec, helpText, parseFlags, runMain } from "../src/cli/flags.ts";
import { loadMnist } from "../src/data/dataset.ts";
import { chooseModel } from "../src/cli/shipped_models.ts";
import { OnnxClassifier } from "../src/onnx/classifier.ts";
import { mulberry32 } from "../src/data/shuffle.ts";
import {
  canvasOfDigit,
  type PaperOptions,
  photographed,
  photoOfDigit,
  printedDigitSvg,
} from "../testing/synthetic.ts";
import { imageGridSpec, renderSvg, svgToPng } from "../src/figures/chart.ts";
import { decodeImage } from "../src/images/decode.ts";
import { writeFileAtomic } from "../src/_atomic.ts";
import { checkReplaceableFile, checkReplaceableFolder, writeOwnerMarker } from "../src/cli/ownership.ts";
import { ImageError } from "../src/images/digit.ts";
import { writeRecord } from "../results/records.ts";

const FLAGS = {
  model: {
    type: "string",
    description: "ONNX model (default: as predict picks it)",
    placeholder: "FILE",
  },
  count: { type: "number", description: "test digits to render (from the first)", default: 10000 },
  fonts: {
    type: "string",
    description: "folder of fonts for printed digits",
    default: "/usr/share/fonts",
    placeholder: "DIR",
  },
  "printed-variants": {
    type: "integer",
    min: 1,
    description: "sizes/angles/papers of each printed digit",
    default: 5,
  },
  mistakes: {
    type: "string",
    description: "write a figure of the printed digits it got wrong (looked-at fonts) to this PNG",
    placeholder: "FILE",
  },
  write: {
    type: "string",
    description: "also write the first 20 renderings of each kind here",
    placeholder: "DIR",
  },
  record: { type: "boolean", description: "write a result record to results/" },
} satisfies Record<string, FlagSpec>;

// the sets as the docs name them
const SET_NAMES: Record<string, string> = {
  photo: "MNIST test digits as photographs",
  canvas: "MNIST test digits as canvas drawings",
  ...Object.fromEntries(
    ["clean", "lined", "specks", "photo"].flatMap((page) =>
      ["looked-at", "held-out"].map((
        half,
      ) => [`printed-${page}-${half}`, `printed, ${page} page, ${half} fonts`])
    ),
  ),
};

async function main(): Promise<number> {
  const { flags, help } = parseFlags(FLAGS, Deno.args);
  if (help) return (console.log(helpText("deno task eval:images [options]", FLAGS)), 0);
  const { test } = await loadMnist();
  const { path: model, why } = await chooseModel(flags.model);
  console.log(`model: ${model} (${why})`);
  const classifier = await OnnxClassifier.load(model);
  const count = Math.min(test.count, flags.count);
  const random = mulberry32(1234);
  const kinds = {
    photo: (digit: Uint8Array) => {
      const img = photoOfDigit(digit, random);
      return jpeg.encode({ data: img.data, width: img.width, height: img.height }, 80).data as Uint8Array;
    },
    canvas: (digit: Uint8Array) => {
      const img = canvasOfDigit(digit);
      return encodePng({ width: img.width, height: img.height, data: img.data, channels: 4, depth: 8 });
    },
  };
  const write = flags.write;
  if (write) {
    // absent, empty, or renderings written here before: nothing of a user's is touched
    await checkReplaceableFolder(write, "renderings");
    await Deno.mkdir(write, { recursive: true });
    await writeOwnerMarker(write, "renderings");
  }
  const report: Record<string, number> = {};
  for (const [kind, render] of Object.entries(kinds)) {
    let correct = 0;
    for (let i = 0; i < count; i++) {
      const bytes = render(test.images.subarray(i * IMAGE_PIXELS, (i + 1) * IMAGE_PIXELS));
      if (write && i < 20) {
        await writeFileAtomic( // a new file renamed into place: never through a link
          join(write, `${kind}-${i}-label${test.labels[i]}.${kind === "photo" ? "jpg" : "png"}`),
          bytes,
        );
      }
      const answer = await classifier.classifyImage(bytes); // decode, prepare, classify: as predict does
      if (answer.digit === test.labels[i]) correct++;
    }
    report[kind] = correct / count;
    console.log(`${kind}: ${(100 * correct / count).toFixed(2)}% of ${count} MNIST test digits`);
  }
  if (flags.mistakes) await checkReplaceableFile(flags.mistakes, "png"); // before minutes of work
  const printed = await printedDigits(
    classifier,
    flags.fonts,
    flags["printed-variants"],
    flags.mistakes,
  );
  Object.assign(report, printed);
  console.log(JSON.stringify({ model, count, ...report }));
  if (flags.record) {
    const name = basename(dirname(model));
    const sets = Object.entries(report).map(([set, accuracy]) => ({
      name: SET_NAMES[set] ?? set,
      pictures: pictures.get(set) ?? count,
      accuracy,
    }));
    const command = `deno task eval:images ${Deno.args.join(" ")}`.trim();
    console.log(`recorded in ${await writeRecord(`eval-images.${name}`, command, { model: name, sets })}`);
  }
  return 0;
}

// Printed digits: 0 to 9 in every font of the folder (Debian's fonts-* packages put them under
// /usr/share/fonts), `variants` sizes/angles/papers each, on four kinds of page: clean, lined
// (a notebook's rules), speckled, and photographed (light fall-off, blur, noise, JPEG). The fonts
// are split in two halves, each with its own seed: the "looked-at" half is the one whose mistakes
// the --mistakes figure shows and any change to the preparation is judged on; the held-out half
// checks that a change is general. Skipped in one line with no font.
const PAGES: Record<string, { paper: PaperOptions; photo?: boolean }> = {
  clean: { paper: {} },
  lined: { paper: { lined: true } },
  specks: { paper: { specks: 8 } },
  photo: { paper: {}, photo: true },
};

interface Mistake {
  font: string;
  page: string;
  digit: number;
  answer: number | undefined;
  pixels?: Float32Array;
}

// every font file under the folder, read once, in path order: its name (no extension) and bytes
async function readFonts(dir: string): Promise<{ name: string; bytes: Uint8Array }[]> {
  const paths: string[] = [];
  const walk = async (folder: string) => {
    for await (const entry of Deno.readDir(folder)) {
      const path = join(folder, entry.name);
      if (entry.isDirectory) await walk(path);
      else if (/\.(ttf|otf)$/i.test(entry.name)) paths.push(path);
    }
  };
  await walk(dir).catch(() => {});
  return await Promise.all(
    paths.sort().map(async (path) => ({
      name: basename(path).replace(/\.(ttf|otf)$/i, ""),
      bytes: await Deno.readFile(path),
    })),
  );
}

async function printedDigits(
  classifier: OnnxClassifier,
  dir: string,
  variants: number,
  mistakesFile: string | undefined,
): Promise<Record<string, number> | undefined> {
  const fonts = await readFonts(dir);
  if (fonts.length === 0) {
    console.log(
      `printed: skipped, no font in ${dir} (apt-get install fonts-dejavu fonts-liberation, or --fonts DIR)`,
    );
    return undefined;
  }
  const halves = {
    "looked-at": fonts.filter((_, i) => i % 2 === 0),
    "held-out": fonts.filter((_, i) => i % 2),
  };
  const report: Record<string, number> = {}, seen: Mistake[] = [];
  pictures.clear();
  for (const [page, { paper, photo }] of Object.entries(PAGES)) {
    const line: string[] = [];
    for (const [half, files] of Object.entries(halves)) {
      const random = mulberry32(half === "looked-at" ? 4321 : 8765);
      const mistakes: Mistake[] = [];
      for (const { name, bytes } of files) {
        for (let digit = 0; digit < 10; digit++) {
          for (let v = 0; v < variants; v++) {
            let picture = await svgToPng(printedDigitSvg(digit, random, paper), 1, [bytes]);
            if (photo) picture = photoJpeg(picture, random);
            try {
              const answer = await classifier.classifyImage(picture);
              if (answer.digit !== digit) {
                mistakes.push({
                  font: name,
                  page,
                  digit,
                  answer: answer.digit,
                  pixels: answer.prepared.pixels,
                });
              }
            } catch (error) {
              if (!(error instanceof ImageError)) throw error; // a font without the glyph: no answer, a miss
              mistakes.push({ font: name, page, digit, answer: undefined });
            }
          }
        }
      }
      const total = files.length * 10 * variants, accuracy = 1 - mistakes.length / total;
      report[`printed-${page}-${half}`] = accuracy;
      pictures.set(`printed-${page}-${half}`, total);
      line.push(`${half} ${(100 * accuracy).toFixed(2)}% of ${total}`);
      if (half === "looked-at") seen.push(...mistakes);
    }
    console.log(
      `printed, ${page} page: ${line.join(", ")} (${fonts.length} fonts, ${variants} pictures a digit)`,
    );
  }
  if (mistakesFile) await writeMistakes(mistakesFile, seen);
  return report;
}

// how many pictures each printed set had (its accuracy is in the report)
const pictures = new Map<string, number>();

// a printed picture as a phone photo of it: decoded, photographed, JPEG at quality 55-85
function photoJpeg(png: Uint8Array, random: () => number): Uint8Array {
  const { width, height, data, channels } = decodeImage(png);
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    for (let c = 0; c < 4; c++) {
      rgba[i * 4 + c] = c < 3 ? data[i * channels + Math.min(c, channels - 1)]! : 255;
    }
  }
  const photo = photographed({ width, height, data: rgba }, random);
  return jpeg.encode({ ...photo }, 55 + Math.round(random() * 30)).data as Uint8Array;
}

// the looked-at half's mistakes as the model saw them, captioned "font: digit → answer"
async function writeMistakes(file: string, mistakes: Mistake[]): Promise<void> {
  // up to 16 of each kind of page, so that one kind does not fill the figure
  const shown = Object.keys(PAGES).flatMap((page) =>
    mistakes.filter((m) => m.pixels && m.page === page).slice(0, 16)
  );
  const tiles = shown.map((m) => ({
    title: `${m.font.slice(0, 18)} ${m.page}: ${m.digit}→${m.answer}`,
    width: IMAGE_SIDE,
    height: IMAGE_SIDE,
    values: m.pixels!,
  }));
  const title = `Printed digits the model got wrong (looked-at fonts; ${shown.length} of ${mistakes.length})`;
  if (tiles.length === 0) return console.log(`no mistakes to draw in ${file}`);
  await writeFileAtomic(
    file,
    await svgToPng(await renderSvg(imageGridSpec(tiles, { title, columns: 8 })), 2),
  );
  console.log(`wrote ${file}`);
}

await runMain(main);
