/**
 * The learning rate of each step: constant, cosine decay to zero, or one-cycle (a linear warm-up
 * over the recipe's `warmup` share of the steps, a quarter by default, then cosine decay).
 *
 * @module
 */
import type { TrainConfig } from "../config.ts";

/**
 * The learning rate of a step.
 *
 * @param config The recipe: its peak `learningRate` and its `schedule`.
 * @param step The step, from 0, counted over the whole run.
 * @param totalSteps Steps in the whole run.
 * @returns The step's learning rate.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_TRAIN } from "../config.ts";
 * import { learningRateAt } from "./schedule.ts";
 * const cosine = { ...DEFAULT_TRAIN, schedule: "cosine" as const, learningRate: 1 };
 * assert.equal(learningRateAt(cosine, 0, 100), 1);
 * assert.ok(Math.abs(learningRateAt(cosine, 50, 100) - 0.5) < 1e-12);
 * const oneCycle = { ...cosine, schedule: "one-cycle" as const };
 * assert.equal(learningRateAt(oneCycle, 0, 100), 1 / 25); // warming up over 25 steps
 * ```
 */
export function learningRateAt(config: TrainConfig, step: number, totalSteps: number): number {
  const peak = config.learningRate;
  if (config.schedule === "constant") return peak;
  const warm = config.schedule === "one-cycle" ? Math.floor(totalSteps * config.warmup) : 0;
  if (step < warm) return peak * (step + 1) / warm;
  return peak * 0.5 * (1 + Math.cos(Math.PI * (step - warm) / (totalSteps - warm)));
}
