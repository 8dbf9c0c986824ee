/**
 * Review 15: a subclass of Array is refused at the sender (trial 17), told
 * by a prototype other than `Array.prototype`. An array with a null
 * prototype is no subclass: it arrives as sent, an Array of its items, as
 * an object with a null prototype arrives as a plain object (which is
 * carried). It is refused all the same, as "an object (a subclass of
 * Array …)", by Switchboard and by the Node peer.
 */

import assert from "node:assert/strict";
import { Cluster } from "../mod.ts";
import { encodeMessage as nodeEncode } from "../peers/node/codec.mjs";
import { WORKER } from "./helpers.ts";

/** `items` in an array whose prototype is null, as `Object.create(null)` is for an object. */
function bare(...items: unknown[]): unknown[] {
  return Object.setPrototypeOf(items, null);
}

Deno.test("an array with a null prototype is carried, as an object with one is", async () => {
  await using cluster = await Cluster.start({ worker: WORKER, workers: 1 });
  // With an item tagged (undefined), so that the walk copies it.
  const data = {
    list: bare("a", 1, undefined),
    record: Object.assign(Object.create(null), { b: 2 }),
  };
  const answer = await cluster.request("echoRequest", data, { to: 0 });
  assert.deepEqual((answer as { data: unknown }).data, {
    list: ["a", 1, undefined],
    record: { b: 2 },
  });
  // The Node peer alike.
  nodeEncode({ action: "x", data }, 1024 * 1024, 0);
});
