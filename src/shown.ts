/**
 * A value as an error message shows it: a string in quotes, so that
 * `"1000"` given for a number does not read as 1000.
 *
 * @module
 */

/** `value` for an error message: a string as JSON, anything else as `String()` writes it. */
export function shown(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}
