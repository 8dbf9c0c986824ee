/**
 * JSON a receiver refuses though `JSON.parse` takes it (README "Protocol",
 * Frames): a leading byte order mark, which `TextDecoder` drops unasked
 * (RFC 8259: JSON sent over a network must not have one), and a number no
 * double holds (`1e400`, or 400 digits), which `JSON.parse` reads as
 * `Infinity`. No Switchboard peer writes either, and the number cannot go
 * back as it came (`JSON.stringify` writes `null` for it): an echo of it
 * failed in the process that echoed it, far from the one that wrote it. The
 * Node peer's `codec.mjs` refuses both alike, with the same words.
 *
 * @module
 */

/** Whether `payload` (the JSON's bytes) begins with a byte order mark, EF BB BF. */
export function startsWithBom(payload: Uint8Array): boolean {
  return payload[0] === 0xef && payload[1] === 0xbb && payload[2] === 0xbf;
}

/**
 * Whether `value`, as `JSON.parse` made it, holds a number that is not
 * finite: one the text held out of a double's range (1.8e308 and up).
 * Walked always: screening the text first for what may be such a number
 * (an exponent of 3 digits, a run of 210 digits) cost more than the walk
 * (3 ms a 700 KB frame of 60,000 numbers, to 0.7 ms; `JSON.parse` takes
 * 6), and a walk costs little where there are few values.
 */
export function holdsNumberOutOfRange(value: unknown): boolean {
  // A stack, not recursion: JSON.parse nests deeper than the call stack goes.
  const left: unknown[] = [value];
  while (left.length > 0) {
    const next = left.pop();
    if (typeof next === "number") {
      if (!Number.isFinite(next)) return true;
    } else if (Array.isArray(next)) {
      for (let i = 0; i < next.length; i++) left.push(next[i]);
    } else if (typeof next === "object" && next !== null) {
      // Its own keys only: JSON.parse makes no others.
      for (const key in next) left.push((next as Record<string, unknown>)[key]);
    }
  }
  return false;
}

/** Why a frame with a byte order mark is refused, as both peers say it. */
export const BOM_PROBLEM = "it begins with a byte order mark, which no peer writes";

/** Why a frame with a number out of range is refused, as both peers say it. */
export const RANGE_PROBLEM =
  "it holds a number out of a double's range, which would read as Infinity and go back as null";
