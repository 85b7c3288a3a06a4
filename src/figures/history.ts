/**
 * The training curves: loss and accuracy per epoch, training against validation, as a Vega-Lite
 * spec. A module of its own (no TensorFlow.js, no renderer) so that the browser page draws its
 * live curves from the same spec as `deno task plot` and the report.
 *
 * @module
 */
import type { ChartSpec } from "./chart.ts";
import type { EpochLog } from "../training/types.ts";

/**
 * Loss and accuracy per epoch, training against validation, side by side.
 *
 * @param history The run's epochs.
 * @returns A Vega-Lite spec.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { historySpec } from "./history.ts";
 * import { renderSvg } from "./chart.ts";
 * const log = { epoch: 1, loss: 0.3, accuracy: 0.9, valLoss: 0.2, valAccuracy: 0.95, seconds: 6, learningRate: 1e-3 };
 * const svg = await renderSvg(historySpec([log, { ...log, epoch: 2, loss: 0.1 }]));
 * assert.match(svg, /accuracy/);
 * ```
 */
export function historySpec(history: EpochLog[]): ChartSpec {
  const values = thinned(history).flatMap((e) => [
    { epoch: e.epoch, metric: "loss", set: "training", value: e.loss },
    { epoch: e.epoch, metric: "loss", set: "validation", value: e.valLoss },
    { epoch: e.epoch, metric: "accuracy", set: "training", value: e.accuracy },
    { epoch: e.epoch, metric: "accuracy", set: "validation", value: e.valAccuracy },
  ]);
  const panel = (metric: string, title: string) => ({
    title,
    width: 320,
    height: 220,
    transform: [{ filter: `datum.metric === '${metric}'` }],
    mark: { type: "line", point: true },
    encoding: {
      x: { field: "epoch", type: "quantitative", title: "epoch", axis: { tickMinStep: 1, format: "d" } },
      y: { field: "value", type: "quantitative", title: metric, scale: { zero: false } },
      color: { field: "set", type: "nominal", title: null, legend: { orient: "bottom" } },
    },
  });
  return {
    title: "Training curves",
    data: { values },
    hconcat: [panel("loss", "Loss (categorical cross-entropy)"), panel("accuracy", "Accuracy")],
  };
}

/** Most epochs a chart draws: a longer run is drawn at evenly spaced epochs, its last included. */
export const MAX_PLOTTED_EPOCHS = 1000;

function thinned(history: EpochLog[]): EpochLog[] {
  if (history.length <= MAX_PLOTTED_EPOCHS) return history;
  const step = history.length / MAX_PLOTTED_EPOCHS;
  const kept = Array.from({ length: MAX_PLOTTED_EPOCHS - 1 }, (_, i) => history[Math.floor(i * step)]!);
  return [...kept, history.at(-1)!];
}
