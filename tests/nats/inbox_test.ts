/**
 * A host listens on its subject before the others can see it join: what
 * another host sends it the moment it sees it is not dropped by core NATS
 * (nobody listening) but waits for the link to read it.
 */

import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import type { Address } from "../../mod.ts";
import type { BrokerLink, BrokerReceiver } from "../../src/broker.ts";
import { waitFor } from "../helpers.ts";
import { joinLink, NATS, natsAnswers, uniqueCluster } from "./hosts.ts";

const ignore = !natsAnswers;

/** A receiver that records what it is given, and resolves `first` with the first delivery. */
function recording(): BrokerReceiver & { first: Promise<[Address, Address, string]> } {
  const first = Promise.withResolvers<[Address, Address, string]>();
  return {
    first: first.promise,
    deliver: (from, to, payload) => first.resolve([from, to, new TextDecoder().decode(payload)]),
    lost: (host, reason) => first.reject(new Error(`lost from ${host}: ${reason?.message}`)),
    bounced: (_from, _to, reason) => first.reject(new Error(`bounced: ${reason}`)),
    unconfirmed: (host) => first.reject(new Error(`unconfirmed by ${host}`)),
    ended: (address) => first.reject(new Error(`ended ${address}`)),
  };
}

Deno.test({
  name: "what a host is sent the moment it is seen to join waits for its link to read it",
  ignore,
  async fn() {
    const cluster = uniqueCluster();
    const reports: Error[] = [];
    const a = await joinLink(cluster, "a", reports);
    // A probe on host b's subject: once it has a message, the server has routed it.
    const probe = await connect({ servers: NATS });
    const routed = Promise.withResolvers<void>();
    probe.subscribe(`switchboard.${cluster}.b`, { callback: () => routed.resolve() });
    await probe.flush();
    let b: BrokerLink | undefined;
    try {
      a.receive(recording());
      const seen = Promise.withResolvers<void>();
      a.onChange((change) => {
        if (change.type === "joined" && change.host.host === "b") seen.resolve();
      });
      b = await joinLink(cluster, "b", reports);
      await waitFor(seen.promise, "host a to see host b join");
      const [from, to] = [a.self.workers[0], b.self.workers[0]];
      assert.ok(a.send(from, to, "hello") > 0);
      await waitFor(routed.promise, "the message at the server");
      // Only now does host b's link read.
      const receiver = recording();
      b.receive(receiver);
      assert.deepEqual(await waitFor(receiver.first, "the message at host b"), [from, to, "hello"]);
      assert.deepEqual(reports, []);
    } finally {
      await probe.close();
      await b?.close();
      await a.close();
    }
  },
});
