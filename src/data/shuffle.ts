/**
 * Seeded randomness for shuffling: the same seed and epoch always give the same order, so a run
 * is reproducible and a resumed run continues exactly where it stopped.
 *
 * @module
 */

/**
 * A 32-bit PRNG (mulberry32): fast, small state, good enough to shuffle examples.
 *
 * @param seed Any integer.
 * @returns A function giving floats in [0, 1).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mulberry32 } from "./shuffle.ts";
 * const a = mulberry32(7), b = mulberry32(7);
 * assert.equal(a(), b());
 * assert.ok(a() >= 0 && a() < 1);
 * ```
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The order in which epoch `epoch` visits `n` examples: a Fisher-Yates shuffle seeded by
 * `(seed, epoch)`, independent of earlier epochs.
 *
 * @param n Number of examples.
 * @param seed The run's seed.
 * @param epoch The epoch, from 1.
 * @returns A permutation of `0 .. n-1`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { epochPermutation } from "./shuffle.ts";
 * assert.deepEqual(epochPermutation(5, 42, 1).slice().sort(), Uint32Array.of(0, 1, 2, 3, 4));
 * assert.notDeepEqual(epochPermutation(50, 42, 1), epochPermutation(50, 42, 2)); // a new order each epoch
 * ```
 */
export function epochPermutation(n: number, seed: number, epoch: number): Uint32Array {
  const random = mulberry32(Math.imul(seed, 0x9e3779b1) ^ epoch);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}
