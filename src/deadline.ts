/**
 * `deadline`: wait for a promise, but not forever.
 *
 * @module
 */

import { type Clock, MAX_TIMER_DELAY, SYSTEM_CLOCK } from "./clock.ts";

/**
 * Resolves or rejects as `promise` does, unless `ms` pass first; then it
 * rejects with the error `onTimeout` makes. The timer never outlives the
 * call. Beyond what a timer can hold (some 24 days), no timer: a longer
 * one would fire at once.
 *
 * @param promise What to wait for.
 * @param ms How long to wait, in ms.
 * @param onTimeout Makes the error to reject with.
 * @param clock Whose timer counts the `ms` (default: the machine's).
 */
export async function deadline<T>(
  promise: Promise<T>,
  ms: number,
  onTimeout: () => Error,
  clock: Clock = SYSTEM_CLOCK,
): Promise<T> {
  let timer: unknown;
  const expired = new Promise<never>((_, reject) => {
    if (ms <= MAX_TIMER_DELAY) timer = clock.setTimeout(() => reject(onTimeout()), ms);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    if (timer !== undefined) clock.clearTimeout(timer);
  }
}

/**
 * What `promise` gives, unless `ms` pass first on `clock` (`"timeout"`) or
 * `signal` aborts (`"aborted"`, at once if it has). Beyond what a timer can
 * hold, no timer: the wait ends otherwise. Nothing outlives the call.
 */
export async function within<T>(
  promise: Promise<T>,
  ms: number,
  clock: Clock,
  signal?: AbortSignal,
): Promise<T | "timeout" | "aborted"> {
  if (signal?.aborted) return "aborted";
  const { promise: ended, resolve } = Promise.withResolvers<"timeout" | "aborted">();
  const timer = ms <= MAX_TIMER_DELAY
    ? clock.setTimeout(() => resolve("timeout"), Math.max(0, ms))
    : undefined;
  const abort = () => resolve("aborted");
  signal?.addEventListener("abort", abort, { once: true });
  try {
    return await Promise.race([promise, ended]);
  } finally {
    if (timer !== undefined) clock.clearTimeout(timer);
    signal?.removeEventListener("abort", abort);
  }
}
