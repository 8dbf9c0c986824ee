/**
 * What became of the requests to a peer that is gone, from what is known
 * of the last payloads sent it ({@linkcode LastSent}): each reached it, or
 * may have; never did, and never will; or is still on its way, answered on
 * its own.
 *
 * @module
 */

import type { Fate } from "./pending.ts";
import type { LastSent } from "./transport.ts";

/**
 * What became of each payload sent a peer that is gone, by its place among
 * the `sent` its endpoint took for it (1 the first), from what `last` says.
 */
export function fateOf(sent: number, last: LastSent): (place: number) => Fate {
  const { undelivered = 0, onTheWay = 0, seen = sent } = last;
  if (undelivered === Infinity) return () => "undelivered";
  // What the relay had not had when it told is answered on its own.
  const had = Math.min(sent, seen);
  // Of those it had, the last `onTheWay` are still coming; the last `undelivered` never will.
  const reached = Math.max(0, had - (onTheWay || undelivered));
  return (place) =>
    place <= reached ? "reached" : place > had || onTheWay > 0 ? "kept" : "undelivered";
}
