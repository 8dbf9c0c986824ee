/**
 * Trial 18: README, Waiting for a replacement: "A Deno child whose own code
 * calls `peer.close()` (it will exit, and be restarted) says it is leaving
 * first". A child that closes its peer while something else keeps its
 * process alive (an HTTP server, a timer: a worker recycling itself) does
 * not exit, and is never replaced: the manager lists it as ready, a
 * message to it counts 0, and every request to it waits its whole timeout
 * for a new process that never comes; its server keeps serving, outside
 * the cluster.
 */

import assert from "node:assert/strict";
import { Cluster } from "../mod.ts";
import { event } from "./helpers.ts";

const LEAVING = new URL("./fixtures/trial18_leaving_worker.ts", import.meta.url);

Deno.test("a worker that closes its peer while its process has more to run is replaced", async () => {
  // It exits stopTimeout after its close: what follows the close has that long.
  await using cluster = await Cluster.start({ worker: LEAVING, workers: 1, stopTimeout: 1_000 });
  const first = await cluster.request("pidRequest", undefined, { to: 0 });
  const ready = event(cluster, "ready", 0);
  assert.equal(cluster.sendMessage("leave", null, 0), 1);
  await ready;
  const next = await cluster.request("pidRequest", undefined, { to: 0, timeout: 5_000 });
  assert.notEqual(next, first, "worker 0 is a new process");
});
