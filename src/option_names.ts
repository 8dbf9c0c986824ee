/**
 * Options checked by name: a misspelt option is refused where it is given,
 * rather than ignored, which would leave its default in force unnoticed
 * (`stopTimout: 60_000` stopping children after 5 s). TypeScript catches
 * a misspelling in an object literal, not in options built elsewhere or
 * passed from JavaScript.
 *
 * @module
 */

import { shown } from "./shown.ts";

/**
 * The names of an options type, each `true`: written as
 * `{ … } satisfies OptionNames<T>`, the compiler checks that the list
 * has every option of `T` and nothing else.
 */
export type OptionNames<T> = Record<keyof T, true>;

/**
 * Refuses any own key of `options` that `known` does not list.
 *
 * @param where What takes the options, for the message: `Cluster.start()`.
 * @throws {TypeError} Naming the first unknown option, and the known one it
 * is likely a misspelling of.
 */
export function checkOptionNames(
  options: object,
  known: Readonly<Record<string, true>>,
  where: string,
): void {
  // `for in` allocates no array: request() checks its options on every call.
  for (const key in options) {
    if (Object.hasOwn(known, key) || !Object.hasOwn(options, key)) continue;
    const likely = likelyMeant(key, Object.keys(known));
    throw new TypeError(
      `${where} has no option "${key}"${
        likely === undefined
          ? `; its options are ${list(Object.keys(known))}`
          : `: did you mean "${likely}"?`
      }`,
    );
  }
}

/**
 * Refuses an option given as anything but a boolean: a string "false",
 * from a config file or the environment, would be true. null, from a JSON
 * config, is as good as not given.
 *
 * @param where What takes the option, for the message: `Cluster.start()`.
 * @throws {TypeError} Naming the option and the value given.
 */
export function checkBoolean(value: unknown, key: string, where: string): void {
  if (value != null && typeof value !== "boolean") {
    throw new TypeError(`${where}: "${key}" must be true or false, got ${shown(value)}`);
  }
}

/** The known name closest to `key`, if it is close: two edits at most, or the same but for case. */
function likelyMeant(key: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const name of names) {
    const distance = name.toLowerCase() === key.toLowerCase() ? 0 : editDistance(key, name);
    if (distance < bestDistance) [best, bestDistance] = [name, distance];
  }
  return best;
}

/** Levenshtein distance: insertions, deletions and substitutions of one character. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j] + 1,
        current[j - 1] + 1,
        previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length];
}

function list(names: readonly string[]): string {
  return names.map((name) => `"${name}"`).join(", ");
}
