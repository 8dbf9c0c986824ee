/**
 * A host that stops while the cluster goes on loses nothing in silence:
 * what its children took is answered before they exit, and what comes for
 * them once they are told to exit is refused where its sender sees it.
 */

import assert from "node:assert/strict";
import { waitFor } from "../helpers.ts";
import { joinHere, knowsWorkers, natsAnswers, startHost, uniqueCluster } from "./hosts.ts";

const ignore = !natsAnswers;

Deno.test({
  name:
    "as a host stops, a request its worker took after its stop work is answered before it exits",
  ignore,
  async fn() {
    const cluster = uniqueCluster();
    await using b = startHost({ cluster, host: "b", workers: 2 });
    await b.ready();
    await using a = await joinHere(cluster, "a", { workers: 0 });
    await knowsWorkers(a, 2);
    // Worker 1 holds a request, so host b's children are not told to exit until it is released.
    const held = a.request("holdRequest", null, { to: 1, timeout: 20_000 });
    await a.request("echoRequest", null, { to: 1 });
    b.process.kill("SIGTERM");
    await b.next("stopping", (by) => by === 0);
    // Taken after worker 0's stop work, and still running when it is told to exit.
    const slow = a.request("slowRequest", { ms: 1000 }, { to: 0, timeout: 20_000 });
    a.sendMessage("release", null, 1);
    assert.equal(await waitFor(held, "worker 1's answer"), "released");
    assert.deepEqual(await waitFor(slow, "worker 0's answer"), { by: 0 });
    await b.finished();
  },
});
