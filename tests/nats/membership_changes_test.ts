/**
 * Hosts coming and going as others watch: a host that leaves as another
 * joins and takes its freed worker id, and one that restarts while a
 * watcher is away (it misses the delete: the bucket keeps a key's last
 * value only). Both found by a review: the first made the watcher report a
 * false claim and not know the new host for a beat; the second left the
 * watcher with the old host's record, and told nobody. And a host that
 * joins knows the others once its join resolves (it knew them a moment
 * later: a request sent at once failed "no such process").
 */

import assert from "node:assert/strict";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { MembershipChange } from "../../src/broker.ts";
import { Membership, type MembershipOptions } from "../../src/nats/membership.ts";
import { nextEvent } from "../helpers.ts";
import { NATS, natsAnswers, uniqueCluster } from "./hosts.ts";
import { NatsProxy } from "./proxy.ts";

const ignore = !natsAnswers;

Deno.test({
  name: "a host that joins knows the hosts already in the cluster once its join resolves",
  ignore,
  async fn() {
    const nc = await connect({ servers: NATS });
    const cluster = uniqueCluster();
    const join = (host: string, workers: number) =>
      Membership.join(nc, { cluster, host, workers, services: ["svc-" + host] });
    const a = await join("a", 2);
    const b = await join("b", 1);
    try {
      // At once, as a request sent right after the start would find them.
      assert.deepEqual(b.hosts().map((record) => record.host).sort(), ["a", "b"]);
      assert.equal(b.hostOf(0), "a");
      assert.equal(b.hostOf("svc-a"), "a");
    } finally {
      await b.leave();
      await a.leave();
      await nc.close();
    }
  },
});

Deno.test({
  name:
    "a host leaving as another joins and takes its worker id: no false claim, the new one known",
  ignore,
  async fn() {
    const nc = await connect({ servers: NATS });
    const cluster = uniqueCluster();
    const reports: Error[] = [];
    const join = (host: string, workers: number, options: Partial<MembershipOptions> = {}) =>
      Membership.join(nc, { cluster, host, workers, services: [], ...options });
    const a = await join("a", 1, { report: (error) => reports.push(error) });
    try {
      const b = await join("b", 20);
      await knows(a, "b");
      const dJoined = nextEvent<MembershipChange>(
        (listener) => a.onChange(listener),
        "a to hear d join",
        (change) => change.type === "joined" && change.host.host === "d",
      );
      const [, d] = await Promise.all([b.leave(), join("d", 1)]);
      try {
        await dJoined;
        assert.deepEqual(reports.map((error) => error.message), []);
        assert.equal(a.hostOf(d.self.workers[0]), "d");
      } finally {
        await d.leave();
      }
    } finally {
      await a.leave();
      await nc.close();
    }
  },
});

Deno.test({
  name:
    "a host that restarted while a watcher was away: the watcher drops the old one, takes the new",
  ignore,
  async fn() {
    const cluster = uniqueCluster();
    const proxy = new NatsProxy(Number(NATS.split(":")[1]));
    const na = await connect({
      servers: proxy.url,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 50,
    });
    const nc = await connect({ servers: NATS });
    const join = (nc: NatsConnection, host: string, workers: number) =>
      Membership.join(nc, { cluster, host, workers, services: [], hostTimeout: 10_000 });
    const a = await join(na, "a", 1);
    try {
      const first = await join(nc, "b", 1);
      await knows(a, "b");
      const changes: string[] = [];
      const newB = nextEvent<MembershipChange>(
        (listener) =>
          a.onChange((change) => {
            changes.push(`${change.type} ${change.host.workers}`);
            listener(change);
          }),
        "a to take the new b in",
        (change) => change.type === "joined",
      );
      proxy.hold();
      proxy.cut();
      await first.leave();
      const second = await join(nc, "b", 3);
      try {
        proxy.release();
        await newB;
        assert.deepEqual(changes, ["left 1", "joined 1,2,3"]);
        for (const id of [1, 2, 3]) assert.equal(a.hostOf(id), "b", `worker ${id}`);
      } finally {
        await second.leave();
      }
    } finally {
      await a.leave();
      await na.close();
      await nc.close();
      await proxy.close();
    }
  },
});

/** Resolves once `membership` knows `host`. */
async function knows(membership: Membership, host: string): Promise<void> {
  if (membership.hosts().some((record) => record.host === host)) return;
  await nextEvent<MembershipChange>(
    (listener) => membership.onChange(listener),
    `host ${host} to be known`,
    (change) => change.type === "joined" && change.host.host === host,
  );
}
