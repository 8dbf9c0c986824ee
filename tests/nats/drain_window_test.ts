/**
 * `drain()` to another host whose window is full: it resolved at once
 * when the window was at or below `highWaterMark` (a `window` of 256 KiB,
 * say, with the 1 MiB default), so a sender that caught `QueueFullError`
 * ("… await drain() first") and sent again was refused again, in a loop
 * that never let the event loop run: no confirmation could come in, and
 * its host's heartbeat stopped (found by trial 21, an ops engineer who
 * lowered the window to bound memory: host b was dropped from the
 * cluster). It now waits until the largest message fits again.
 */

import assert from "node:assert/strict";
import { QueueFullError } from "../../mod.ts";
import { waitFor } from "../helpers.ts";
import { joinHere, knowsWorkers, natsAnswers, startHost, uniqueCluster } from "./hosts.ts";

Deno.test({
  name: "after QueueFullError to another host, drain() waits until the message fits its window",
  ignore: !natsAnswers,
  async fn() {
    const cluster = uniqueCluster();
    await using b = startHost({ cluster, host: "b", workers: 1 });
    await b.ready();
    // Worker 0 is on host b.
    await using a = await joinHere(cluster, "a", { workers: 0, window: 256 * 1024 });
    await knowsWorkers(a, 1);
    await a.request("echoRequest", null, { to: 0 });
    // Paused, b confirms nothing: the window fills.
    b.process.kill("SIGSTOP");
    let resumed = false;
    try {
      const data = { n: 0, pad: "x".repeat(1_000) };
      let full: unknown;
      for (; full === undefined; data.n++) {
        try {
          a.sendMessage("tick", data, 0);
        } catch (error) {
          full = error;
        }
      }
      assert.ok(full instanceof QueueFullError, String(full));
      data.n--;
      const drained = a.drain(0);
      b.process.kill("SIGCONT");
      resumed = true;
      await waitFor(drained, "the window to host b to drain");
      assert.equal(a.sendMessage("tick", data, 0), 1, "sent once drain() resolved");
    } finally {
      if (!resumed) b.process.kill("SIGCONT");
    }
    // Everything sent came, in order.
    const ticks = await a.request("ticksRequest", null, { to: 0 }) as number[];
    assert.ok(ticks.length > 200);
    assert.deepEqual(ticks, Array.from({ length: ticks.length }, (_, n) => n));
  },
});
