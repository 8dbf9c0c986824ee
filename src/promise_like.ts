/**
 * `isPromiseLike`: whether what a callback returned is a thenable (an
 * async listener's promise, say).
 *
 * @module
 */

/** Whether `value` has a `then` method. */
export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === "function";
}
