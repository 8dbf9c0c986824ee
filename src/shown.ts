/**
 * A value as an error message shows it: a string in quotes, so that
 * `"1000"` given for a number does not read as 1000.
 *
 * @module
 */

/** `value` for an error message: a string as JSON, anything else as {@linkcode inWords} writes it. */
export function shown(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  return inWords(value);
}

/**
 * `value` as `String()` writes it (a string as it is), or its kind when it
 * has no string form: what was thrown, said in an error's message.
 */
export function inWords(value: unknown): string {
  try {
    return String(value);
  } catch {
    // An object without a prototype has no toString, or its toString throws.
  }
  try {
    return Object.prototype.toString.call(value);
  } catch {
    return "a value that cannot be shown"; // A proxy whose traps throw.
  }
}
