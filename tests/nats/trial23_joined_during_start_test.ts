/**
 * A host that joins while another still starts is heard of once that
 * start resolves: the starting host's manager, whose code registers its
 * lifecycle listener right after `await Cluster.start()`, hears its
 * `hostJoined`, as its children do. Found by a new user, whose manager
 * heard `hostLeft` of a host it had never heard join.
 */

import assert from "node:assert/strict";
import { Cluster, type LifecycleEvent } from "../../mod.ts";
import { natsBroker } from "../../nats.ts";
import type { BrokerLink, MembershipChange } from "../../src/broker.ts";
import { nextEvent, waitFor } from "../helpers.ts";
import { joinHere, NATS, natsAnswers, uniqueCluster } from "./hosts.ts";

const GATED = new URL("../fixtures/gated_start_worker.ts", import.meta.url);

Deno.test({
  name:
    "a host that joined during this host's start: the manager's listener added once it resolved hears hostJoined",
  ignore: !natsAnswers,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "switchboard-test-" });
    const cluster = uniqueCluster();
    const nats = natsBroker({ servers: NATS, cluster, host: "a" });
    const joined = Promise.withResolvers<BrokerLink>();
    // Host a's worker 1 holds its start until `open` is in `dir`.
    const starting = Cluster.start({
      worker: GATED,
      workers: 2,
      args: [dir],
      permissions: { read: [dir] },
      startTimeout: 10_000,
      broker: {
        join: (request) => nats.join(request).then((link) => (joined.resolve(link), link)),
      },
    });
    try {
      const link = await waitFor(joined.promise, "host a to join");
      const heardB = nextEvent<MembershipChange>(
        (listener) => link.onChange(listener),
        "host a's link to hear host b join",
        (change) => change.host.host === "b",
      );
      await using b = await joinHere(cluster, "b", { workers: 1 });
      await heardB;
      // Host a's manager's code: the start awaited through a deadline, as a
      // careful manager may, its listener added a few promise turns after
      // the start resolved. Awaited before `open` is written, not after: the
      // start may resolve, and its early events be told, before the write's
      // own promise does (worker 1 is ready once the file exists; the
      // write's answer, under load, came later, and the listener after the
      // events, which a manager that awaited nothing else never sees).
      const manager = waitFor(starting, "host a's start").then((a) => ({
        a,
        hostJoined: nextEvent<LifecycleEvent>(
          (listener) => a.onLifecycle(listener),
          "host a's manager to hear hostJoined of b",
          (event) => event.type === "hostJoined",
        ),
      }));
      await Deno.writeTextFile(`${dir}/open`, "");
      const { a, hostJoined } = await manager;
      assert.deepEqual(await hostJoined, {
        type: "hostJoined",
        address: "manager@b",
        host: "b",
        workers: [2],
        services: [],
      });
      assert.equal(a.workerCount, 3);
      assert.equal(b.workerCount, 3);
    } finally {
      await Deno.writeTextFile(`${dir}/open`, "");
      await starting.then((a) => a.stop(), () => {});
      await Deno.remove(dir, { recursive: true });
    }
  },
});
