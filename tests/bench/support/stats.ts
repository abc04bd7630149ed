/** Order statistics for benchmark samples: medians resist the outliers a shared machine produces. */

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * Median of the per-round ratios a[i] / b[i]. Pairing by round cancels noise that hit both contenders in
 * that round, which a ratio of two medians would not.
 */
export function pairedRatio(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length)
    throw new RangeError(`paired samples differ in length: ${a.length} vs ${b.length}`);
  return median(a.map((value, i) => value / b[i]!));
}

/** Smallest and largest sample, to show how noisy a median is. */
export function spread(values: readonly number[]): { readonly min: number; readonly max: number } {
  if (values.length === 0) throw new RangeError('spread of no values');
  return { min: Math.min(...values), max: Math.max(...values) };
}
