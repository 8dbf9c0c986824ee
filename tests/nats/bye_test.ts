/**
 * A host that leaves loses nothing of the others' in silence. Closing, it
 * reads what was sent it until the server stops sending, then tells each
 * host how much of theirs it had (a bye): the rest is refused to its
 * senders, by sender and target. A host that dies says nothing: what it
 * never confirmed is told to its senders, by sender and target, as it
 * drops out.
 */

import assert from "node:assert/strict";
import type { Address } from "../../mod.ts";
import type { BounceDetails, BrokerReceiver } from "../../src/broker.ts";
import { UNREACHABLE } from "../../src/transport.ts";
import { waitFor } from "../helpers.ts";
import { joinLink, natsAnswers, uniqueCluster } from "./hosts.ts";

const ignore = !natsAnswers;

/** One refusal a link was told of. */
interface Refused {
  from: Address;
  to: Address;
  reason: string;
  details: BounceDetails | undefined;
  /** What a send to the same target returned as the refusal came. */
  sendAfter: number;
}

Deno.test({
  name: "a host that leaves says how much it had: what it never had is refused to its senders",
  ignore,
  async fn() {
    const cluster = uniqueCluster();
    const reports: Error[] = [];
    const a = await joinLink(cluster, "a", reports);
    const b = await joinLink(cluster, "b", reports);
    try {
      const [worker, target] = [a.self.workers[0], b.self.workers[0]];
      const refused: Refused[] = [];
      const allRefused = Promise.withResolvers<void>();
      const receiver: BrokerReceiver = {
        deliver() {},
        lost: (host) => allRefused.reject(new Error(`lost ${host}`)),
        unconfirmed: (host) => allRefused.reject(new Error(`unconfirmed by ${host}`)),
        ended: (address) => allRefused.reject(new Error(`ended ${address}`)),
        bounced(from, to, reason, details) {
          refused.push({ from, to, reason, details, sendAfter: a.send(from, to, "again") });
          if (refused.length === 2) allRefused.resolve();
        },
      };
      a.receive(receiver);
      // Each knows the other: b says bye to a even if none of a's messages
      // reach it before it stops reading (bye_unknown_host_test.ts has a
      // host that closes before it saw a sender join).
      await waitFor(Promise.all([knows(a, "b"), knows(b, "a")]), "hosts a and b to see each other");
      // Host b never reads them: its link closes before it takes what came.
      for (const text of ["one", "two", "three"]) assert.ok(a.send(worker, target, text) > 0);
      assert.ok(a.send("logger", target, "four") > 0);
      await b.close();
      await waitFor(allRefused.promise, () => `two refusals; got ${JSON.stringify(refused)}`);
      const reason = 'host "b" stopped before it came';
      assert.deepEqual(refused, [
        {
          from: worker,
          to: target,
          reason,
          details: { count: 3, last: true },
          sendAfter: UNREACHABLE,
        },
        {
          from: "logger",
          to: target,
          reason,
          details: { count: 1, last: true },
          sendAfter: UNREACHABLE,
        },
      ], "by sender and target, the last each sent; nothing more goes to a host that said bye");
      assert.deepEqual(reports, []);
    } finally {
      await b.close();
      await a.close();
    }
  },
});

/** Resolves once `link` knows `host`. */
function knows(
  link: { hosts(): { host: string }[]; onChange(l: () => void): () => void },
  host: string,
) {
  const known = Promise.withResolvers<void>();
  const check = () => link.hosts().some((record) => record.host === host) && known.resolve();
  const off = link.onChange(check);
  check();
  return known.promise.finally(off);
}

Deno.test({
  name:
    "a host that dies says no bye: what it never confirmed is told to its senders as it drops out",
  ignore,
  async fn() {
    const cluster = uniqueCluster();
    const reports: Error[] = [];
    // A dead host drops out after 600 ms without a heartbeat.
    const timing = { heartbeat: 100, hostTimeout: 600 };
    const a = await joinLink(cluster, "a", reports, timing);
    const b = await joinLink(cluster, "b", [], timing);
    try {
      const [worker, target] = [a.self.workers[0], b.self.workers[0]];
      const unconfirmed: [string, Address, Address, number][] = [];
      a.receive({
        deliver() {},
        lost() {},
        bounced: (from, to, reason) =>
          reports.push(new Error(`bounced ${from} → ${to}: ${reason}`)),
        unconfirmed: (host, from, to, count) => unconfirmed.push([host, from, to, count]),
        ended: (address) => reports.push(new Error(`ended ${address}`)),
      });
      await waitFor(knows(a, "b"), "host a to see host b");
      const left = Promise.withResolvers<void>();
      a.onChange((change) => {
        if (change.type === "left" && change.host.host === "b") left.resolve();
      });
      assert.ok(a.send(worker, target, "one") > 0);
      assert.ok(a.send("manager@a", target, "two") > 0);
      assert.ok(a.send(worker, target, "three") > 0);
      b.abandon();
      await waitFor(left.promise, "host b to drop out");
      assert.deepEqual(unconfirmed, [
        ["b", worker, target, 2],
        ["b", "manager@a", target, 1],
      ], "by sender and target, as it drops out");
      assert.deepEqual(reports, [], "its senders are told, not the link's report");
    } finally {
      await a.close();
    }
  },
});
