/**
 * What the errors of a classifier look like: confusion matrix, per-class precision and recall,
 * and the mistakes it was most sure of.
 *
 * @module
 */
import { checkLabels } from "../data/labeled_images.ts";
import { ArgumentError } from "../errors.ts";

/** Per-class precision and recall derived from a confusion matrix. */
export interface ClassReport {
  /** The class. */
  digit: number;
  /** Of the images predicted as this class, the share that are. */
  precision: number;
  /** Of the images of this class, the share predicted so. */
  recall: number;
  /** Images of this class. */
  support: number;
}

/**
 * Counts `matrix[true][predicted]`.
 *
 * @param labels True class per image.
 * @param predictions Predicted class per image.
 * @param numClasses Number of classes.
 * @returns A `numClasses x numClasses` matrix whose entries sum to the number of images.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { confusionMatrix } from "./analysis.ts";
 * assert.deepEqual(confusionMatrix([0, 1, 1], [0, 0, 1], 2), [[1, 0], [1, 1]]);
 * ```
 */
export function confusionMatrix(
  labels: ArrayLike<number>,
  predictions: ArrayLike<number>,
  numClasses = 10,
): number[][] {
  checkLabels(labels, numClasses);
  checkLabels(predictions, numClasses);
  if (predictions.length !== labels.length) {
    throw new ArgumentError(
      `confusionMatrix(predictions): expected ${labels.length}, as many as the labels, got ${predictions.length}`,
    );
  }
  const matrix = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < labels.length; i++) matrix[labels[i]!]![predictions[i]!]!++;
  return matrix;
}

/**
 * Precision and recall of every class.
 *
 * @param matrix A confusion matrix, rows true, columns predicted.
 * @returns One report per class.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { classReports } from "./analysis.ts";
 * assert.deepEqual(classReports([[1, 0], [1, 1]])[0], { digit: 0, precision: 0.5, recall: 1, support: 1 });
 * ```
 */
export function classReports(matrix: number[][]): ClassReport[] {
  return matrix.map((row, digit) => {
    const support = row.reduce((a, b) => a + b, 0);
    const predicted = matrix.reduce((a, r) => a + r[digit]!, 0);
    const hit = row[digit]!;
    return {
      digit,
      precision: predicted ? hit / predicted : 0,
      recall: support ? hit / support : 0,
      support,
    };
  });
}

/**
 * The confusion matrix and class reports as aligned text for the terminal.
 *
 * @param matrix A confusion matrix.
 * @returns Printable lines.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { confusionText } from "./analysis.ts";
 * const text = confusionText([[5, 1], [0, 4]]);
 * assert.match(text, /precision/);
 * assert.ok(text.includes("5") && text.includes("4"));
 * ```
 */
export function confusionText(matrix: number[][]): string {
  const width = Math.max(5, ...matrix.flat().map((n) => String(n).length + 1));
  const cell = (s: string | number) => String(s).padStart(width);
  const lines = [`true\\pred${matrix.map((_, j) => cell(j)).join("")}   precision  recall`];
  const reports = classReports(matrix);
  matrix.forEach((row, i) => {
    const r = reports[i]!;
    lines.push(
      `${String(i).padStart(9)}${row.map(cell).join("")}   ${(100 * r.precision).toFixed(2).padStart(8)}%` +
        ` ${(100 * r.recall).toFixed(2).padStart(6)}%`,
    );
  });
  return lines.join("\n");
}

/**
 * The wrong predictions the model was most confident in, most confident first.
 *
 * @param labels True class per image.
 * @param predictions Predicted class per image.
 * @param confidences Probability given to the predicted class.
 * @param count How many to return.
 * @returns Image indices.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { confidentMistakes } from "./analysis.ts";
 * assert.deepEqual(confidentMistakes([1, 2, 3], [1, 0, 0], [0.9, 0.6, 0.8], 5), [2, 1]);
 * ```
 */
export function confidentMistakes(
  labels: ArrayLike<number>,
  predictions: ArrayLike<number>,
  confidences: ArrayLike<number>,
  count: number,
): number[] {
  const wrong: number[] = [];
  for (let i = 0; i < labels.length; i++) if (labels[i] !== predictions[i]) wrong.push(i);
  return wrong.sort((a, b) => confidences[b]! - confidences[a]!).slice(0, count);
}
