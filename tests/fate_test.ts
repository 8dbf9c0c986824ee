/**
 * What became of each request to a peer that is gone, by its place among
 * the payloads sent it, from what is known of the last of them.
 */

import assert from "node:assert/strict";
import { fateOf } from "../src/fate.ts";

/** The fate of each of the `sent` payloads, first to last. */
function fates(sent: number, last: Parameters<typeof fateOf>[1]): string[] {
  const fate = fateOf(sent, last);
  return Array.from({ length: sent }, (_, i) => fate(i + 1));
}

Deno.test("with nothing known, each payload sent a peer that is gone may have reached it", () => {
  assert.deepEqual(fates(3, {}), ["reached", "reached", "reached"]);
});

Deno.test("a connection that never opened carried none; a bye's count never came", () => {
  assert.deepEqual(fates(2, { undelivered: Infinity }), ["undelivered", "undelivered"]);
  assert.deepEqual(fates(4, { undelivered: 2 }), [
    "reached",
    "reached",
    "undelivered",
    "undelivered",
  ]);
});

Deno.test("what was on its way to a process that ended stays, answered on its own", () => {
  assert.deepEqual(fates(4, { onTheWay: 1 }), ["reached", "reached", "reached", "kept"]);
});

Deno.test("what the relay between had not had when it told stays; the counts are of what it had", () => {
  // 5 sent; the manager had had 3, of which the last never came.
  assert.deepEqual(fates(5, { seen: 3, undelivered: 1 }), [
    "reached",
    "reached",
    "undelivered",
    "kept",
    "kept",
  ]);
  assert.deepEqual(fates(5, { seen: 3, onTheWay: 1 }), [
    "reached",
    "reached",
    "kept",
    "kept",
    "kept",
  ]);
  assert.deepEqual(fates(2, { seen: 0 }), ["kept", "kept"], "it had none: a host lost, say");
  assert.deepEqual(fates(2, { seen: 5 }), ["reached", "reached"], "never more than were sent");
});
