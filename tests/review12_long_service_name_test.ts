/**
 * Review 12: a service whose name is over 255 bytes as JSON (the most an
 * address may have in a broker envelope or a relay frame) was taken by
 * `Cluster.start()` with a broker: its host joined, listed it, and every
 * message and request to it from another host, and from it to another
 * host, threw a bare `RangeError` ("Address sss… is over 255 bytes", no
 * action, no `SwitchboardError`); its manager's word that it ended never
 * left (the same error, on its `onError`). Such a name is refused as the
 * cluster starts, naming the service; one at the limit crosses hosts.
 */

import assert from "node:assert/strict";
import { Cluster } from "../mod.ts";
import { remote, waitFor } from "./helpers.ts";
import {
  HOST_WORKER,
  joinHere,
  knowsWorkers,
  natsAnswers,
  startHost,
  uniqueCluster,
} from "./nats/hosts.ts";

const ignore = !natsAnswers;

Deno.test({
  name: "a service named over 255 bytes as JSON cannot start on a broker, naming it",
  ignore,
  async fn() {
    const long = "s".repeat(254);
    const started = await joinHere(uniqueCluster(), "a", {
      workers: 1,
      processes: { [long]: HOST_WORKER },
    }).then((cluster) => cluster, (error: Error) => error);
    if (started instanceof Cluster) {
      // Before: it started, and its service could not be reached from another host.
      await started.stop();
      assert.fail(`service "${long}" started on a broker`);
    }
    assert.ok(started instanceof TypeError, String(started));
    assert.equal(
      started.message,
      `Service "${long}" cannot run in a cluster that spans hosts: its name is 256 bytes as JSON, over the 255 an address may have between hosts`,
    );
  },
});

Deno.test({
  name: "a service named 255 bytes as JSON is reached from another host, and reaches it",
  ignore,
  async fn() {
    const cluster = uniqueCluster();
    const name = "s".repeat(253);
    await using b = startHost({ cluster, host: "b", workers: 1, services: [name] });
    await b.ready();
    await using a = await joinHere(cluster, "a", { workers: 1 });
    await knowsWorkers(a, 2);
    assert.deepEqual(
      await waitFor(a.request("echoRequest", 1, { to: name }), "the service's answer"),
      { data: 1, by: name, from: "manager@a" },
    );
    assert.deepEqual(
      await waitFor(
        remote(a, name, { op: "request", action: "echoRequest", data: 2, to: 1 }),
        "its request's outcome",
      ),
      { ok: { data: 2, by: 1, from: name } },
    );
  },
});
