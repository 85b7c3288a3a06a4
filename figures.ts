/**
 * The pictures of a training run: curves, filters, feature maps, the confusion matrix, mistakes,
 * digit grids, each a Vega-Lite spec rendered to SVG by Vega and to PNG by resvg (WebAssembly,
 * with the DejaVu Sans font from npm, so they look the same everywhere), and `writeReport`,
 * which writes them all with one self-contained `report.html`.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { historySpec, renderSvg, svgToPng } from "./figures.ts";
 *
 * const epoch = (n: number, loss: number) => ({
 *   epoch: n, loss, accuracy: 1 - loss, valLoss: loss, valAccuracy: 1 - loss, seconds: 6, learningRate: 1e-3,
 * });
 * const svg = await renderSvg(historySpec([epoch(1, 0.4), epoch(2, 0.1)]));
 * assert.ok(svg.startsWith("<svg"));
 * const png = await svgToPng(svg);
 * assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]); // "PNG"
 * ```
 *
 * @module
 */
export { confusionMatrix } from "./src/figures/analysis.ts";
export { confusionSpec, digitsSpec, featureMapsSpec, filtersSpec, historySpec } from "./src/figures/specs.ts";
export { type ChartSpec, renderSvg, svgToPng } from "./src/figures/chart.ts";
export { REPORT_FILES, type ReportInput, writeReport } from "./src/figures/report.ts";
