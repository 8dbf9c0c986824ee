/**
 * The few statistics the bench reports: percentiles of one run's samples,
 * and the median and spread of one figure over repetitions.
 *
 * @module
 */

/** One figure over its repetitions: the median, and the range it fell in. */
export interface Spread {
  /** The middle value (the mean of the middle two for an even count). */
  median: number;
  /** The smallest value. */
  min: number;
  /** The largest value. */
  max: number;
  /** Every repetition's value, in the order measured. */
  values: number[];
}

/** Latency of one run, in microseconds. */
export interface Latency {
  /** Half the round trips were faster than this. */
  p50: number;
  /** 99 in 100 round trips were faster than this. */
  p99: number;
}

/** Summarises one figure's repetitions. */
export function spread(values: readonly number[]): Spread {
  if (values.length === 0) throw new RangeError("No values to summarise");
  const sorted = [...values].sort((a, b) => a - b);
  return {
    median: percentileOfSorted(sorted, 50),
    min: sorted[0],
    max: sorted[sorted.length - 1],
    values: [...values],
  };
}

/** The p50 and p99 of a run's samples, in the samples' unit. */
export function latency(samples: Float64Array): Latency {
  const sorted = samples.slice().sort();
  return { p50: percentileOfSorted(sorted, 50), p99: percentileOfSorted(sorted, 99) };
}

/** Interpolated percentile `p` (0–100) of values sorted ascending. */
function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  const at = (sorted.length - 1) * (p / 100);
  const below = Math.floor(at);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below] + (sorted[above] - sorted[below]) * (at - below);
}
