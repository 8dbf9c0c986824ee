/**
 * A count and its noun, in the number the count needs, for messages:
 * "after 1 restart", "for 2 workers".
 *
 * @module
 */

/** `n` and `noun`, with an "s" unless `n` is 1 (for nouns that take one). */
export function counted(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
