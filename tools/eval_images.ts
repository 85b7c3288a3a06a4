// Accuracy of the whole predict pipeline (decode → MNIST-style preparation → ONNX model) on MNIST
// test digits re-rendered as people's pictures: photographs (dark ink on uneven light paper, large,
// off-centre, noisy, JPEG) and canvas drawings (black strokes on a transparent RGBA background); and
// on printed digits, 0 to 9 in every installed font.
//   deno task eval:images [--model FILE] [--count N] [--write DIR]
import { IMAGE_PIXELS } from "../src/config.ts";
import { encode as encodePng } from "npm:fast-png@8.0.0";
import jpeg from "npm:jpeg-js@0.4.4";
import { join } from "node:path";
import { type FlagSpec, helpText, parseFlags, runMain } from "../src/cli/flags.ts";
import { loadMnist } from "../src/data/dataset.ts";
import { chooseModel } from "../src/cli/shipped_models.ts";
import { OnnxClassifier } from "../src/onnx/classifier.ts";
import { mulberry32 } from "../src/data/shuffle.ts";
import { canvasOfDigit, photoOfDigit, printedDigitSvg } from "../src/images/synthetic.ts";
import { svgToPng } from "../src/figures/chart.ts";
import { ImageError } from "../src/images/digit.ts";

const FLAGS: Record<string, FlagSpec> = {
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
  write: {
    type: "string",
    description: "also write the first 20 renderings of each kind here",
    placeholder: "DIR",
  },
};

async function main(): Promise<number> {
  const { flags, help } = parseFlags(FLAGS, Deno.args);
  if (help) return (console.log(helpText("deno task eval:images [options]", FLAGS)), 0);
  const { test } = await loadMnist();
  const { path: model, why } = await chooseModel(flags.model as string | undefined);
  console.log(`model: ${model} (${why})`);
  const classifier = await OnnxClassifier.load(model);
  const count = Math.min(test.count, flags.count as number);
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
  const write = flags.write as string | undefined;
  if (write) await Deno.mkdir(write, { recursive: true });
  const report: Record<string, number> = {};
  for (const [kind, render] of Object.entries(kinds)) {
    let correct = 0;
    for (let i = 0; i < count; i++) {
      const bytes = render(test.images.subarray(i * IMAGE_PIXELS, (i + 1) * IMAGE_PIXELS));
      if (write && i < 20) {
        await Deno.writeFile(
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
  const printed = await printedDigits(classifier, flags.fonts as string, flags["printed-variants"] as number);
  if (printed) report.printed = printed;
  console.log(JSON.stringify({ model, count, ...report }));
  return 0;
}

// Printed digits: 0 to 9 in every font of the folder (Debian's fonts-* packages put them under
// /usr/share/fonts), each in `variants` sizes, angles and papers; skipped in one line with no font.
async function printedDigits(
  classifier: OnnxClassifier,
  dir: string,
  variants: number,
): Promise<number | undefined> {
  const fonts: string[] = [];
  const walk = async (folder: string) => {
    for await (const entry of Deno.readDir(folder)) {
      const path = join(folder, entry.name);
      if (entry.isDirectory) await walk(path);
      else if (/\.(ttf|otf)$/i.test(entry.name)) fonts.push(path);
    }
  };
  await walk(dir).catch(() => {});
  if (fonts.length === 0) {
    console.log(
      `printed: skipped, no font in ${dir} (apt-get install fonts-dejavu fonts-liberation, or --fonts DIR)`,
    );
    return undefined;
  }
  const random = mulberry32(4321);
  let correct = 0, total = 0;
  const byFont: [string, number][] = [], blank: string[] = [];
  for (const font of fonts.sort()) {
    const bytes = await Deno.readFile(font);
    let right = 0;
    for (let digit = 0; digit < 10; digit++) {
      for (let v = 0; v < variants; v++) {
        const png = await svgToPng(printedDigitSvg(digit, random), 1, [bytes]);
        try {
          if ((await classifier.classifyImage(png)).digit === digit) right++;
        } catch (error) {
          if (!(error instanceof ImageError)) throw error; // a font without the glyph: no answer, a miss
          if (!blank.includes(font)) blank.push(font);
        }
      }
    }
    correct += right, total += 10 * variants;
    byFont.push([font.slice(font.lastIndexOf("/") + 1), right / (10 * variants)]);
  }
  const worst = byFont.sort((a, b) => a[1] - b[1]).slice(0, 3).map(([f, a]) =>
    `${f} ${(100 * a).toFixed(0)}%`
  );
  console.log(
    `printed: ${(100 * correct / total).toFixed(2)}% of ${total} digits in ${fonts.length} fonts (worst: ${
      worst.join(", ")
    })`,
  );
  return correct / total;
}

await runMain(main);
