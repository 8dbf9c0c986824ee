/**
 * A process that ended without closing gracefully is told to every other
 * host (an ENDED envelope), so that what waits on it there fails; only its
 * own host may say so. Made while the connection to NATS is down, it waits
 * until the connection is back. A fake NATS connection records what is
 * published and says when it drops.
 */

import assert from "node:assert/strict";
import type { Address } from "../../src/address.ts";
import { FrameError } from "../../src/errors.ts";
import { encodeEnvelopes, ENDED, type Envelope, readEnvelopes } from "../../src/nats/envelope.ts";
import { fakeLink } from "./fake_link.ts";

/** What a fake link published that says a process ended: who, and why. */
function endedIn(published: Uint8Array[]): [Address | null, string][] {
  const read: Envelope[] = [];
  for (const bytes of published) readEnvelopes(bytes, (envelope) => read.push(envelope));
  return read.filter((envelope) => envelope.kind === ENDED)
    .map(({ from, body }) => [from, new TextDecoder().decode(body)]);
}

/** An ENDED envelope from host "b", saying `address` ended. */
function endedFromB(address: Address): Uint8Array {
  const body = new TextEncoder().encode(`${address} crashed`);
  return encodeEnvelopes([{
    kind: ENDED,
    host: "b",
    epoch: 1,
    seq: 0,
    from: address,
    to: null,
    body,
  }]);
}

Deno.test("a process that ended is told to the other hosts, at once or once NATS is back", async () => {
  const { link, published, say } = fakeLink(1 << 20);
  link.ended(0, "worker 0 crashed");
  // Published at the end of the task.
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.deepEqual(endedIn(published), [[0, "worker 0 crashed"]]);
  await say("disconnect");
  link.ended(0, "worker 0 crashed again");
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(endedIn(published).length, 1, "nothing goes while down");
  await say("reconnect");
  assert.deepEqual(endedIn(published), [[0, "worker 0 crashed"], [0, "worker 0 crashed again"]]);
  link.abandon();
});

Deno.test("a host may say only its own processes ended", () => {
  const { link, reports, arrive } = fakeLink(1 << 20);
  const ended: [Address, string][] = [];
  link.receive({
    deliver() {},
    lost() {},
    bounced() {},
    unconfirmed() {},
    ended: (address, reason) => void ended.push([address, reason]),
  });
  arrive(endedFromB(1));
  assert.deepEqual(ended, [[1, "1 crashed"]]);
  // Worker 0 is host a's.
  arrive(endedFromB(0));
  assert.deepEqual(ended, [[1, "1 crashed"]]);
  assert.deepEqual(reports.map((error) => [error.name, error.message]), [
    [FrameError.name, 'Bad message from host "b": it may not say 0 ended'],
  ]);
  link.abandon();
});
