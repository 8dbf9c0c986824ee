/**
 * A value as an error message shows it: a string in quotes, so that
 * `"1000"` given for a number does not read as 1000.
 *
 * @module
 */

/** `value` for an error message: a string as JSON, anything else as `String()` writes it. */
export function shown(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  try {
    return String(value);
  } catch {
    // An object without a prototype has no toString.
    return Object.prototype.toString.call(value);
  }
}
