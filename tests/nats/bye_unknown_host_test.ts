/**
 * A host that closes before its membership has seen a sender join drops
 * what that sender sent (kept as early envelopes) and says bye to it all
 * the same, with nothing had: else the sender, hearing no bye, would take
 * the host for dead and tell its callers their messages were lost in
 * doubt, not refused. A fake NATS connection records what is published
 * (`fake_connection.ts`).
 */

import assert from "node:assert/strict";
import type { BrokerReceiver } from "../../src/broker.ts";
import { BYE, encodeEnvelopes, MESSAGE, readEnvelopes } from "../../src/nats/envelope.ts";
import { NatsLink } from "../../src/nats/link.ts";
import { fakeConnection, members } from "./fake_connection.ts";

Deno.test("a host closing before it saw a sender join says bye to it, having had none", async () => {
  const a = { host: "a", workers: [0], services: [] };
  const published: [string, Uint8Array][] = [];
  let deliver: ((bytes: Uint8Array) => void) | undefined;
  const reports: Error[] = [];
  const link = new NatsLink(fakeConnection(published), members(a, [a]), {
    prefix: "p",
    inbox: { take: (take) => void (deliver = take), drain: () => Promise.resolve() },
    window: 1 << 20,
    report: (error) => reports.push(error),
  });
  const heard: string[] = [];
  const receiver: BrokerReceiver = {
    deliver: (from, to) => void heard.push(`deliver ${String(from)}→${String(to)}`),
    lost: (host) => void heard.push(`lost ${host}`),
    bounced: (from, to) => void heard.push(`bounced ${String(from)}→${String(to)}`),
    unconfirmed: (host) => void heard.push(`unconfirmed ${host}`),
    ended: (address) => void heard.push(`ended ${String(address)}`),
  };
  link.receive(receiver);
  // Host c, not known to a yet, sends worker 0 two messages.
  deliver!(encodeEnvelopes([0, 1].map((seq) => ({
    kind: MESSAGE,
    host: "c",
    epoch: 7,
    seq,
    from: 5,
    to: 0,
    body: new TextEncoder().encode(`m${seq}`),
  }))));
  await link.close();
  const byes: string[] = [];
  for (const [subject, bytes] of published) {
    readEnvelopes(bytes, (envelope) => {
      if (envelope.kind === BYE) byes.push(`${subject} ${envelope.body.length}`);
    });
  }
  assert.deepEqual(byes, ["p.c 0"], "c is told a had none of what it sent");
  assert.deepEqual(heard, [], "what c sent was dropped, not delivered");
  assert.deepEqual(reports, []);
});
