/**
 * A sender that saw the receiver leave counts afresh from 0 (in the same
 * epoch), and its word of that (a RESUME) is lost, with its first new
 * messages: as many as the receiver had counted before, or more. The next
 * message then looked as if it went on with the old count: the receiver
 * reported only the difference lost, or nothing, and confirmed the new
 * messages that never came. Each count is numbered (its round), so the
 * receiver sees a new one began, counts afresh, and reports all it missed.
 */

import assert from "node:assert/strict";
import type { BrokerReceiver, MembershipChange } from "../../src/broker.ts";
import { GAP, readEnvelopes, RESUME } from "../../src/nats/envelope.ts";
import { type Members, NatsLink } from "../../src/nats/link.ts";
import { fakeConnection, members } from "./fake_connection.ts";

const a = { host: "a", workers: [0], services: [] };
const b = { host: "b", workers: [1], services: [] };

/** Resolves once what was published at the end of the task (batches) went, and acks due within `ms`. */
function settle(ms = 0): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Members of host a, whose host b leaves and joins again as the test says. */
function changingMembers(): { members: Members; change(change: MembershipChange): void } {
  const listeners = new Set<(change: MembershipChange) => void>();
  const known = members(a, [a, b]);
  return {
    members: {
      ...known,
      onChange: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    },
    change: (change) => {
      for (const listener of listeners) listener(change);
    },
  };
}

/** A link of host `self`, what it published, and a way to hand it what came. */
function host(self: typeof a, linkMembers: Members) {
  const published: [string, Uint8Array][] = [];
  let read: ((bytes: Uint8Array) => void) | undefined;
  const reports: Error[] = [];
  const link = new NatsLink(fakeConnection(published), linkMembers, {
    prefix: "p",
    inbox: { take: (take) => void (read = take), drain: () => Promise.resolve() },
    window: 1 << 20,
    report: (error) => reports.push(error),
  });
  const delivered: string[] = [];
  const lost: string[] = [];
  const bounced: string[] = [];
  const unconfirmed: string[] = [];
  const receiver: BrokerReceiver = {
    deliver: (_from, _to, payload) => void delivered.push(new TextDecoder().decode(payload)),
    lost: (_host, reason) => void lost.push(reason?.message ?? ""),
    bounced: (from, to, reason, details) =>
      void bounced.push(`${from}->${to} ${reason} x${details?.count ?? 1}`),
    unconfirmed: (_host, from, to, count) => void unconfirmed.push(`${from}->${to} x${count}`),
    ended: () => {},
  };
  link.receive(receiver);
  /** Hands the link what was published to it, and takes it from `from`'s record. */
  const take = (from: [string, Uint8Array][]) => {
    for (const [subject, bytes] of from.splice(0)) {
      if (subject === `p.${self.host}`) read!(bytes);
    }
  };
  return { link, published, take, delivered, lost, bounced, unconfirmed, reports };
}

Deno.test("a count begun afresh, its RESUME and as many messages as the old count lost, is reported lost in full", async () => {
  const sender = changingMembers();
  const hostA = host(a, sender.members);
  const hostB = host(b, members(b, [a, b]));
  try {
    // Two messages, had and confirmed.
    for (const text of ["m0", "m1"]) {
      assert.ok(hostA.link.send(0, 1, text) > 0);
      await settle();
      hostB.take(hostA.published);
    }
    await settle(20);
    hostA.take(hostB.published);
    assert.deepEqual(hostA.link.queued("b"), 0, "confirmed");

    // a sees b leave (its keys lapsed a moment, say) and forgets it; b did not go.
    sender.change({ type: "left", host: b } as MembershipChange);
    sender.change({ type: "joined", host: b } as MembershipChange);
    await settle();

    // a counts afresh: its RESUME and n0, n1 are lost on the way; n2 comes.
    for (const text of ["n0", "n1", "n2"]) {
      assert.ok(hostA.link.send(0, 1, text) > 0);
      await settle();
      if (text !== "n2") {
        const kinds: number[] = [];
        for (const [, bytes] of hostA.published.splice(0)) {
          readEnvelopes(bytes, (envelope) => void kinds.push(envelope.kind));
        }
        if (text === "n0") assert.ok(kinds.includes(RESUME), "the RESUME went with n0");
      }
    }
    hostB.take(hostA.published);
    assert.deepEqual(hostB.delivered, ["m0", "m1", "n2"]);
    assert.deepEqual(hostB.lost, ['2 messages from host "a" were lost on the way']);

    // The sender is told which: its process 0 of its two to 1.
    await settle(20);
    const gaps: number[] = [];
    for (const [, bytes] of hostB.published) {
      readEnvelopes(bytes, (envelope) => {
        if (envelope.kind === GAP) gaps.push(envelope.seq);
      });
    }
    assert.deepEqual(gaps, [2]);
    hostA.take(hostB.published);
    assert.deepEqual(hostA.bounced, ['0->1 lost on the way to host "b" x2']);
    assert.equal(hostA.link.queued("b"), 0, "n2 confirmed, n0 and n1 failed");
  } finally {
    await hostA.link.close();
    await hostB.link.close();
  }
});
