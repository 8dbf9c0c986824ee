/**
 * `Clock`: the time and timers that code measuring time reads, so that a
 * test can put time in its own hands instead of the machine's.
 *
 * @module
 */

/** The longest delay a timer takes (2^31 - 1 ms); a longer one would fire at once. */
export const MAX_TIMER_DELAY = 2 ** 31 - 1;

/** A source of time and timers. */
export interface Clock {
  /** Milliseconds on a monotonic clock. */
  now(): number;
  /** Calls `callback` after `ms` milliseconds; returns a handle that cancels it. */
  setTimeout(callback: () => void, ms: number): unknown;
  /** Cancels the timer of a handle `setTimeout` returned. */
  clearTimeout(timer: unknown): void;
}

/** The machine's clock: `performance.now()` and the global timers, read at each call. */
export const SYSTEM_CLOCK: Clock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (timer) => clearTimeout(timer as ReturnType<typeof setTimeout>),
};
