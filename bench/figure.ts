/**
 * A figure: one row of the results (one scenario, one measure, one size or
 * N), holding every contender's value from every repetition.
 *
 * @module
 */

import { type Spread, spread } from "./stats.ts";

/** One measured quantity, per contender, over repetitions. */
export interface Figure {
  /** Stable key for the JSON, e.g. `roundTrip.p50` or `broadcast.4`. */
  id: string;
  /** The scenario number, 1–6. */
  scenario: number;
  /** What it is, for the table, e.g. `round trip p50`. */
  label: string;
  /** Its unit, e.g. `µs`, `msg/s`, `MB/s`. */
  unit: string;
  /** Whether a larger value is the better one (throughput) or not (latency). */
  higherIsBetter: boolean;
  /** The repetitions' values, by contender name, in the order measured. */
  values: Map<string, number[]>;
}

/** A figure with no values yet. */
export function figure(
  id: string,
  scenario: number,
  label: string,
  unit: string,
  higherIsBetter: boolean,
): Figure {
  return { id, scenario, label, unit, higherIsBetter, values: new Map() };
}

/** Adds one repetition's value for a contender. */
export function record(target: Figure, contender: string, value: number): void {
  const values = target.values.get(contender) ?? [];
  values.push(value);
  target.values.set(contender, values);
}

/** A contender's median and spread, or undefined if it has no values. */
export function summary(target: Figure, contender: string): Spread | undefined {
  const values = target.values.get(contender);
  return values && values.length > 0 ? spread(values) : undefined;
}

/**
 * The median over repetitions of `contender ÷ baseline`, each pair measured
 * back to back in one repetition, so noise that hits both cancels out.
 */
export function pairedRatio(
  target: Figure,
  contender: string,
  baseline: string,
): number | undefined {
  const values = target.values.get(contender);
  const bases = target.values.get(baseline);
  if (!values || !bases || values.length !== bases.length) return undefined;
  return spread(values.map((value, i) => value / bases[i])).median;
}

/** Finds a figure by id. */
export function find(figures: readonly Figure[], id: string): Figure {
  const found = figures.find((candidate) => candidate.id === id);
  if (!found) throw new RangeError(`No figure "${id}"`);
  return found;
}
