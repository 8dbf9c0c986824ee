/**
 * What a host's processes sent to another host that died, and was never
 * confirmed, is told to each sender by its manager, the gateway: to its
 * own `onError` for what it sent itself, to a child's for the child's (a
 * GONE frame with the reason), to its own for a child it cannot tell.
 */

import assert from "node:assert/strict";
import { UnreachableError } from "../src/errors.ts";
import { withGatewayOfB } from "./fake_link.ts";
import { waitFor } from "./helpers.ts";

Deno.test("what the manager sent a host that died unconfirmed is reported to it, in doubt, and marks nothing gone", async () => {
  await withGatewayOfB(({ link, reports, gones }) => {
    link.diedWithout("manager@b", 1);
    assert.deepEqual(reports.map((error) => error.message), [
      'A message from the manager of host "b" to worker 5 (host "a") may not have been ' +
      'delivered: host "a" left without confirming it',
    ]);
    assert.ok(reports[0] instanceof UnreachableError);
    assert.equal(reports[0].peer, 5);
    assert.deepEqual(gones, [], "the host's leaving says who is gone, not this");
  });
});

Deno.test("what a child sent a host that died unconfirmed is reported to the child, naming the target", async () => {
  await withGatewayOfB(async ({ link, reports, startWorker0 }) => {
    const told = Promise.withResolvers<Error>();
    await startWorker0(told.resolve);
    link.diedWithout(0, 3);
    const error = await waitFor(told.promise, "worker 0 to be told");
    assert.equal(
      error.message,
      '3 messages from worker 0 to worker 5 (host "a") may not have been delivered: ' +
        'host "a" left without confirming them',
    );
    assert.ok(error instanceof UnreachableError);
    assert.equal(error.peer, 5);
    assert.deepEqual(reports, [], "told once, where the sender sees it");
  });
});

Deno.test("what a child no longer connected sent a host that died unconfirmed is reported to its manager", async () => {
  await withGatewayOfB(({ link, reports }) => {
    link.diedWithout(0, 2);
    assert.deepEqual(reports.map((error) => error.message), [
      '2 messages from worker 0 to worker 5 (host "a") may not have been delivered: ' +
      'host "a" left without confirming them',
    ]);
  });
});

Deno.test("a refusal from another host for a child no longer connected is reported to its manager", async () => {
  await withGatewayOfB(({ link, reports }) => {
    link.refused(0, "worker 5 is not connected", "save");
    assert.deepEqual(reports.map((error) => error.message), [
      'Message "save" from worker 0 to worker 5 was not delivered: worker 5 is not connected',
    ]);
    assert.equal((reports[0] as UnreachableError).peer, 5);
  });
});
