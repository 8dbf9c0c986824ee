/**
 * A request to a process of a host that left fails as not connected, its
 * host gone (e48f5e9, tests/nats/left_host_requests_test.ts), from a
 * manager and a Deno worker; the Node reference peer, a service of the
 * host that stays, said 'no such process', the words for an address that
 * never was.
 */

import assert from "node:assert/strict";
import { managerOf } from "../../mod.ts";
import { remote, waitFor } from "../helpers.ts";
import { event, joinHere, knowsWorkers, natsAnswers, uniqueCluster, workersOf } from "./hosts.ts";

const NODE_SERVICE = new URL("../fixtures/node_service.mjs", import.meta.url).pathname;

Deno.test({
  name: "the Node peer's request to a process of a host that left fails as not connected",
  ignore: !natsAnswers,
  async fn() {
    const cluster = uniqueCluster();
    await using b = await joinHere(cluster, "b", { workers: 1 });
    await using a = await joinHere(cluster, "a", {
      workers: 1,
      processes: { node: { command: ["node", NODE_SERVICE] } },
    });
    await knowsWorkers(a, 2);
    const [onB] = workersOf(b);
    const left = event(a, "hostLeft", managerOf("b"));
    await waitFor(b.stop(), "host b to stop");
    await waitFor(left, "a to see b leave");

    const gone = "it is not connected (its host left the cluster)";
    for (
      const [to, name] of [[onB, `worker ${onB}`], [managerOf("b"), 'the manager of host "b"']]
    ) {
      // The Node service heard of it before the hostLeft event, on the connection this comes by.
      assert.deepEqual(await remote(a, "node", { op: "request", action: "echoRequest", to }), {
        error: {
          name: "UnreachableError",
          message: `Request "echoRequest" to ${name} failed: ${gone}`,
          action: "echoRequest",
          peer: to,
        },
      });
    }
    // An address that never was in the cluster has no such process.
    const never = await remote(a, "node", { op: "request", action: "echoRequest", to: 9 }) as {
      error: { message: string };
    };
    assert.match(never.error.message, /failed: no such process/);
  },
});
