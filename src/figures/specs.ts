/**
 * The tutorial's pictures as Vega-Lite specs: training curves, first- and second-layer filters,
 * feature maps of one digit, confusion matrix, most confident mistakes and sample grids.
 * Render them with `renderSvg` and `svgToPng` from `chart.ts`; in a Jupyter notebook each spec
 * shows itself as its chart.
 *
 * @module
 */
import * as tf from "../npm/tfjs.ts";
import { checkLabeledSet, type LabeledImages } from "../data/labeled_images.ts";
import { checkLeNet, type LeNet } from "../model/lenet.ts";
import { count, list, object } from "../_arguments.ts";
import { ArgumentError } from "../errors.ts";
import { showAs } from "../display_hook.ts";
import { type ChartSpec, imageGridSpec, type ImageTile } from "./chart.ts";
import { historySpec as historyChart } from "./history.ts";
import type { EpochLog } from "../training/types.ts";

// A spec that shows itself in a Jupyter notebook as its chart.
const shown = (spec: ChartSpec): ChartSpec => showAs(spec, "chart");

/**
 * Loss and accuracy per epoch, training against validation, side by side.
 *
 * @param history The run's epochs.
 * @returns A Vega-Lite spec (which a notebook shows as its chart).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { historySpec } from "./specs.ts";
 * const log = { epoch: 1, loss: 0.3, accuracy: 0.9, valLoss: 0.2, valAccuracy: 0.95, seconds: 6, learningRate: 1e-3 };
 * assert.equal(historySpec([log]).title, "Training curves");
 * ```
 */
export function historySpec(history: EpochLog[]): ChartSpec {
  list(history, "historySpec(history)").forEach((epoch, i) =>
    object(epoch as EpochLog, `historySpec(history[${i}])`, true)
  );
  return shown(historyChart(history));
}

/**
 * A convolution's filters on one diverging, shared scale: layer 1 (`getWeights(1)`, 6 filters of
 * 3x3) or layer 3 (16 filters, one 3x3 tile per input channel).
 *
 * @param lenet The model.
 * @param layerIndex 1 or 3, as `LeNet.getWeights` counts.
 * @returns A Vega-Lite spec.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { filtersSpec } from "./specs.ts";
 * import { LeNet } from "../model/lenet.ts";
 * const lenet = await LeNet.create();
 * const spec = filtersSpec(lenet, 1) as { data: { values: unknown[] } };
 * assert.equal(spec.data.values.length, 6 * 3 * 3); // six 3x3 filters
 * lenet.dispose();
 * ```
 */
export function filtersSpec(lenet: LeNet, layerIndex: 1 | 3): ChartSpec {
  checkLeNet(lenet, "filtersSpec(lenet)");
  const [kernel, bias] = lenet.getWeights(layerIndex);
  const [kh, kw, ci, co] = kernel!.shape as [number, number, number, number];
  const w = kernel!.dataSync();
  tf.dispose([kernel!, bias!]);
  const tiles: ImageTile[] = [];
  for (let i = 0; i < ci; i++) {
    for (let o = 0; o < co; o++) {
      const values = Array.from({ length: kh * kw }, (_, p) => w[(p * ci + i) * co + o]!);
      tiles.push({ title: ci === 1 ? `filter ${o}` : `${o}←${i}`, width: kw, height: kh, values });
    }
  }
  const name = layerIndex === 1 ? "conv1" : "conv2";
  const title = ci === 1 ? `${name} filters` : `${name} filters (column: output filter, row: input channel)`;
  return shown(
    imageGridSpec(tiles, { title, columns: co, cellSize: ci === 1 ? 24 : 12, colors: "diverging" }),
  );
}

/**
 * The activations of one digit through each convolution and pooling layer.
 *
 * @param lenet The model.
 * @param image 784 floats in [0, 1].
 * @param label Caption for the input.
 * @returns A Vega-Lite spec, one row per layer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { featureMapsSpec } from "./specs.ts";
 * import { LeNet } from "../model/lenet.ts";
 * import { renderSvg } from "./chart.ts";
 * const lenet = await LeNet.create();
 * const svg = await renderSvg(featureMapsSpec(lenet, new Float32Array(784), "a blank"));
 * assert.match(svg, /conv1/);
 * lenet.dispose();
 * ```
 */
