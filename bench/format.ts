/**
 * How numbers read in the tables: three significant figures or so, `k` for
 * thousands, a median with its min–max range, ratios with `×`.
 *
 * @module
 */

import type { Spread } from "./stats.ts";

/** `0.42`, `3.14`, `31.4`, `314`, `3.1k`, `31.4k`, `314k`, `3.14M`. */
export function formatValue(value: number): string {
  const size = Math.abs(value);
  if (size >= 1e6) return `${(value / 1e6).toFixed(2)}M`;
  if (size >= 1e5) return `${(value / 1e3).toFixed(0)}k`;
  if (size >= 1e4) return `${(value / 1e3).toFixed(1)}k`;
  if (size >= 1e2) return value.toFixed(0);
  if (size >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** `31.4 (29.8–35.0)`: the median, then the range over repetitions. */
export function formatSpread(spread: Spread): string {
  return `${formatValue(spread.median)} (${formatValue(spread.min)}–${formatValue(spread.max)})`;
}

/** `2,000,000`. */
export function count(value: number): string {
  return value.toLocaleString("en-US");
}

/** `1.18×`. */
export function formatRatio(ratio: number): string {
  return `${ratio.toFixed(2)}×`;
}

/** `12.3 MB` from bytes. */
export function formatMegabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}
