/**
 * `asError`: whatever was thrown, as an `Error`.
 *
 * @module
 */

/** `thrown` itself when it is an `Error`, else an `Error` saying what it was. */
export function asError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new Error(String(thrown));
}