export function featureMapsSpec(lenet: LeNet, image: Float32Array, label: string): ChartSpec {
  const [h, w, c] = lenet.config.inputShape;
  const rows: ChartSpec[] = [];
  let x: tf.Tensor = tf.tensor4d(image, [1, h, w, c]);
  rows.push(imageGridSpec([{ title: `input: ${label}`, width: w, height: h, values: image }], {
    title: "input",
    cellSize: 3,
  }));
  for (const layer of lenet.model.layers.slice(0, 4)) {
    const next = layer.apply(x) as tf.Tensor;
    x.dispose();
    x = next;
    const [, lh, lw, lc] = x.shape;
    const data = x.dataSync();
    let peak = 1e-12;
    for (const v of data) peak = Math.max(peak, Math.abs(v));
    const tiles = Array.from({ length: lc! }, (_, k) => ({
      title: `${k}`,
      width: lw!,
      height: lh!,
      values: Array.from({ length: lh! * lw! }, (_, p) => data[p * lc! + k]! / peak),
    }));
    rows.push(
      imageGridSpec(tiles, {
        title: `${layer.name} [${lh}x${lw}x${lc}]`,
        columns: 16,
        cellSize: lh! > 14 ? 3 : 4,
      }),
    );
  }
  x.dispose();
  return shown({ title: "Feature maps", vconcat: rows });
}

/**
 * The confusion matrix as an annotated heat map.
 *
 * @param matrix Rows true class, columns predicted.
 * @returns A Vega-Lite spec.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { confusionSpec } from "./specs.ts";
 * const spec = confusionSpec([[5, 1], [0, 4]]) as { data: { values: unknown[] } };
 * assert.equal(spec.data.values.length, 4);
 * ```
 */
export function confusionSpec(matrix: number[][]): ChartSpec {
  const values = matrix.flatMap((row, t) =>
    row.map((n, p) => ({ true: t, predicted: p, n, off: t !== p && n > 0 }))
  );
  const total = values.reduce((a, v) => a + v.n, 0);
  return shown({
    title: `Confusion matrix (${total.toLocaleString("en-US")} test images)`,
    data: { values },
    width: 360,
    height: 360,
    encoding: {
      x: { field: "predicted", type: "ordinal", title: "predicted", axis: { orient: "top", labelAngle: 0 } },
      y: { field: "true", type: "ordinal", title: "true" },
    },
    layer: [
      {
        mark: "rect",
        encoding: {
          color: {
            field: "n",
            type: "quantitative",
            scale: { type: "symlog", scheme: "blues" },
            legend: null,
          },
        },
      },
      {
        mark: { type: "text", fontSize: 11 },
        encoding: {
          text: { field: "n", type: "quantitative" },
          color: { condition: { test: "datum.n > 100", value: "white" }, value: "black" },
        },
      },
    ],
  });
}

/**
 * Digits in a grid, each captioned (e.g. a training sample's label, or a mistake's true and
 * predicted class).
 *
 * @param set Where the images come from.
 * @param indices Which images.
 * @param captions One caption per image.
 * @param title Figure title.
 * @param columns Tiles per row.
 * @returns A Vega-Lite spec.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadMnist } from "../data/dataset.ts";
 * import { digitsSpec } from "./specs.ts";
 * import { renderSvg } from "./chart.ts";
 * const { train } = await loadMnist();
 * const svg = await renderSvg(digitsSpec(train, [0, 1, 2], ["5", "0", "4"], "Samples", 3));
 * assert.match(svg, /Samples/);
 * ```
 */
export function digitsSpec(
  set: LabeledImages,
  indices: number[],
  captions: string[],
  title: string,
  columns = 8,
): ChartSpec {
  checkLabeledSet(set, "digitsSpec(set)");
  list(indices, "digitsSpec(indices)").forEach((i) => count(i, "digitsSpec(indices)"));
  if (indices.some((i) => i >= set.count)) {
    throw new ArgumentError(`digitsSpec(indices): the set has ${set.count} images`);
  }
  list(captions, "digitsSpec(captions)");
  const size = set.rows * set.cols;
  const tiles = indices.map((i, k) => ({
    title: captions[k]!,
    width: set.cols,
    height: set.rows,
    values: Array.from(set.images.subarray(i * size, (i + 1) * size), (v) => v / 255),
  }));
  return shown(imageGridSpec(tiles, { title, columns, cellSize: 3 }));
}
