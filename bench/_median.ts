// The statistic every bench and report prints: the median of its samples (the upper middle one of an
// even count), which a noisy machine's outliers move least.

/** The median of `values` (left unsorted). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError("median of no values");
  return [...values].sort((a, b) => a - b)[values.length >> 1]!;
}
