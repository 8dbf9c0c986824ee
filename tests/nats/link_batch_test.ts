/**
 * A message the link refuses leaves the batch as it was, even when writing
 * it published what waited first (a fake NATS connection records what is
 * published).
 */

import assert from "node:assert/strict";
import { readEnvelopes } from "../../src/nats/envelope.ts";
import { fakeLink } from "./fake_link.ts";
import { TOO_LARGE } from "../../src/transport.ts";

Deno.test("a refused message never corrupts the batch after it", async () => {
  const { link, published, reports } = fakeLink(1 << 30);
  assert.equal(link.send(0, 1, "x".repeat(60_000)), 60_000);
  // 40,000 units that take 120,000 bytes: found too large only once written, after a flush.
  assert.equal(link.send(0, 1, "語".repeat(40_000)), TOO_LARGE);
  assert.equal(link.send(0, 1, "y".repeat(10)), 10);
  await Promise.resolve();
  const seen: string[] = [];
  for (const bytes of published) {
    assert.ok(readEnvelopes(bytes, (e) => seen.push(`${e.seq}:${e.body.length}`)), "whole");
  }
  assert.deepEqual(seen, ["0:60000", "1:10"]);
  assert.deepEqual(reports, []);
  link.abandon();
});
