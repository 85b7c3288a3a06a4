// The messages between the page (app.ts) and its training worker (train_worker.ts).
import type { Activation } from "../../src/config.ts";
import type { BatchProgress, EpochLog } from "../../src/train/types.ts";

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
