/**
 * Review 4: a host whose envelopes were dropped as a stranger's, and that
 * joins while this host's keys may have lapsed (this host was paused past
 * their lifetime, say), is still asked how many it sent once this host's
 * keys are surely its own again: else what was dropped is lost unsaid, as
 * before the fix this follows (tests/nats/dropped_strangers_test.ts). Two
 * links over a fake connection, as there.
 */

import assert from "node:assert/strict";
import type { HostRecord, MembershipChange } from "../../src/broker.ts";
import { encodeEnvelopes, SENT } from "../../src/nats/envelope.ts";
import { type Members, NatsLink } from "../../src/nats/link.ts";
import { fakeConnection, FakeLapse } from "./fake_connection.ts";

Deno.test("a host whose first message was dropped, joining while this host's keys may have lapsed, is still asked once they are kept", async () => {
  const aRecord = { host: "a", workers: [0], services: [] };
  const cRecord = { host: "c", workers: [2], services: [] };
  const aLapse = new FakeLapse();
  const a = linkOf(aRecord, [aRecord], aLapse);
  const c = linkOf(cRecord, [aRecord, cRecord]);
  const carried = new Map<unknown, number>();
  const carry = async () => {
    for (let moved = true; moved;) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      moved = false;
      for (const [from, to, subject] of [[a, c, "p.c"], [c, a, "p.a"]] as const) {
        const done = carried.get(from) ?? 0;
        for (const [s, bytes] of from.published.slice(done)) {
          if (s === subject) (moved = true, to.arrive(bytes));
        }
        carried.set(from, from.published.length);
      }
    }
  };
  try {
    // The wait for hosts not seen yet is full: c's first message is dropped.
    a.arrive(encodeEnvelopes(Array.from({ length: 64 }, (_, i) => ({
      kind: SENT,
      host: `ghost-${i}`,
      epoch: 1,
      seq: 5,
      from: null,
      to: null,
      body: new Uint8Array(0),
    }))));
    assert.ok(c.link.send(2, 0, '{"action":"hello"}') > 0);
    await carry();
    assert.deepEqual(a.delivered, [], "dropped");
    // a is paused past its keys' lifetime; as it wakes, it sees c join
    // before its round of refreshes has kept its keys.
    aLapse.lapsed = true;
    a.join(cRecord);
    await carry();
    aLapse.refreshed(true);
    await carry();
    assert.ok(
      a.delivered.length === 1 || c.refused.some((line) => line.startsWith("2 to 0")),
      `worker 2's message to worker 0 was neither delivered nor refused to it; a reported ${
        JSON.stringify(a.reports)
      }`,
    );
  } finally {
    await a.link.close();
    await c.link.close();
  }
});

/** As in tests/nats/dropped_strangers_test.ts, with this host's lapse as `lapse` says. */
function linkOf(self: HostRecord, known: HostRecord[], lapse = new FakeLapse()) {
  const published: [string, Uint8Array][] = [];
  const listeners = new Set<(change: MembershipChange) => void>();
  const members: Members = {
    self,
    hosts: () => known,
    hostOf: (address) => known.find((record) => record.workers.includes(address as number))?.host,
    onChange: (listener) => (listeners.add(listener), () => listeners.delete(listener)),
    mayHaveLapsed: () => lapse.lapsed,
    onRefreshed: (listener) => lapse.onRefreshed(listener),
    leave: () => Promise.resolve(),
    close() {},
  };
  let take: ((bytes: Uint8Array) => void) | undefined;
  const reports: string[] = [];
  const link = new NatsLink(fakeConnection(published), members, {
    prefix: "p",
    inbox: { take: (taker) => void (take = taker), drain: () => Promise.resolve() },
    window: 1 << 20,
    report: (error) => reports.push(error.message),
  });
  const delivered: string[] = [];
  const refused: string[] = [];
  link.receive({
    deliver: (from, to, payload) =>
      void delivered.push(`${from} to ${to}: ${new TextDecoder().decode(payload)}`),
    lost() {},
    bounced: (from, to, reason) => void refused.push(`${from} to ${to}: ${reason}`),
    unconfirmed: (_host, from, to, count) => void refused.push(`${count} from ${from} to ${to}`),
    ended() {},
  });
  return {
    link,
    published,
    reports,
    delivered,
    refused,
    arrive: (bytes: Uint8Array) => take!(bytes),
    join(record: HostRecord) {
      known.push(record);
      for (const listener of listeners) listener({ type: "joined", host: record });
    },
  };
}
