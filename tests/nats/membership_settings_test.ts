/**
 * The settings every host of a cluster must share, and what a broker
 * refuses at once. Found by a review: a host whose beats differed from the
 * first host's got that host's key lifetime, silently, and flapped out and
 * in; a timeout of one beat was taken; a bucket that could not be made
 * failed with the client's raw error, its cause lost.
 */

import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { SwitchboardError } from "../../mod.ts";
import { natsBroker, type NatsBrokerOptions } from "../../nats.ts";
import { Membership } from "../../src/nats/membership.ts";
import { NATS, natsAnswers, NatsServer, uniqueCluster } from "./hosts.ts";

const ignore = !natsAnswers;

Deno.test({
  name: "a host whose beats differ from the cluster's is refused, saying which",
  ignore,
  async fn() {
    const nc = await connect({ servers: NATS });
    const cluster = uniqueCluster();
    const a = await Membership.join(nc, { cluster, host: "a", workers: 1, services: [] });
    try {
      await assert.rejects(
        Membership.join(nc, {
          cluster,
          host: "b",
          workers: 1,
          services: [],
          heartbeat: 4_000,
          hostTimeout: 10_000,
        }),
        (error) => {
          assert.ok(error instanceof SwitchboardError, String(error));
          assert.equal(
            error.message,
            `Cannot join cluster "${cluster}": its hosts keep their keys 3500 ms (hostTimeout + heartbeat) in 1 copies (replicas), where this host would keep them 14000 ms in 1: every host of a cluster sets the same heartbeat, hostTimeout and replicas`,
          );
          return true;
        },
      );
      assert.deepEqual(a.hosts().map((record) => record.host), ["a"]);
    } finally {
      await a.leave();
      await nc.close();
    }
  },
});

Deno.test("natsBroker() refuses beats that would drop live hosts", () => {
  const base = { servers: NATS, cluster: "c" };
  assert.throws(
    () => natsBroker({ ...base, heartbeat: 1_000, hostTimeout: 1_000 }),
    new TypeError('natsBroker(): "hostTimeout" (1000) must be at least two heartbeats (2000 ms)'),
  );
  for (const bad of [0, -5, NaN, Infinity, 2 ** 31]) {
    assert.throws(() => natsBroker({ ...base, heartbeat: bad }), TypeError, String(bad));
  }
  assert.throws(
    () => natsBroker({ ...base, hostTimeout: "3000" as unknown as number }),
    new TypeError(
      'natsBroker(): "hostTimeout" must be a number of ms over 0 and at most 2147483647, got "3000"',
    ),
  );
  natsBroker({ ...base, heartbeat: 500, hostTimeout: 1_000 });
});

Deno.test("natsBroker() needs its servers and the cluster's name: NATS's default server, or one unnamed cluster, would be a guess", () => {
  const untyped = (options: object) => () => natsBroker(options as NatsBrokerOptions);
  for (const servers of [undefined, "", [], [NATS, ""], 4222]) {
    assert.throws(
      untyped({ servers, cluster: "c" }),
      new TypeError(
        `natsBroker(): "servers" must name the NATS servers ("10.0.0.5:4222", or a list), got ${
          JSON.stringify(servers)
        }`,
      ),
    );
  }
  assert.throws(
    untyped({ servers: NATS }),
    new TypeError(`natsBroker(): "cluster" is needed: the name the cluster's hosts share`),
  );
  natsBroker({ servers: [NATS], cluster: "c" });
});

Deno.test({
  name:
    "a membership bucket that cannot be made fails the join with a SwitchboardError and its cause",
  ignore,
  async fn() {
    // One server, no NATS cluster: three copies cannot be kept.
    const server = await NatsServer.start();
    try {
      const broker = natsBroker({ servers: server.url, cluster: uniqueCluster(), replicas: 3 });
      const joining = broker.join({
        workers: 1,
        services: [],
        maxQueuedBytes: 1 << 20,
        report() {},
      });
      await assert.rejects(joining, (error) => {
        assert.ok(error instanceof SwitchboardError, String(error));
        assert.match(
          error.message,
          /^Cannot join cluster "t\w+": its membership bucket could not be used \(.*replicas/,
        );
        assert.ok(error.cause instanceof Error);
        return true;
      });
    } finally {
      await server.stop();
    }
  },
});
