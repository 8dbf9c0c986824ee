/**
 * A request to a process of a host that has left (stopped, or found dead)
 * failed "no such process (the cluster has worker 1, the manager)": a
 * message for an address that never was, which sent an ops engineer
 * looking for a typo; README promised "it is not connected" for a request
 * to that host's manager. It now says the process is not connected, as its
 * host left the cluster; an address that never was still has no such
 * process. Found by trial 21 (a host stopped and started again under
 * steady requests from another).
 */

import assert from "node:assert/strict";
import { managerOf, UnreachableError } from "../../mod.ts";
import { remote, waitFor } from "../helpers.ts";
import { event, joinHere, knowsWorkers, natsAnswers, uniqueCluster, workersOf } from "./hosts.ts";

Deno.test({
  name: "a request to a process of a host that left fails as not connected, its host gone, " +
    "from a manager and from a worker",
  ignore: !natsAnswers,
  async fn() {
    const cluster = uniqueCluster();
    await using b = await joinHere(cluster, "b", { workers: 1 });
    await using a = await joinHere(cluster, "a", { workers: 1 });
    await knowsWorkers(a, 2);
    const [onB] = workersOf(b);
    const [onA] = workersOf(a);
    const left = event(a, "hostLeft", managerOf("b"));
    await waitFor(b.stop(), "host b to stop");
    await waitFor(left, "a to see b leave");

    const gone = "it is not connected (its host left the cluster)";
    for (
      const [to, name] of [[onB, `worker ${onB}`], [managerOf("b"), 'the manager of host "b"']]
    ) {
      await assert.rejects(
        a.request("echoRequest", null, { to }),
        (error: Error) =>
          error instanceof UnreachableError &&
          error.message === `Request "echoRequest" to ${name} failed: ${gone}`,
      );
      // A worker heard of it before the hostLeft event, on the connection this comes by.
      assert.deepEqual(await remote(a, onA, { op: "request", action: "echoRequest", to }), {
        error: {
          name: "UnreachableError",
          message: `Request "echoRequest" to ${name} failed: ${gone}`,
        },
      });
    }
    // An address that never was in the cluster has no such process.
    await assert.rejects(
      a.request("echoRequest", null, { to: 9 }),
      (error: Error) => /failed: no such process \(the cluster has worker /.test(error.message),
    );
  },
});
