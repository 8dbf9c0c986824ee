/**
 * Review 26 (c6400b6): an object on the way to a tagged value is copied
 * with a spread, which reads the getters of the properties after that
 * value; the walk then read each of them again, checked that second read,
 * and, finding it unchanged, left the spread's first read in the copy:
 * sent without being checked. A getter whose value changes from one read
 * to the next (a function, then a number) sent what would not arrive as
 * sent (JSON left the function out), where its first read is refused.
 * Those properties are read once now, from the copy, and what is checked
 * is what is sent.
 */

import assert from "node:assert/strict";
import { decodeMessage, encodeMessage, toBytes } from "../src/codec.ts";
import { toWireData } from "../src/wire_values.ts";

/** An object whose `late` getter, after a Date, gives each of `reads` in turn. */
function lateAfterDate(reads: unknown[]): { data: Record<string, unknown>; count: () => number } {
  let count = 0;
  const data = {
    at: new Date(0),
    get late(): unknown {
      return reads[Math.min(count++, reads.length - 1)];
    },
  };
  return { data, count: () => count };
}

Deno.test("a getter after a tagged value is read once, and what it gave is what is checked", () => {
  const { data, count } = lateAfterDate([() => 1, 5]);
  assert.equal(
    toWireData(data),
    "data.late is a function, which would not arrive as sent",
  );
  assert.equal(count(), 1);
});

Deno.test("a getter after a tagged value sends the value it gave once", () => {
  const bytes = new Uint8Array([1, 2, 3]);
  const { data, count } = lateAfterDate([bytes, "later"]);
  const payload = encodeMessage({ action: "test", data }, 1024, 0);
  assert.equal(count(), 1);
  const sent = decodeMessage(toBytes(payload), "this process").data;
  assert.deepStrictEqual(sent, { at: new Date(0), late: bytes });
});
