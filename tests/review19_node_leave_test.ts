/**
 * Review 19: README "Waiting for a replacement": a Deno child whose own
 * code calls `peer.close()` (it will exit, and be restarted) says it is
 * leaving first (`$leaving` to each peer connected, and it refuses new
 * requests), so that their requests wait for its next process rather than
 * fail as not connected between its close and its exit. The Node
 * reference peer's `close()` said nothing: between its close and its exit
 * (`stopTimeout` later, with a timer running), a request to it failed at
 * once, "it is not connected".
 */

import assert from "node:assert/strict";
import { Cluster } from "../mod.ts";
import { fileAppears, remote, waitFor, WORKER } from "./helpers.ts";

const CLOSER = new URL("./fixtures/review19_node_closer.mjs", import.meta.url).pathname;

Deno.test("a Node service that closes its peer tells its peers, whose requests then wait for its next process", async () => {
  const dir = await Deno.makeTempDir({ prefix: "switchboard-test-closer-" });
  try {
    await using cluster = await Cluster.start({
      worker: WORKER,
      workers: 1,
      processes: { node: { command: ["node", CLOSER, dir] } },
      stopTimeout: 2_000,
    });
    const ask = (from: number | "manager") =>
      from === "manager"
        ? cluster.request("echoRequest", "x", { to: "node", timeout: 10_000 })
          .then((ok) => ({ ok }), (error) => ({ error: String(error) }))
        : remote(cluster, from, {
          op: "request",
          action: "echoRequest",
          data: "x",
          to: "node",
          timeout: 10_000,
        });
    // Worker 0 and the manager are connected to it.
    const first = (await ask(0)) as { ok: { by: number } };
    assert.equal(first.ok.by, cluster.pid("node"));
    using watcher = Deno.watchFs(dir);
    assert.equal(cluster.sendMessage("leave", null, "node"), 1);
    await fileAppears(watcher, "closed");
    // Closed; its process exits stopTimeout later, and is restarted then.
    const [fromWorker, fromManager] = await waitFor(
      Promise.all([ask(0), ask("manager")]),
      "the requests made after the close",
    ) as [{ ok?: { by: number } }, { ok?: { by: number } }];
    assert.ok(fromWorker.ok, JSON.stringify(fromWorker));
    assert.notEqual(fromWorker.ok.by, first.ok.by, "answered by its next process");
    assert.ok(fromManager.ok, JSON.stringify(fromManager));
    assert.notEqual(fromManager.ok.by, first.ok.by, "answered by its next process");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
