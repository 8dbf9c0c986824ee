/**
 * A bye says the last messages each sender sent never came: the gateway
 * tells its manager's router, and each child in its GONE frame, how many,
 * less those it sent itself as from the child (requests it refused on the
 * child's behalf), which the child never sent.
 */

import assert from "node:assert/strict";
import type { Address } from "../src/address.ts";
import { openUnixEndpoint } from "../src/unix/transport.ts";
import { fakeLink, gatewayOfB, REFUSAL, REQUEST } from "./fake_link.ts";
import { waitFor } from "./helpers.ts";

/** What a receiver was told is gone: who, and how many of the last sent it never came. */
type Gone = [peer: Address, undelivered: number | undefined];

Deno.test("a bye's count of what never came reaches the manager, and a child less what the gateway sent as it", async () => {
  const link = fakeLink();
  const { unix, endpoint: manager, options } = await gatewayOfB(link, () => {});
  const managerGone: Gone[] = [];
  manager.receive({
    deliver() {},
    gone: (peer, _reason, last) => void managerGone.push([peer, last?.undelivered]),
    // Refused for worker 0: sent to worker 5 as from it.
    answerFor: () => REFUSAL.payload,
  });
  const childGone = Promise.withResolvers<Gone>();
  const child = await openUnixEndpoint(unix.childConfig, 0, { ...options, report() {} });
  child.receive({
    deliver() {},
    gone: (peer, _reason, last) => childGone.resolve([peer, last?.undelivered]),
  });
  try {
    link.from(REQUEST);
    assert.deepEqual(link.sent, [REFUSAL], "refused as from worker 0");
    link.saidBye("manager@b", 2);
    assert.deepEqual(managerGone, [[5, 2]]);
    link.saidBye(0, 3);
    assert.deepEqual(await waitFor(childGone.promise, "worker 0 to be told"), [5, 2]);
  } finally {
    child.close();
    await child.closed;
    manager.close();
    await manager.closed;
    await unix.close();
  }
});
