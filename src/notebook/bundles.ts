/**
 * What the library's objects show in a notebook (see `display.ts`): the MIME bundles of images,
 * a model's summary and a classification, built only when a notebook asks, from plain SVG and
 * HTML (no renderer: the browser page's bundle, which classifies, stays as small as it was).
 * Charts are in `chart_bundles.ts`.
 *
 * @module
 */
import type { LabeledImages } from "../data/types.ts";
import { toBase64 } from "../_base64.ts";
import type { MimeBundle } from "../display_hook.ts";
import { barsSvg, grayGridSvg, htmlTable } from "./drawings.ts";

/** Most images a set shows: the first 32. */
const SHOWN_IMAGES = 32;

/**
 * A set of labelled images: one image, drawn with its label; several, a PNG grid of the first 32
 * and their labels in text.
 *
 * @param set The images.
 * @returns The bundle.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { imagesBundle } from "./bundles.ts";
 * const one = { images: new Uint8Array(4).fill(255), labels: Uint8Array.of(3), count: 1, rows: 2, cols: 2 };
 * assert.match((await imagesBundle(one))["image/svg+xml"] as string, /label 3/);
 * const two = { ...one, images: new Uint8Array(8), labels: Uint8Array.of(3, 4), count: 2 };
 * assert.match((await imagesBundle(two))["text/plain"] as string, /2 images of 2x2; labels 3 4/);
 * ```
 */
export async function imagesBundle(set: LabeledImages): Promise<MimeBundle> {
  const size = set.rows * set.cols, shown = Math.min(SHOWN_IMAGES, set.count);
  const more = set.count > shown ? ` (the first ${shown} shown)` : "";
  const text = `${set.count.toLocaleString("en-US")} ${
    set.count === 1 ? "image" : "images"
  } of ${set.rows}x${set.cols}${more}; labels ${Array.from(set.labels.subarray(0, shown)).join(" ")}`;
  if (set.count === 1) {
    const tile = {
      width: set.cols,
      height: set.rows,
      values: Float32Array.from(set.images.subarray(0, size), (v) => v / 255),
    };
    return {
      "image/svg+xml": grayGridSvg([{ ...tile, caption: `label ${set.labels[0]}` }], { scale: 6 }),
      "text/plain": text,
    };
  }
  return { "image/png": toBase64(await grayGridPng(set, shown)), "text/plain": text };
}

/** The first `shown` images of a set side by side, 8 a row, 2 pixels a pixel, on a light gap. */
async function grayGridPng(set: LabeledImages, shown: number): Promise<Uint8Array> {
  const { encode } = await import("../npm/fast_png.ts");
  const scale = 2, gap = 2, columns = Math.min(8, shown), rows = Math.ceil(shown / columns);
  const cellW = set.cols * scale + gap, cellH = set.rows * scale + gap;
  const width = columns * cellW + gap, height = rows * cellH + gap;
  const data = new Uint8Array(width * height).fill(200);
  for (let i = 0; i < shown; i++) {
    const x0 = gap + (i % columns) * cellW, y0 = gap + Math.floor(i / columns) * cellH;
    for (let y = 0; y < set.rows * scale; y++) {
      for (let x = 0; x < set.cols * scale; x++) {
        data[(y0 + y) * width + x0 + x] = set
          .images[i * set.rows * set.cols + Math.floor(y / scale) * set.cols + Math.floor(x / scale)]!;
      }
    }
  }
  return encode({ width, height, data, channels: 1, depth: 8 });
}

/** A layer of a summary: name, type, output shape, parameters. */
interface SummaryRow {
  name: string;
  type: string;
  outputShape: number[];
  params: number;
}

/**
 * A model's summary: a table of its layers and a total, as HTML and as text.
 *
 * @param rows The layers.
 * @param text The same summary as text.
 * @returns The bundle.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { summaryBundle } from "./bundles.ts";
 * const bundle = summaryBundle([{ name: "fc", type: "Dense", outputShape: [10], params: 850 }], "fc 850");
 * assert.match(bundle["text/html"] as string, /Total params: 850/);
 * ```
 */
export function summaryBundle(rows: SummaryRow[], text: string): MimeBundle {
  const total = rows.reduce((n, r) => n + r.params, 0);
  const table = htmlTable(
    ["#", "Layer (type)", "Output shape", "Params"],
    rows.map((r, i) => [String(i), `${r.name} (${r.type})`, `[${r.outputShape.join(", ")}]`, r.params]),
    `Total params: ${total.toLocaleString("en-US")}`,
  );
  return { "text/html": table, "text/plain": text };
}

/**
 * A classification: the 28x28 the model saw and its most probable classes as bars.
 *
 * @param answer The classification's top classes and the picture as prepared.
 * @returns SVG, HTML and text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { classificationBundle } from "./bundles.ts";
 * const bundle = classificationBundle({ digit: 7, probability: 0.9, top: [{ digit: 7, probability: 0.9 }], pixels: new Float32Array(784) });
 * assert.match(bundle["text/plain"] as string, /^7 \(90\.0%\)/);
 * ```
 */
export function classificationBundle(
  answer: {
    digit: number;
    probability: number;
    top: { digit: number; probability: number }[];
    pixels?: Float32Array;
  },
): MimeBundle {
  const bars = barsSvg(answer.top.map((t) => [String(t.digit), t.probability]));
  const seen = answer.pixels
    ? grayGridSvg([{ width: 28, height: 28, values: answer.pixels, caption: "what the model saw" }], {
      scale: 4,
    })
    : "";
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${seen ? 360 : 220}" height="140">` +
    (seen ? `<g>${seen}</g><g transform="translate(130, 10)">${bars}</g>` : bars) + "</svg>";
  const text = `${answer.digit} (${(100 * answer.probability).toFixed(1)}%)  top: ` +
    answer.top.map((t) => `${t.digit} ${(100 * t.probability).toFixed(1)}%`).join(" · ");
  return { "image/svg+xml": svg, "text/plain": text };
}
