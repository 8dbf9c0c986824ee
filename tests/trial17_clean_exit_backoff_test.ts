/**
 * Trial 17: README, Supervision: "A child that exits when not asked to
 * (any exit code, any signal) is restarted with the same address after a
 * back-off of 100 ms, doubled for each further restart of that child
 * within `period`". A child that exits with code 0 is restarted after the
 * first back-off every time: one that keeps exiting cleanly once it is
 * ready (a one-shot script, a worker that ends itself on a condition that
 * holds again at once) is respawned about six times a second for ever,
 * with no back-off, report or end.
 */

import assert from "node:assert/strict";
import { Cluster, type LifecycleEvent } from "../mod.ts";
import { nextEvent } from "./helpers.ts";

const QUITTER = new URL("./fixtures/clean_quitting_service.ts", import.meta.url);

Deno.test("a child that keeps exiting cleanly is restarted after a back-off that doubles", async () => {
  await using cluster = await Cluster.start({
    workers: 0,
    processes: { quitter: QUITTER },
    restart: { backoff: 100, maxBackoff: 5_000 },
  });
  const delays: number[] = [];
  for (let i = 0; i < 4; i++) {
    const on = (type: LifecycleEvent["type"]) =>
      nextEvent<LifecycleEvent>(
        (listener) => cluster.onLifecycle(listener),
        `quitter's ${type} event`,
        (event) => event.type === type && event.address === "quitter",
      );
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
  // Timers never fire early: the fourth waits 800 ms at least if it doubles.
  assert.ok(
    delays[3] >= 700,
    `restarted ${delays.map((ms) => `${Math.round(ms)} ms`).join(", ")} after each clean exit`,
  );
});
