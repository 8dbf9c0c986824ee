/**
 * What a host does for a process of another host (a streamed answer, a
 * handler's work) stops once that process ended, as on one host when its
 * connection closes: its host tells the others it ended, whether it was
 * reloaded (it closed gracefully) or crashed. Before, nothing told them:
 * the stream's handler ran on until it blocked for credit that never came,
 * and held its host's stop up for `stopTimeout`.
 */

import assert from "node:assert/strict";
import { managerOf } from "../../mod.ts";
import { remote, waitFor } from "../helpers.ts";
import { joinHere, knowsWorkers, natsAnswers, uniqueCluster, workersOf } from "./hosts.ts";

for (const how of ["reloaded", "crashed"] as const) {
  Deno.test({
    name: `a stream answered for a worker of another host stops once that worker ${how}`,
    ignore: !natsAnswers,
    async fn() {
      const cluster = uniqueCluster();
      // Its stop work waits for the stream it reads: cut short after this.
      await using edge = await joinHere(cluster, "edge", { workers: 1, stopTimeout: 500 });
      await using a = await joinHere(cluster, "a", { workers: 1 });
      await knowsWorkers(a, 2);
      const [onEdge] = workersOf(edge);
      const first = Promise.withResolvers<void>();
      const stopped = Promise.withResolvers<string>();
      a.handle("countStream", async function* (_data, msg) {
        msg.signal.addEventListener("abort", () => stopped.resolve(String(msg.signal.reason)));
        for (let i = 0; !msg.signal.aborted; i++) {
          yield { i };
          first.resolve();
        }
      });
      const reading = remote(edge, onEdge, {
        op: "consumeStream",
        to: managerOf("a"),
        count: Number.MAX_SAFE_INTEGER,
      }).catch((error: Error) => error);
      await waitFor(first.promise, "the stream to begin");
      if (how === "reloaded") await edge.reload([onEdge]);
      else edge.sendMessage("crash", null, onEdge);
      const reason = await waitFor(stopped.promise, "the stream's handler to stop");
      assert.match(reason, /The requester is gone/);
      await reading;
    },
  });
}
