/**
 * Review 16: README "Protocol": `$cancel` "the requester gave up on its
 * request `messageId` to this process (its `signal` aborted): the
 * handler's signal aborts"; Switchboard keeps a `$cancel` for a request
 * nobody watches yet aside (src/incoming.ts), so that its handler still
 * sees it. The Node reference peer holds what comes before its go-ahead,
 * but acts on a `$cancel` at once: one for a request it holds finds
 * nothing open and is lost, and the handler runs later with a signal that
 * never aborts (for a streamed request, which carries no timeout, not
 * even at a timeout). README does not list this among what it leaves out;
 * a Deno service run the same way (`connect({ ready: false })`, the same
 * gate) sees its signal aborted.
 */

import assert from "node:assert/strict";
import { Cluster } from "../mod.ts";
import { event, fileAppears, nextMessage, remote, waitFor, WORKER } from "./helpers.ts";

const SERVICE = new URL("./fixtures/review16_gated_node_service.mjs", import.meta.url).pathname;

Deno.test("a $cancel for a request the Node peer holds before its go-ahead aborts the handler's signal", async () => {
  const dir = await Deno.makeTempDir({ prefix: "switchboard-test-gate-" });
  try {
    await using cluster = await Cluster.start({
      worker: WORKER,
      workers: 1,
      processes: { node: { command: ["node", SERVICE, dir] } },
    });
    using watcher = Deno.watchFs(dir);
    // Its next process joins, and holds what comes until "open".
    const restarted = event(cluster, "restart", "node");
    Deno.kill(cluster.pid("node")!, "SIGKILL");
    await restarted;
    await fileAppears(watcher, "waiting");
    // Worker 0 asks it, and gives up: the request, then its `$cancel`.
    const gaveUp = await waitFor(
      remote(cluster, 0, { op: "requestThenAbort", action: "watchRequest", to: "node", after: 50 }),
      "worker 0's request, given up",
    );
    assert.deepEqual(gaveUp, { ok: "enough" });
    // Behind the `$cancel` on the same connection: the handler reports once it comes.
    assert.equal(
      await remote(cluster, 0, { op: "send", action: "note", to: "node" }).then(
        (outcome) => JSON.stringify(outcome),
      ),
      JSON.stringify({ ok: 1 }),
    );
    const saw = nextMessage(cluster, "sawSignal");
    const ready = event(cluster, "ready", "node");
    await Deno.writeTextFile(`${dir}/open`, "");
    await ready;
    assert.deepEqual((await saw).data, { aborted: true });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
