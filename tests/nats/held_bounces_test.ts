/**
 * A bounce made while the connection to NATS is down (a process that
 * stopped with messages from other hosts it never took, say) waits, and
 * goes once the connection is back: its message was confirmed to its
 * sender, which would else never hear it was not delivered. A fake NATS
 * connection records what is published and says when it drops.
 */

import assert from "node:assert/strict";
import { UnreachableError } from "../../src/errors.ts";
import { readBounce } from "../../src/nats/bodies.ts";
import { BOUNCE } from "../../src/nats/envelope.ts";
import { MOST_HELD } from "../../src/nats/held_bounces.ts";
import { envelopesIn, fakeLink } from "./fake_link.ts";

/** A fake link, and the bounces it published, read. */
function linked() {
  const { link, published, reports, say } = fakeLink(1 << 20);
  const bounces = () => {
    return envelopesIn(published).filter((envelope) => envelope.kind === BOUNCE).map((
      { from, to, body },
    ) => ({
      from,
      to,
      ...readBounce(body),
    }));
  };
  return { link, say, bounces, reports };
}

Deno.test("a bounce made while NATS is down goes once it is back, in order", async () => {
  const { link, say, bounces, reports } = linked();
  await say("disconnect");
  link.bounce(1, 0, "worker 0 stopped before it could take it", { action: "job" });
  link.bounce(1, 0, "worker 0 stopped before it could take it", { count: 3 });
  assert.deepEqual(bounces(), [], "nothing goes while down");
  await say("reconnect");
  assert.deepEqual(bounces(), [
    { from: 1, to: 0, reason: "worker 0 stopped before it could take it", action: "job" },
    {
      from: 1,
      to: 0,
      reason: "worker 0 stopped before it could take it",
      action: undefined,
      count: 3,
    },
  ]);
  assert.deepEqual(reports, []);
  link.abandon();
});

Deno.test("bounces past what may wait, or still held as the link closes, are said where they were made", async () => {
  const { link, say, bounces, reports } = linked();
  await say("disconnect");
  for (let i = 0; i < MOST_HELD + 5; i++) link.bounce(1, 0, "gone");
  await say("reconnect");
  assert.equal(bounces().length, MOST_HELD);
  assert.equal(reports.length, 1);
  assert.ok(reports[0] instanceof UnreachableError);
  assert.equal(
    reports[0].message,
    "5 messages from other hosts were not delivered here, and their senders were not told: the connection to the NATS server was down",
  );
  await say("disconnect");
  link.bounce(1, 0, "gone", { count: 2 });
  await link.close();
  assert.equal(bounces().length, MOST_HELD, "none went");
  assert.match(reports.at(-1)!.message, /^2 messages from other hosts were not delivered here/);
});
