/**
 * Hosts of another version of Switchboard in one cluster: each host's
 * membership record carries its wire format (`WIRE_FORMAT`), and a host
 * that finds, as it joins, hosts of another format is refused, naming
 * them; one already in takes in no host of another, and reports it once.
 * Before, nothing said so: a host of the previous version joined, every
 * message from it failed as "not an envelope", windows filled and sends
 * were refused, far from the cause.
 */

import assert from "node:assert/strict";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { type KV, Kvm } from "@nats-io/kv";
import type { MembershipChange } from "../../src/broker.ts";
import { WIRE_FORMAT } from "../../src/nats/envelope.ts";
import { Membership, type MembershipOptions } from "../../src/nats/membership.ts";
import { HOST, recordValue } from "../../src/nats/membership_keys.ts";
import { nextEvent } from "../helpers.ts";
import { joinHere, NATS, natsAnswers, uniqueCluster } from "./hosts.ts";

const ignore = !natsAnswers;
const OTHER = WIRE_FORMAT + 1;
const SAME_VERSION =
  "hosts of one cluster run the same version of Switchboard (see README, Across hosts)";

/** A record as the versions before wire format numbers wrote it. */
function earlierRecord(host: string, workers: number[], process: string): string {
  return JSON.stringify({ host, workers, services: [], ready: true, process });
}

/** A cluster of its own, on a connection of its own, with its membership bucket's keys at hand. */
async function cluster(): Promise<
  {
    name: string;
    nc: NatsConnection;
    join(host: string, options?: Partial<MembershipOptions>): Promise<Membership>;
    kv(): Promise<KV>;
  } & AsyncDisposable
> {
  const nc = await connect({ servers: NATS });
  const name = uniqueCluster();
  return {
    name,
    nc,
    join: (host, options = {}) =>
      Membership.join(nc, { cluster: name, host, workers: 1, services: [], ...options }),
    kv: () => new Kvm(nc).open(`switchboard_${name}`),
    [Symbol.asyncDispose]: () => nc.close(),
  };
}

/** Resolves once `membership` hears `host` join: what its watch read before has been read. */
function heardJoin(membership: Membership, host: string): Promise<MembershipChange> {
  return nextEvent<MembershipChange>(
    (listener) => membership.onChange(listener),
    `host "${host}" to be heard joining`,
    (change) => change.type === "joined" && change.host.host === host,
  );
}

Deno.test({
  name: "a host joining a cluster whose hosts run another wire format is refused, naming them",
  ignore,
  async fn() {
    await using c = await cluster();
    const aReports: Error[] = [];
    const changes: MembershipChange[] = [];
    const a = await c.join("a", { wire: OTHER, report: (error) => aReports.push(error) });
    a.onChange((change) => changes.push(change));
    try {
      await assert.rejects(c.join("b"), {
        name: "SwitchboardError",
        message: `Cannot join cluster "${c.name}": host "a" runs wire format ${OTHER}, ` +
          `this host wire format ${WIRE_FORMAT}: ${SAME_VERSION}`,
      });
      // It left: its keys are gone, and host a never took it in.
      const kv = await c.kv();
      assert.notEqual((await kv.get(`${HOST}b`))?.operation, "PUT");
      const dJoined = heardJoin(a, "d");
      const d = await c.join("d", { wire: OTHER });
      try {
        await dJoined;
        assert.deepEqual(changes.map((change) => change.host.host), ["d"]);
        assert.deepEqual(a.hosts().map((record) => record.host).sort(), ["a", "d"]);
      } finally {
        await d.leave();
      }
    } finally {
      await a.leave();
    }
  },
});

Deno.test({
  name:
    "a host joining a cluster with a host of a version from before wire format numbers is refused",
  ignore,
  async fn() {
    await using c = await cluster();
    // The bucket made as a host would; the earlier host's record written by hand.
    const a = await c.join("a");
    try {
      const kv = await c.kv();
      await kv.put(`${HOST}old`, earlierRecord("old", [7], "p-old"));
      await assert.rejects(c.join("b"), {
        name: "SwitchboardError",
        message: `Cannot join cluster "${c.name}": host "old" runs a version from before ` +
          `wire formats had numbers, this host wire format ${WIRE_FORMAT}: ${SAME_VERSION}`,
      });
    } finally {
      await a.leave();
    }
  },
});

Deno.test({
  name: "Cluster.start() is refused, naming each host in the cluster that runs another version",
  ignore,
  async fn() {
    await using c = await cluster();
    const a = await c.join("a", { wire: OTHER });
    try {
      const kv = await c.kv();
      await kv.put(`${HOST}old`, earlierRecord("old", [7], "p-old"));
      await assert.rejects(joinHere(c.name, "b"), {
        name: "SwitchboardError",
        message: `Cannot join cluster "${c.name}": host "a" runs wire format ${OTHER}, ` +
          `host "old" runs a version from before wire formats had numbers, ` +
          `this host wire format ${WIRE_FORMAT}: ${SAME_VERSION}`,
      });
    } finally {
      await a.leave();
    }
  },
});

Deno.test({
  name:
    "a host in the cluster takes in no host of another wire format, and reports each process of one once",
  ignore,
  async fn() {
    await using c = await cluster();
    const reports: Error[] = [];
    const a = await c.join("a", { report: (error) => reports.push(error) });
    const changes: MembershipChange[] = [];
    a.onChange((change) => changes.push(change));
    try {
      const dJoined = heardJoin(a, "d");
      const d = await c.join("d");
      await dJoined;
      const kv = await c.kv();
      // Refreshed, as its host would every heartbeat; then under a new process.
      const c1 = recordValue({ host: "c", workers: [5], services: [] }, "p1", OTHER);
      for (let i = 0; i < 3; i++) await kv.put(`${HOST}c`, c1);
      await kv.put(`${HOST}old`, earlierRecord("old", [6], "p-old"));
      await kv.put(`${HOST}old`, earlierRecord("old", [6], "p-old"));
      await kv.put(`${HOST}c`, recordValue({ host: "c", workers: [5], services: [] }, "p2", OTHER));
      // Host d leaves after: once a hears it, a has read all the above.
      const dLeft = nextEvent<MembershipChange>(
        (listener) => a.onChange(listener),
        "host d to be heard leaving",
        (change) => change.type === "left",
      );
      await d.leave();
      await dLeft;
      assert.deepEqual(changes.map((change) => [change.type, change.host.host]), [
        ["joined", "d"],
        ["left", "d"],
      ]);
      assert.deepEqual(a.hosts().map((record) => record.host), ["a"]);
      assert.equal(a.hostOf(5), undefined);
      const tail = `: not taken in, and nothing is sent to it; ${SAME_VERSION}`;
      const cReport =
        `Host "c" runs wire format ${OTHER}, this host wire format ${WIRE_FORMAT}${tail}`;
      assert.deepEqual(reports.map((error) => error.message), [
        cReport,
        `Host "old" runs a version from before wire formats had numbers, this host wire format ${WIRE_FORMAT}${tail}`,
        cReport,
      ]);
    } finally {
      await a.leave();
    }
  },
});

Deno.test("a record of this version reads, to a host of a version before wire format numbers, as one still claiming", () => {
  // That version's test of a record ready to be taken in, verbatim.
  const value = JSON.parse(recordValue({ host: "a", workers: [0], services: [] }, "p"));
  assert.notEqual(value.ready, true);
  assert.equal(value.wire, WIRE_FORMAT);
});
