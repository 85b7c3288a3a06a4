/**
 * Everything a training run shows, written beside the model: `history.png`/`.svg`, the filters
 * of both convolutions, the feature maps of one test digit, the confusion matrix, the most
 * confident mistakes, and `report.html`, one self-contained page (images embedded) gathering
 * them with the configuration and the summary table.
 *
 * @module
 */
import { join } from "node:path";
import { toBase64 } from "../_base64.ts";
import { classReports, confidentMistakes, confusionMatrix } from "./analysis.ts";
import type { TrainConfig } from "../config.ts";
import { confusionSpec, digitsSpec, featureMapsSpec, filtersSpec, historySpec } from "./specs.ts";
import type { LabeledImages } from "../data/labeled_images.ts";
import { writeFileAtomic } from "../_atomic.ts";
import type { LeNet } from "../model/lenet.ts";
import { type ChartSpec, renderSvg, svgToPng } from "./chart.ts";
import { normalizePixels } from "../data/batch.ts";
import type { EpochLog, Evaluation } from "../training/types.ts";

/** What {@linkcode writeReport} draws from. */
export interface ReportInput {
  /** The trained model. */
  lenet: LeNet;
  /** The recipe it was trained with. */
  recipe: Partial<TrainConfig>;
  /** Its per-epoch history. */
  history: EpochLog[];
  /** The test set. */
  test: LabeledImages;
  /** The model's evaluation on the test set. */
  evaluation: Evaluation;
  /**
   * Test image whose feature maps are drawn.
   * @default 0
   */
  featureIndex?: number;
}

/** File names {@linkcode writeReport} writes, by figure. */
export const REPORT_FILES = {
  history: "history.png",
  conv1: "filters_conv1.png",
  conv2: "filters_conv2.png",
  featureMaps: "feature_maps.png",
  confusion: "confusion_matrix.png",
  mistakes: "mistakes.png",
} as const;

/** The page that gathers the figures. */
export const REPORT_PAGE = "report.html";
/** The training curves as SVG, beside their PNG. */
export const HISTORY_SVG = "history.svg";

const MISTAKES = 24;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
}

function figureSpecs(input: ReportInput, matrix: number[][]): Record<keyof typeof REPORT_FILES, ChartSpec> {
  const { lenet, history, test, evaluation, featureIndex = 0 } = input;
  const mistakes = confidentMistakes(test.labels, evaluation.predictions, evaluation.confidences, MISTAKES);
  const size = test.rows * test.cols;
  const chosen = normalizePixels(test.images.subarray(featureIndex * size, (featureIndex + 1) * size));
  return {
    history: historySpec(history),
    conv1: filtersSpec(lenet, 1),
    conv2: filtersSpec(lenet, 3),
    featureMaps: featureMapsSpec(lenet, chosen, `test #${featureIndex}, a ${test.labels[featureIndex]}`),
    confusion: confusionSpec(matrix),
    mistakes: digitsSpec(
      test,
      mistakes,
      mistakes.map((i) =>
        `#${i} true ${test.labels[i]} → ${evaluation.predictions[i]} (${
          (100 * evaluation.confidences[i]!).toFixed(0)
        }%)`
      ),
      "Most confident mistakes on the test set",
      6,
    ),
  };
}

