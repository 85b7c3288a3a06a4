// The messages between the page (app.ts) and its workers: training (train_worker.ts) and reading
// pictures (picture_worker.ts).
import type { Activation } from "../../src/config.ts";
import type { BatchProgress, EpochLog } from "../../src/training/types.ts";
import type { PreparedDigit } from "../../src/images/digit.ts";
import type { Classification } from "../../src/onnx/classifier.ts";

/** The recipe the page's form sets. */
export interface PageRecipe {
  epochs: number;
  batchSize: number;
  learningRate: number;
  schedule: "constant" | "cosine" | "one-cycle";
  activation: Activation;
  augment: boolean;
}

/** Page → worker. */
export type ToWorker =
  | { type: "train"; recipe: PageRecipe; threads: number; helperUrl: string }
  | { type: "stop" };

/** Worker → page. */
export type FromWorker =
  | { type: "download"; loaded: number; total: number }
  | { type: "started"; threads: number; images: number; scriptBytes: number }
  | { type: "batch"; progress: BatchProgress }
  | { type: "epoch"; log: EpochLog }
  | { type: "done"; onnx: Uint8Array; history: EpochLog[]; stopped: boolean }
  | { type: "error"; message: string };

/** Page → picture worker: a file to read, upright and at most `side` pixels a side, and the model. */
export interface ToPictureWorker {
  file: Blob;
  side: number;
  /** The page's model (its ONNX bytes), loaded by a fresh worker with its first picture. */
  model: Uint8Array;
}

/** Picture worker → page: the digit prepared and the picture as shrunk (for the pad), or why not. */
export type FromPictureWorker =
  | { ok: true; prepared: PreparedDigit; answer: Classification; picture: ImageBitmap }
  | { ok: false; message: string; noDigit: boolean };
