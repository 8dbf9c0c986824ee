/**
 * A host whose keys may have lapsed (paused past their lifetime, say)
 * confirms nothing: the process that may hold its name now would be
 * counted as having had what it never had. What came before, its ack
 * timer set then, is confirmed once a refresh keeps its keys.
 */

import assert from "node:assert/strict";
import type { BrokerReceiver } from "../../src/broker.ts";
import { ACK, encodeEnvelopes, MESSAGE, readEnvelopes } from "../../src/nats/envelope.ts";
import { readHighest } from "../../src/nats/bodies.ts";
import { NatsLink } from "../../src/nats/link.ts";
import { fakeConnection, FakeLapse, members } from "./fake_connection.ts";

/** The acks published, as "<subject> <epoch> <highest>". */
function acks(published: [string, Uint8Array][]): string[] {
  const said: string[] = [];
  for (const [subject, bytes] of published) {
    readEnvelopes(bytes, (envelope) => {
      if (envelope.kind === ACK) {
        said.push(`${subject} ${envelope.seq} ${readHighest(envelope.body)}`);
      }
    });
  }
  return said;
}

/**
 * Resolves once the timers due before `ms` from now have fired: timers
 * fire in the order of their deadlines, however late the machine runs them.
 */
function timersDueWithin(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

Deno.test("a host whose keys may have lapsed acks nothing until a refresh keeps them", async () => {
  const a = { host: "a", workers: [5], services: [] };
  const b = { host: "b", workers: [0], services: [] };
  const published: [string, Uint8Array][] = [];
  const lapse = new FakeLapse();
  let read: ((bytes: Uint8Array) => void) | undefined;
  const reports: Error[] = [];
  const link = new NatsLink(fakeConnection(published), members(b, [a, b], lapse), {
    prefix: "p",
    inbox: { take: (take) => void (read = take), drain: () => Promise.resolve() },
    window: 1 << 20,
    report: (error) => reports.push(error),
  });
  let delivered = 0;
  const receiver: BrokerReceiver = {
    // Paused as it delivered, before its ack went: its keys expire meanwhile.
    deliver: () => void (delivered++, lapse.lapsed = true),
    lost: () => {},
    bounced: () => {},
    unconfirmed: () => {},
    ended: () => {},
  };
  link.receive(receiver);
  read!(encodeEnvelopes([{
    kind: MESSAGE,
    host: "a",
    epoch: 7,
    seq: 0,
    from: 5,
    to: 0,
    body: new TextEncoder().encode("m0"),
  }]));
  assert.equal(delivered, 1);
  // Its ack waits 5 ms at most (ACK_DELAY).
  await timersDueWithin(50);
  assert.deepEqual(acks(published), [], "nothing confirmed while its keys may have lapsed");

  lapse.refreshed(true);
  await timersDueWithin(0);
  assert.deepEqual(acks(published), ["p.a 7 0"], "confirmed once its keys are kept");
  await link.close();
  assert.deepEqual(reports, []);
});
