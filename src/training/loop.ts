/**
 * The epoch loop every training run goes through — `train()` in Deno and the browser page's
 * worker alike: seeded shuffling per epoch, the learning-rate schedule, per-step progress, a
 * validation after every epoch, and a clean stop. What runs a step is a `StepEngine`
 * (`step_engine.ts`): TensorFlow.js or the fused WebAssembly trainer; this module imports neither.
 *
 * @module
 */
import type { TrainConfig } from "../config.ts";
import { LenetError } from "../errors.ts";
import type { LabeledImages } from "../data/labeled_images.ts";
import { epochPermutation } from "../data/shuffle.ts";
import { learningRateAt } from "./schedule.ts";
import type { StepEngine } from "./step_engine.ts";
import type { BatchProgress, EpochLog } from "./types.ts";

/**
 * Raised when training diverges: a step's loss, or the validation loss after an epoch, is not a
 * finite number. The epoch is not completed, so no checkpoint or model of it is written.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DivergedError } from "./loop.ts";
 * assert.equal(new DivergedError("Training diverged").name, "DivergedError");
 * ```
 */
export class DivergedError extends LenetError {}

function diverged(where: string, loss: number, config: TrainConfig): DivergedError {
  return new DivergedError(
    `Training diverged at ${where}: the loss is ${loss}; try a smaller learning rate (this run's is ${config.learningRate})`,
  );
}

/** Hooks and state of {@linkcode runEpochs}. */
export interface EpochLoopOptions {
  /** Epochs already done (a resumed run): their logs; the loop starts at the next. */
  history?: EpochLog[];
  /** Called after every training step. */
  onBatch?: (progress: BatchProgress) => void;
  /** Called after every epoch, once validated (awaited: a checkpoint is written here). */
  onEpoch?: (log: EpochLog, history: EpochLog[]) => void | Promise<void>;
  /** Stops training after the current step; completed epochs are kept. */
  signal?: AbortSignal;
}

/**
 * Runs the epochs of a recipe on a step engine (see the module's doc).
 *
 * @param engine What runs each step.
 * @param fitSet The images trained on.
 * @param valSet The images validated on after each epoch, if any.
 * @param config The recipe (epochs, batch size, schedule, seed).
 * @param options Hooks and the history of a resumed run.
 * @returns Every epoch's log (a resumed run's first), and whether `signal` stopped the run.
 * @throws {DivergedError} At the first step whose loss is not finite, or an epoch whose
 *   validation loss is not: that epoch is neither logged nor handed to `onEpoch`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_TRAIN } from "../config.ts";
 * import { runEpochs } from "./loop.ts";
 * const set = { images: new Uint8Array(10 * 784), labels: new Uint8Array(10), count: 10, rows: 28, cols: 28 };
 * let steps = 0;
 * const engine = {
 *   step: () => Promise.resolve((steps++, { lossSum: 1, correct: 2 })),
 *   sync: () => {},
 *   evaluate: () => Promise.resolve({ loss: 0.5, accuracy: 0.9 }),
 *   [Symbol.dispose]: () => {},
 * };
 * const config = { ...DEFAULT_TRAIN, epochs: 2, batchSize: 4 };
 * const { history } = await runEpochs(engine, set, set, config);
 * assert.equal(steps, 6); // 3 batches (4, 4, 2) an epoch
 * assert.deepEqual(history.map((h) => h.valAccuracy), [0.9, 0.9]);
 * ```
 */
export async function runEpochs(
  engine: StepEngine,
  fitSet: LabeledImages,
  valSet: LabeledImages | undefined,
  config: TrainConfig,
  options: EpochLoopOptions = {},
): Promise<{ history: EpochLog[]; interrupted: boolean }> {
  const { onBatch, onEpoch, signal } = options;
  const { batchSize, epochs } = config;
  const steps = Math.ceil(fitSet.count / batchSize);
  const history = [...(options.history ?? [])];
  let learningRate = config.learningRate, yielded = performance.now();

  for (let epoch = history.length + 1; epoch <= epochs; epoch++) {
    const order = epochPermutation(fitSet.count, config.seed, epoch);
    const started = performance.now();
    let lossSum = 0, correctSum = 0, seen = 0;
    for (let step = 0; step < steps; step++) {
      // The fused engine never waits on anything: give the event loop (a Ctrl-C handler or a
      // page's Stop button aborting `signal`, say) a turn ten times a second.
      if (performance.now() - yielded > 100) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        yielded = performance.now();
      }
      if (signal?.aborted) return { history, interrupted: true };
      learningRate = learningRateAt(config, (epoch - 1) * steps + step, epochs * steps);
      const indices = order.subarray(step * batchSize, Math.min(fitSet.count, (step + 1) * batchSize));
      const result = await engine.step(indices, learningRate, epoch);
      if (!Number.isFinite(result.lossSum)) {
        throw diverged(`epoch ${epoch}, step ${step + 1}`, result.lossSum / indices.length, config);
      }
      lossSum += result.lossSum;
      correctSum += result.correct;
      seen += indices.length;
      const elapsed = (performance.now() - started) / 1000;
      onBatch?.({
        epoch,
        epochs,
        step: step + 1,
        steps,
        loss: lossSum / seen,
        accuracy: correctSum / seen,
        imagesPerSecond: seen / elapsed,
        etaSeconds: elapsed / (step + 1) * (steps - step - 1),
      });
    }
    const seconds = (performance.now() - started) / 1000;
    engine.sync();
    const val = valSet ? await engine.evaluate(valSet) : { loss: NaN, accuracy: NaN };
    if (valSet && !Number.isFinite(val.loss)) throw diverged(`the end of epoch ${epoch}`, val.loss, config);
    const log: EpochLog = {
      epoch,
      loss: lossSum / seen,
      accuracy: correctSum / seen,
      valLoss: val.loss,
      valAccuracy: val.accuracy,
      seconds,
      learningRate,
    };
    history.push(log);
    await onEpoch?.(log, history);
  }
  return { history, interrupted: false };
}
