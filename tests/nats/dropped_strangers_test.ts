/**
 * Envelopes from a host not seen yet are kept a while, in a room that
 * made-up names can fill (from an outside review): what a joining host
 * sent and was dropped meanwhile is not lost in silence; once it joins it
 * is asked how many it sent, and what never came is told to its senders.
 * Two links over a fake connection: the race is not reproducible on a
 * real server.
 */

import assert from "node:assert/strict";
import type { HostRecord, MembershipChange } from "../../src/broker.ts";
import { encodeEnvelopes, SENT } from "../../src/nats/envelope.ts";
import { type Members, NatsLink } from "../../src/nats/link.ts";
import { fakeConnection } from "./fake_connection.ts";

Deno.test(
  "made-up host names that fill the wait for hosts not yet seen do not cost a joining host its first messages in silence",
  async () => {
    const aRecord = { host: "a", workers: [0], services: [] };
    const cRecord = { host: "c", workers: [2], services: [] };
    const a = linkOf(aRecord, [aRecord]);
    const c = linkOf(cRecord, [aRecord, cRecord]);
    /** Hands each link what the other published to it since, until neither publishes more. */
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
      // Host c, which has just joined, sends a message from its worker 2 to
      // a's worker 0, heard before a sees c join (the membership's watch
      // may lag behind a new host's first messages: early_envelopes.ts).
      assert.ok(c.link.send(2, 0, '{"action":"hello"}') > 0);
      await carry();
      a.join(cRecord);
      await carry();
      // Delivered, as it is without the made-up names; or, lost, told to
      // its sender, c's worker 2 (as a message lost on the way is).
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
  },
);

/**
 * Host `self`'s link over a fake connection, to the hosts in `known` (a
 * list the test changes), what it published by subject, and what it was
 * told of its messages refused.
 */
function linkOf(self: HostRecord, known: HostRecord[]) {
  const published: [string, Uint8Array][] = [];
  const listeners = new Set<(change: MembershipChange) => void>();
  const members: Members = {
    self,
    hosts: () => known,
    hostOf: (address) => known.find((record) => record.workers.includes(address as number))?.host,
    onChange: (listener) => (listeners.add(listener), () => listeners.delete(listener)),
    mayHaveLapsed: () => false,
    onRefreshed: () => () => {},
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
