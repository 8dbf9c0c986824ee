/**
 * What became of the requests to a process that is gone, from what a GONE
 * frame says of the last messages forwarded to it (README's Protocol, the
 * relay frames): each reached it, or may have; never did; or is still on
 * its way, answered on its own. As Switchboard's `src/fate.ts`.
 *
 * @module
 */

/**
 * @typedef {object} LastSent What a GONE frame says of what was forwarded.
 * @property {number} [seen] How many the manager had read when it wrote it.
 * @property {number} [undelivered] The last so many of those never came.
 * @property {number} [onTheWay] The last so many of those are still on their way.
 */

/**
 * What became of each message forwarded to a process that is gone, by its
 * place among the `sent` forwarded to it (1 the first), from what `last` says.
 *
 * @param {number} sent
 * @param {LastSent} last
 * @returns {(place: number) => "reached" | "undelivered" | "kept"}
 */
export function fateOf(sent, last) {
  // Nothing reached it: the connection never opened.
  if (last.undelivered === Infinity) return () => "undelivered";
  const count = (value) => Number.isInteger(value) && value >= 0 ? value : undefined;
  const undelivered = count(last.undelivered) ?? 0;
  const onTheWay = count(last.onTheWay) ?? 0;
  // What the manager had not read when it wrote is answered on its own.
  const had = Math.min(sent, count(last.seen) ?? sent);
  // Of those it had, the last `onTheWay` are still coming; the last `undelivered` never will.
  const reached = Math.max(0, had - (onTheWay || undelivered));
  return (place) =>
    place <= reached ? "reached" : place > had || onTheWay > 0 ? "kept" : "undelivered";
}
