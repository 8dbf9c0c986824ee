/**
 * A manager whose children other hosts reach through it refuses, on a
 * child's behalf, a request the child could not take: one for a child that
 * is down while it is being replaced, or while this host stops. The
 * refusal goes back as from the child, carrying the request's data, as a
 * child stopping alone refuses, so that the requester waits for the new
 * process or, to `ANY`, asks another worker.
 */

import assert from "node:assert/strict";
import { REFUSAL, REQUEST } from "./fake_link.ts";
import { hostB } from "./host_b.ts";

Deno.test("a request from another host for a child down while it is being replaced is refused for it", async () => {
  await using b = await hostB();
  b.router.lifecycle({ type: "reload", address: 0 });
  b.link.from(REQUEST);
  assert.deepEqual(b.link.sent, [REFUSAL]);
  assert.deepEqual(b.link.bounced, []);
});

Deno.test("a request from another host for a child that is down as its host stops is refused for it", async () => {
  await using b = await hostB();
  b.router.refuseNewRequests();
  b.link.from(REQUEST);
  assert.deepEqual(b.link.sent, [REFUSAL]);
  // A message is no request: held for the child, which may still join.
  b.link.from('{"action":"note","data":1}');
  assert.deepEqual(b.link.sent, [REFUSAL]);
});
