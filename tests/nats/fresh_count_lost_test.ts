/**
 * A sender that saw the receiver leave counts afresh from 0 (in the same
 * epoch), and its word of that (a RESUME) is lost, with its first new
 * messages: as many as the receiver had counted before, or more. The next
 * message then looked as if it went on with the old count: the receiver
 * reported only the difference lost, or nothing, and confirmed the new
 * messages that never came. Each count is numbered (its round), so the
 * receiver sees a new one began, counts afresh, and reports all it missed.
 * On fake connections, then over a private NATS server, where host b hears
 * nothing from the moment a sees it join again until its connection drops
 * (before, 6 of a's 25 ticks were lost in silence).
 */

import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { type Cluster, managerOf } from "../../mod.ts";
import type { BrokerReceiver, MembershipChange } from "../../src/broker.ts";
import { GAP, MESSAGE, readEnvelopes, RESUME } from "../../src/nats/envelope.ts";
import { type Members, NatsLink } from "../../src/nats/link.ts";
import { event, nextEvent, waitFor } from "../helpers.ts";
import { fakeConnection, members } from "./fake_connection.ts";
import { joinHere, natsAnswers, NatsServer, probe, uniqueCluster } from "./hosts.ts";
import { NatsProxy } from "./proxy.ts";

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

/** Short, so that a host cut off is seen to leave soon. */
const TIMING = { heartbeat: 100, hostTimeout: 600 };

/** How many ticks to worker 0 `errors` say were lost on the way to host b. */
function ticksLost(errors: string[]): number {
  let lost = 0;
  for (const message of errors) {
    const said =
      /^(?:(\d+) messages|Message "tick") from the manager of host "a" to worker 0 (?:was|were) not delivered: lost on the way to host "b"$/
        .exec(message);
    if (said) lost += Number(said[1] ?? 1);
  }
  return lost;
}

Deno.test({
  name:
    "over NATS: what a host sends another it counts afresh, that one's connection down as it joins again, is delivered or reported lost",
  ignore: !natsAnswers,
  async fn() {
    const server = await NatsServer.start();
    const toB = new NatsProxy(server.port);
    const watcher = await connect({ servers: server.url });
    let a: Cluster | undefined;
    let b: Cluster | undefined;
    try {
      const cluster = uniqueCluster();
      b = await joinHere(cluster, "b", { servers: toB.url, workers: 1, ...TIMING });
      a = await joinHere(cluster, "a", { servers: server.url, workers: 1, ...TIMING });
      const errors: string[] = [];
      a.onError((error) => errors.push(error.message));
      b.onError(() => {});
      await probe(a, b, "b");
      let sent = 0;
      const tick = (count: number) => {
        for (let n = 0; n < count; n++) assert.equal(a!.sendMessage("tick", { n: sent++ }, 0), 1);
      };
      tick(5);
      assert.equal(
        (await a.request("ticksSoFar", undefined, { to: 0 }) as number[]).length,
        5,
        "b had a's first ticks",
      );

      // b is cut off until a sees it leave.
      const left = event(a, "hostLeft", managerOf("b"));
      toB.hold();
      toB.cut();
      await waitFor(left, "a to see b leave", 20_000);
      // It comes back as itself, and hears nothing from the moment a sees
      // it join (a forgot it, and counts afresh: its RESUME, and what it
      // sends after, go nowhere).
      const joined = nextEvent<void>(
        (listener) =>
          a!.onLifecycle((e) => {
            if (e.type !== "hostJoined" || e.address !== managerOf("b")) return;
            toB.mute();
            listener();
          }),
        "a to see b join again",
        () => true,
        20_000,
      );
      toB.release();
      await waitFor(joined, "a to see b join again", 20_000);
      const ticksAtServer = nextEvent<void>((listener) => {
        let seen = 0;
        const subscription = watcher.subscribe(`switchboard.${cluster}.b`, {
          callback: (_error, message) => {
            readEnvelopes(message.data, (envelope) => {
              if (envelope.kind === MESSAGE && envelope.host === "a") seen++;
            });
            if (seen >= 20) listener();
          },
        });
        return () => subscription.unsubscribe();
      }, "a's ticks at the server");
      await watcher.flush();
      // More than a had counted to b before.
      tick(20);
      await waitFor(ticksAtServer, "a's ticks at the server");
      // b's connection drops: it reconnects, and asks a what it sent.
      const told = nextEvent<string>(
        (listener) => a!.onError((error) => listener(error.message)),
        "a told of lost ticks",
        (message) => ticksLost([message]) > 0,
        20_000,
      );
      toB.cut();
      await waitFor(told, "a told of lost ticks", 20_000);
      await probe(a, b, "b");
      await waitFor(a.drain(0), "a's ticks to be confirmed or failed", 20_000);
      const received = await a.request("ticksRequest", undefined, { to: 0 }) as number[];
      const lost = ticksLost(errors);
      assert.equal(
        sent - received.length - lost,
        0,
        `sent ${sent}: received ${received.length}, reported lost ${lost}; ${
          JSON.stringify(errors)
        }`,
      );
    } finally {
      await a?.stop();
      await b?.stop();
      await watcher.close();
      await toB.close();
      await server.stop();
    }
  },
});
