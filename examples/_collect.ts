/**
 * A helper for the examples: wait for a number of messages, but not forever.
 *
 * @module
 */

import type { ActionOf, Carried, Peer } from "../mod.ts";

/** Resolves with the data of the next `count` messages of `action`; rejects after 10 s. */
export function collect<P extends Carried<P>, K extends ActionOf<P>>(
  peer: Peer<P>,
  action: K,
  count: number,
): Promise<P[K][]> {
  const data: P[K][] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => done(new Error(`Only ${data.length} of ${count} "${action}"`)),
      10_000,
    );
    const stop = peer.on(action, (value) => {
      data.push(value);
      if (data.length === count) done();
    });
    function done(error?: Error) {
      clearTimeout(timer);
      stop();
      if (error) reject(error);
      else resolve(data);
    }
  });
}
