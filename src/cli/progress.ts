/**
 * Terminal progress of a training run: a live bar redrawn in place on a terminal, plain lines
 * (about ten per epoch) when output goes to a file or a pipe.
 *
 * @module
 */
import type { BatchProgress, EpochLog } from "../training/types.ts";

const BAR_WIDTH = 24;
const PLAIN_LINES_PER_EPOCH = 10;

/**
 * Formats seconds as `m:ss` (or `h:mm:ss`).
 *
 * @param seconds A duration.
 * @returns The clock text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatDuration } from "./progress.ts";
 * assert.equal(formatDuration(75), "1:15");
 * ```
 */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60, r = s % 60;
  const mm = h > 0 ? String(m).padStart(2, "0") : String(m);
  return `${h > 0 ? `${h}:` : ""}${mm}:${String(r).padStart(2, "0")}`;
}

/**
 * One progress line: epoch, bar, step, loss, accuracy, speed and time left.
 *
 * @param p The step's progress.
 * @param bar Whether to draw the bar (terminals) or leave it out (logs).
 * @returns The line, without newline.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { progressLine } from "./progress.ts";
 * const line = progressLine({
 *   epoch: 1, epochs: 2, step: 10, steps: 20, loss: 0.5, accuracy: 0.9, imagesPerSecond: 1000, etaSeconds: 5,
 * }, true);
 * assert.match(line, /^epoch 1\/2 .* 10\/20  loss 0\.5000  acc 0\.9000  1,000 img\/s  ETA 0:05$/);
 * ```
 */
export function progressLine(p: BatchProgress, bar: boolean): string {
  const width = String(p.steps).length;
  const filled = Math.round(BAR_WIDTH * p.step / p.steps);
  const drawn = bar ? ` ${"█".repeat(filled)}${"░".repeat(BAR_WIDTH - filled)}` : "";
  return `epoch ${String(p.epoch).padStart(String(p.epochs).length)}/${p.epochs}${drawn} ` +
    `${String(p.step).padStart(width)}/${p.steps}  loss ${p.loss.toFixed(4)}  acc ${
      p.accuracy.toFixed(4)
    }  ` +
    `${Math.round(p.imagesPerSecond).toLocaleString("en-US")} img/s  ETA ${formatDuration(p.etaSeconds)}`;
}

/**
 * The summary line of a finished epoch.
 *
 * @param log The epoch's metrics.
 * @param epochs Total epochs of the run.
 * @returns The line, without newline.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { epochLine } from "./progress.ts";
 * const line = epochLine({
 *   epoch: 1, loss: 0.3, accuracy: 0.91, valLoss: 0.1, valAccuracy: 0.97, seconds: 30, learningRate: 1e-3,
 * }, 10);
 * assert.match(line, /val_acc 0\.9700/);
 * ```
 */
export function epochLine(log: EpochLog, epochs: number): string {
  return `epoch ${String(log.epoch).padStart(String(epochs).length)}/${epochs} done in ${
    log.seconds.toFixed(1)
  } s  ` +
    `loss ${log.loss.toFixed(4)}  acc ${log.accuracy.toFixed(4)}  ` +
    `val_loss ${log.valLoss.toFixed(4)}  val_acc ${log.valAccuracy.toFixed(4)}`;
}

/** Where progress goes: any writable with a TTY test (`Deno.stdout` by default). */
export interface ProgressSink {
  /** Writes bytes synchronously. */
  writeSync(bytes: Uint8Array): number;
  /** Whether the sink is a terminal. */
  isTerminal(): boolean;
}

/**
 * A progress reporter for {@linkcode train}'s `onBatch` and `onEpoch` hooks.
 *
 * @param sink Where to write.
 * @returns The two hooks.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { progressReporter } from "./progress.ts";
 * let written = "";
 * const sink = { isTerminal: () => false, writeSync: (b: Uint8Array) => (written += new TextDecoder().decode(b), b.length) };
 * const { onEpoch } = progressReporter(sink);
 * onEpoch({ epoch: 1, loss: 0.3, accuracy: 0.9, valLoss: 0.2, valAccuracy: 0.95, seconds: 6, learningRate: 1e-3 });
 * assert.match(written, /val_acc 0\.9500/);
 * ```
 */
export function progressReporter(sink: ProgressSink = Deno.stdout): {
  onBatch: (p: BatchProgress) => void;
  onEpoch: (log: EpochLog) => void;
} {
  const encoder = new TextEncoder();
  const write = (text: string) => sink.writeSync(encoder.encode(text));
  const tty = sink.isTerminal();
  let epochs = 0, lastDraw = 0, lastPlain = 0;
  return {
    onBatch(p) {
      epochs = p.epochs;
      if (tty) {
        const now = performance.now();
        if (now - lastDraw < 100 && p.step !== p.steps) return; // redraw at most 10 times a second
        lastDraw = now;
        write(`\r\x1b[2K${progressLine(p, true)}`);
      } else {
        const tenth = Math.floor(p.step * PLAIN_LINES_PER_EPOCH / p.steps);
        if (tenth > lastPlain || p.step === 1) write(progressLine(p, false) + "\n");
        lastPlain = p.step === p.steps ? 0 : tenth;
      }
    },
    onEpoch(log) {
      write(`${tty ? "\r\x1b[2K" : ""}${epochLine(log, epochs)}\n`);
    },
  };
}