function reportHtml(input: ReportInput, matrix: number[][], images: Record<string, Uint8Array>): string {
  const { lenet, recipe, evaluation, test } = input;
  // Figures are rasterised at 2x: show them at their CSS size, sharp on high-density screens.
  const img = (key: keyof typeof REPORT_FILES, alt: string) => {
    const png = images[key]!;
    const width = new DataView(png.buffer, png.byteOffset).getUint32(16) / 2; // PNG IHDR width
    return `<img alt="${alt}" width="${width}" src="data:image/png;base64,${toBase64(png)}">`;
  };
  const reports = classReports(matrix);
  const rows = reports.map((r) =>
    `<tr><td>${r.digit}</td><td>${(100 * r.precision).toFixed(2)}%</td><td>${
      (100 * r.recall).toFixed(2)
    }%</td><td>${r.support}</td></tr>`
  ).join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>LeNet on MNIST: training report</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; color: #222; }
img { max-width: 100%; height: auto; display: block; margin: 1em 0; }
pre { background: #f6f6f6; padding: 1em; overflow-x: auto; }
table { border-collapse: collapse; } td, th { padding: 2px 12px; text-align: right; border-bottom: 1px solid #ddd; }
</style></head><body>
<h1>LeNet on MNIST</h1>
<p><b>Test accuracy ${(100 * evaluation.accuracy).toFixed(2)}%</b> on ${
    test.count.toLocaleString("en-US")
  } images
(loss ${evaluation.loss.toFixed(4)}).</p>
<h2>Configuration</h2>
<pre>${escapeHtml(JSON.stringify({ model: lenet.config, train: recipe }, null, 2))}</pre>
<h2>Model</h2>
<pre>${escapeHtml(lenet.summaryText())}</pre>
<h2>Training curves</h2>${img("history", "loss and accuracy per epoch")}
<h2>What the network learned</h2>${img("conv1", "first-layer filters")}${img("conv2", "second-layer filters")}
${img("featureMaps", "feature maps of a test digit")}
<h2>Errors</h2>${img("confusion", "confusion matrix")}
<table><tr><th>digit</th><th>precision</th><th>recall</th><th>images</th></tr>${rows}</table>
${img("mistakes", "most confident mistakes")}
</body></html>
`;
}

/**
 * Renders every figure of a run into `dir` (PNG, plus `history.svg`) and writes `report.html`.
 *
 * @param dir The run's output directory.
 * @param input The model, its history and its test evaluation.
 * @returns The paths written.
 *
 * @example
 * ```ts ignore
 * // not run as a test: it renders seven figures from a trained model (tests/figures_test.ts runs it)
 * await writeReport("runs/latest", { lenet, recipe, history, test: data.test, evaluation });
 * ```
 */
export async function writeReport(dir: string, input: ReportInput): Promise<string[]> {
  const { test, evaluation, lenet } = input;
  const matrix = confusionMatrix(test.labels, evaluation.predictions, lenet.config.numClasses);
  const specs = figureSpecs(input, matrix);
  const images: Record<string, Uint8Array> = {};
  const written: string[] = [];
  for (const [key, spec] of Object.entries(specs) as [keyof typeof REPORT_FILES, ChartSpec][]) {
    const svg = await renderSvg(spec);
    if (key === "history") {
      await writeFileAtomic(join(dir, HISTORY_SVG), svg);
      written.push(join(dir, HISTORY_SVG));
    }
    images[key] = await svgToPng(svg);
    await writeFileAtomic(join(dir, REPORT_FILES[key]), images[key]!);
    written.push(join(dir, REPORT_FILES[key]));
  }
  await writeFileAtomic(join(dir, REPORT_PAGE), reportHtml(input, matrix, images));
  written.push(join(dir, REPORT_PAGE));
  return written;
}

/**
 * Redraws only the training curves of a run: `history.svg` and `history.png`.
 *
 * @param dir The run's directory.
 * @param history Its epochs.
 * @returns The paths written.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeHistoryPlot } from "./report.ts";
 * const dir = await Deno.makeTempDir();
 * const epoch = { epoch: 1, loss: 0.3, accuracy: 0.9, valLoss: 0.2, valAccuracy: 0.95, seconds: 6, learningRate: 1e-3 };
 * const written = await writeHistoryPlot(dir, [epoch, { ...epoch, epoch: 2 }]);
 * assert.deepEqual(written, [`${dir}/history.svg`, `${dir}/history.png`]);
 * ```
 */
export async function writeHistoryPlot(dir: string, history: EpochLog[]): Promise<string[]> {
  const svg = await renderSvg(historySpec(history));
  const [svgPath, pngPath] = [join(dir, HISTORY_SVG), join(dir, REPORT_FILES.history)];
  await writeFileAtomic(svgPath, svg);
  await writeFileAtomic(pngPath, await svgToPng(svg));
  return [svgPath, pngPath];
}
