/**
 * Review 14: the clean-exit back-off (trial 17) doubles for every clean
 * exit within `period`, however long the child ran. A child that recycles
 * itself, exiting with code 0 after it served a while (to shed leaked
 * memory, say), was restarted after the first back-off each time; now it
 * waits up to `maxBackoff` (5 s by default) after every recycle once a
 * few fall in a minute: down for seconds each time, though nothing is
 * wrong with it. README Supervision means the back-off for a child that
 * "keeps exiting cleanly at once".
 */

import assert from "node:assert/strict";
import { Cluster, type LifecycleEvent } from "../mod.ts";
import { nextEvent } from "./helpers.ts";

const QUITTER = new URL("./fixtures/clean_quitting_service.ts", import.meta.url);
/** How long the child serves before it recycles itself: `maxBackoff` and more. */
const LIFE = 1_000;

Deno.test("a child that recycles itself after serving a while is restarted after the first back-off each time", async () => {
  await using cluster = await Cluster.start({
    workers: 0,
    processes: { quitter: QUITTER },
    restart: { backoff: 50, maxBackoff: LIFE },
  });
  const delays: number[] = [];
  for (let i = 0; i < 5; i++) {
    const on = (type: LifecycleEvent["type"]) =>
      nextEvent<LifecycleEvent>(
        (listener) => cluster.onLifecycle(listener),
        `quitter's ${type} event`,
        (event) => event.type === type && event.address === "quitter",
      );
    // Time is the subject here: the child serves LIFE ms, then recycles.
    await new Promise((resolve) => setTimeout(resolve, LIFE));
    const exited = on("exit");
    const restarted = exited.then(() => on("restart"));
    const ready = restarted.then(() => on("ready"));
    assert.equal(cluster.getProcess("quitter").send("quit", {}), true);
    await exited;
    const exitedAt = performance.now();
    await restarted;
    delays.push(performance.now() - exitedAt);
    await ready;
  }
  // Doubling, the fifth waits 800 ms at least (timers never fire early);
  // after the first back-off, 50 ms and what the events take: the bound is
  // the doubling's least, so that a loaded machine cannot fail it.
  assert.ok(
    delays[4] < 800,
    `restarted ${delays.map((ms) => `${Math.round(ms)} ms`).join(", ")} after each recycle`,
  );
});
