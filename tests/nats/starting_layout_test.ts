/**
 * A child that starts while hosts come or go learns the cluster as it is
 * once it joins: its bootstrap carried the layout of its spawn, and it was
 * not connected to hear of the change, so its manager tells it the layout
 * at its `$ready` if it changed.
 */

import assert from "node:assert/strict";
import { fileAppears, serviceIn, waitFor } from "../helpers.ts";
import { event, joinHere, natsAnswers, startHost, uniqueCluster } from "./hosts.ts";

const ignore = !natsAnswers;

Deno.test({
  name: "a child that starts while a host joins knows of the host once it is ready",
  ignore,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "switchboard-test-gate-" });
    try {
      const cluster = uniqueCluster();
      await using a = await joinHere(cluster, "a", {
        workers: 1,
        processes: { gated: serviceIn(dir, "gated_service.ts") },
      });
      using watcher = Deno.watchFs(dir);
      const reloaded = a.reload("gated");
      // Its new process has its bootstrap, and joins only on "open".
      await fileAppears(watcher, "waiting");
      const joined = event(a, "hostJoined", "manager@c");
      await using c = startHost({ cluster, host: "c", workers: 2 });
      await joined;
      await Deno.writeTextFile(`${dir}/open`, "");
      await waitFor(reloaded, "the reload");
      assert.equal(await a.request("workerCountRequest", null, { to: "gated" }), 3);
      await c.ready();
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
