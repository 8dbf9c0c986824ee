/**
 * Envelopes from a host not seen yet are kept a while, in a room that
 * made-up names can fill (from outside reviews): what a joining host sent
 * and was dropped meanwhile is not lost in silence. Once it joins it is
 * asked how many it sent, and what never came is told to its senders;
 * joining while this host's keys may have lapsed, once they are kept
 * again. Two links over a fake connection: the race is not reproducible
 * on a real server.
 */

import assert from "node:assert/strict";
import type { HostRecord, MembershipChange } from "../../src/broker.ts";
import { encodeEnvelopes, SENT } from "../../src/nats/envelope.ts";
import { type Members, NatsLink } from "../../src/nats/link.ts";
import { fakeConnection, FakeLapse } from "./fake_connection.ts";

Deno.test("made-up host names that fill the wait for hosts not yet seen do not cost a joining host its first messages in silence", async () => {
  await using hosts = await droppedFirstMessage();
  const { a, c, carry } = hosts;
  a.join(c.self);
  await carry();
  hosts.assertDeliveredOrRefused();
});

Deno.test("a host whose first message was dropped, joining while this host's keys may have lapsed, is still asked once they are kept", async () => {
  const aLapse = new FakeLapse();
  await using hosts = await droppedFirstMessage(aLapse);
  const { a, c, carry } = hosts;
  // a was paused past its keys' lifetime; as it wakes, it sees c join
  // before its round of refreshes has kept its keys.
  aLapse.lapsed = true;
  a.join(c.self);
  await carry();
  aLapse.refreshed(true);
  await carry();
  hosts.assertDeliveredOrRefused();
});

/**
 * Hosts a and c, a linked to the hosts it knows (itself), c to both, its
 * keys lapsing as `aLapse` says: 64 made-up names fill a's wait for hosts
 * not seen yet, and c's first message, from its worker 2 to a's worker 0,
 * is dropped there. `carry` hands each link what the other published to
 * it, until neither publishes more.
 */
async function droppedFirstMessage(aLapse = new FakeLapse()) {
  const a = linkOf({ host: "a", workers: [0], services: [] }, [], aLapse);
  const c = linkOf({ host: "c", workers: [2], services: [] }, [a.self]);
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
  // Anyone who may publish to a's subject: one envelope under each of 64 made-up names.
  a.arrive(encodeEnvelopes(Array.from({ length: 64 }, (_, i) => ({
    kind: SENT,
    host: `ghost-${i}`,
    epoch: 1,
    seq: 5,
    from: null,
    to: null,
    body: new Uint8Array(0),
  }))));
  // Heard before a sees c join (the membership's watch may lag behind a
  // new host's first messages: early_envelopes.ts).
  assert.ok(c.link.send(2, 0, '{"action":"hello"}') > 0);
  await carry();
  assert.deepEqual(a.delivered, [], "dropped");
  return {
    a,
    c,
    carry,
    /** Delivered, as it is without the made-up names; or, lost, told to its sender, c's worker 2. */
    assertDeliveredOrRefused() {
      assert.ok(
        a.delivered.length === 1 || c.refused.some((line) => line.startsWith("2 to 0")),
        `worker 2's message to worker 0 was neither delivered nor refused to it; a reported ${
          JSON.stringify(a.reports)
        }`,
      );
    },
    async [Symbol.asyncDispose]() {
      await a.link.close();
      await c.link.close();
    },
  };
}

/**
 * Host `self`'s link over a fake connection, to itself and the hosts in
 * `others` (a list the test changes), its keys lapsing as `lapse` says:
 * what it published by subject, delivered, was told of its messages
 * refused, and reported.
 */
function linkOf(self: HostRecord, others: HostRecord[], lapse = new FakeLapse()) {
  const known = [self, ...others];
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
    self,
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
