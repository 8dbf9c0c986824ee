/**
 * Trial 17: README, Supervision: "A child that exits when not asked to
 * (any exit code, any signal) is restarted with the same address after a
 * back-off of 100 ms, doubled for each further restart of that child
 * within `period`". A child that exits with code 0 was restarted after the
 * first back-off every time: one that keeps exiting cleanly once it is
 * ready (a one-shot script, a worker that ends itself on a condition that
 * holds again at once) was respawned about six times a second for ever,
 * with no back-off, report or end.
 *
 * Review 14: a child that recycles itself, exiting with code 0 after it
 * served a while (to shed leaked memory, say), is no such child: it waits
 * the first back-off, not one that doubled with each recycle.
 */

import assert from "node:assert/strict";
import { Cluster, type LifecycleEvent } from "../mod.ts";
import { nextEvent } from "./helpers.ts";

const QUITTER = new URL("./fixtures/clean_quitting_service.ts", import.meta.url);

/**
 * Tells the quitter to exit cleanly `times` times, each once `serve`
 * resolves, and returns how long each exit waited for its restart.
 */
async function restartDelays(
  cluster: Cluster,
  times: number,
  serve: () => Promise<void> = () => Promise.resolve(),
): Promise<number[]> {
  const delays: number[] = [];
  for (let i = 0; i < times; i++) {
    const on = (type: LifecycleEvent["type"]) =>
      nextEvent<LifecycleEvent>(
        (listener) => cluster.onLifecycle(listener),
        `quitter's ${type} event`,
        (event) => event.type === type && event.address === "quitter",
      );
    await serve();
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
  return delays;
}

const shown = (delays: number[]) => delays.map((ms) => `${Math.round(ms)} ms`).join(", ");

Deno.test("a child that keeps exiting cleanly is restarted after a back-off that doubles", async () => {
  await using cluster = await Cluster.start({
    workers: 0,
    processes: { quitter: QUITTER },
    restart: { backoff: 100, maxBackoff: 5_000 },
  });
  const delays = await restartDelays(cluster, 4);
  // Timers never fire early: the fourth waits 800 ms at least if it doubles.
  assert.ok(delays[3] >= 700, `restarted ${shown(delays)} after each clean exit`);
});

Deno.test("a child that recycles itself after serving a while is restarted after the first back-off each time", async () => {
  // How long the child serves before it recycles itself: `maxBackoff` and more.
  const life = 1_000;
  await using cluster = await Cluster.start({
    workers: 0,
    processes: { quitter: QUITTER },
    restart: { backoff: 50, maxBackoff: life },
  });
  // Time is the subject here: the child serves `life` ms, then recycles.
  const delays = await restartDelays(
    cluster,
    5,
    () => new Promise((resolve) => setTimeout(resolve, life)),
  );
  // Doubling, the fifth waits 800 ms at least (timers never fire early);
  // after the first back-off, 50 ms and what the events take: the bound is
  // the doubling's least, so that a loaded machine cannot fail it.
  assert.ok(delays[4] < 800, `restarted ${shown(delays)} after each recycle`);
});
