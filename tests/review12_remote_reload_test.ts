/**
 * Review 12: `cluster.reload(to)` of a worker or service that runs on
 * another host of the cluster was refused as "not a child of this
 * cluster", which it is: the caller was not told that it runs elsewhere,
 * nor where. It says which host runs it.
 */

import assert from "node:assert/strict";
import { joinHere, knowsWorkers, natsAnswers, startHost, uniqueCluster } from "./nats/hosts.ts";

Deno.test({
  name: "reload() of a process of another host is refused, naming the host that runs it",
  ignore: !natsAnswers,
  async fn() {
    const cluster = uniqueCluster();
    await using b = startHost({ cluster, host: "b", workers: 1, services: ["svc"] });
    await b.ready();
    await using a = await joinHere(cluster, "a", { workers: 1 });
    await knowsWorkers(a, 2);
    const pid = a.pid(1);
    await assert.rejects(
      a.reload(0),
      new TypeError(`Cannot reload worker 0: it runs on host "b", whose manager reloads it`),
    );
    await assert.rejects(
      a.reload([1, "svc"] as never),
      new TypeError(`Cannot reload service "svc": it runs on host "b", whose manager reloads it`),
    );
    // Nothing of a refused reload ran: worker 1, here, was not reloaded either.
    assert.equal(a.pid(1), pid);
    await assert.rejects(
      a.reload(7),
      new TypeError(`Cannot reload worker 7: not a child of this cluster`),
    );
  },
});
