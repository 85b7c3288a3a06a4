/**
 * What charts show in a notebook: Vega-Lite for the frontends that draw it and the SVG Vega makes
 * of it for the rest (GitHub, nbviewer). Vega is loaded when a notebook first asks, not before.
 *
 * @module
 */
import type { EpochLog } from "../training/types.ts";
import { toBase64 } from "../_base64.ts";
import type { MimeBundle } from "../display_hook.ts";

/** Past this many characters of SVG a chart is shown as a PNG (a notebook stays small). */
const MAX_SVG_CHARS = 200_000;

// A Vega-Lite title: a string, or an object with a text (a string or lines).
function titleOf(title: unknown): string | undefined {
  if (typeof title === "string") return title;
  const text = (title as { text?: unknown } | undefined)?.text;
  return typeof text === "string" ? text : Array.isArray(text) ? text.join(" ") : undefined;
}

/**
 * A chart (a Vega-Lite spec): Vega-Lite for the frontends that draw it, and its SVG for the rest;
 * a chart of many pixels, as a PNG alone.
 *
 * @param spec The spec.
 * @returns The bundle.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { chartBundle } from "./chart_bundles.ts";
 * const spec = { data: { values: [{ a: 1 }] }, mark: "point", encoding: { x: { field: "a", type: "quantitative" } } };
 * const bundle = await chartBundle(spec);
 * assert.ok((bundle["image/svg+xml"] as string).startsWith("<svg"));
 * ```
 */
export async function chartBundle(spec: Record<string, unknown>): Promise<MimeBundle> {
  const { renderSvg, svgToPng } = await import("../figures/chart.ts");
  const svg = await renderSvg(spec);
  const title = titleOf(spec.title) ?? "chart";
  // a chart of many pixels (a grid of digits) is megabytes of SVG and of Vega-Lite data: a PNG
  if (svg.length > MAX_SVG_CHARS) {
    return { "image/png": toBase64(await svgToPng(svg, 1.5)), "text/plain": title };
  }
  return {
    "application/vnd.vegalite.v5+json": {
      $schema: "https://vega.github.io/schema/vega-lite/v5.json",
      ...spec,
    },
    "image/svg+xml": svg,
    "text/plain": title,
  };
}

/**
 * A training's result: its curves, and its last epoch in a line.
 *
 * @param history The epochs.
 * @returns The bundle.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { historyBundle } from "./chart_bundles.ts";
 * const log = { epoch: 1, loss: 0.3, accuracy: 0.9, valLoss: 0.2, valAccuracy: 0.95, seconds: 6, learningRate: 1e-3 };
 * const bundle = await historyBundle([log]);
 * assert.match(bundle["text/plain"] as string, /1 epoch, last: loss 0\.3000/);
 * ```
 */
export async function historyBundle(history: EpochLog[]): Promise<MimeBundle> {
  const { historySpec } = await import("../figures/history.ts");
  const bundle = history.length > 0 ? await chartBundle(historySpec(history)) : {};
  const last = history.at(-1);
  const line = last
    ? `${history.length} epoch${history.length === 1 ? "" : "s"}, last: loss ${
      last.loss.toFixed(4)
    }, accuracy ${(100 * last.accuracy).toFixed(2)}%, validation accuracy ${
      (100 * last.valAccuracy).toFixed(2)
    }%`
    : "no epoch";
  return { ...bundle, "text/plain": line };
}
