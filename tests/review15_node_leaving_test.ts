/**
 * Review 15: trial 18 made a Deno child whose own code calls
 * `peer.close()` exit (`stopTimeout` after the close at the latest), to be
 * restarted: a server or a timer it ran kept it alive outside the cluster,
 * listed ready and never replaced. The Node reference peer's `close()`
 * still leaves its process running so: a request to the service then
 * waits for a new process that never comes.
 */

import assert from "node:assert/strict";
import { Cluster } from "../mod.ts";
import { event } from "./helpers.ts";

const LEAVER = new URL("./fixtures/review15_node_leaver.mjs", import.meta.url).pathname;

Deno.test("a Node service that closes its peer while its process has more to run is replaced", async () => {
  await using cluster = await Cluster.start({
    workers: 0,
    processes: { node: { command: ["node", LEAVER] } },
    stopTimeout: 1_000,
  });
  const first = await cluster.request("pidRequest", undefined, { to: "node" });
  const ready = event(cluster, "ready", "node");
  assert.equal(cluster.getProcess("node").send("leave", null), true);
  await ready;
  const next = await cluster.request("pidRequest", undefined, { to: "node", timeout: 5_000 });
  assert.notEqual(next, first, "the service is a new process");
});
