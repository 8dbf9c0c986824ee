/** Rolling reload: one child at a time, nothing in flight lost, never a crash. */

import assert from "node:assert/strict";
import { ClosedError, type LifecycleEvent } from "../mod.ts";
import { isRunning, loadsThrough, nextEvent, Recorder, startCluster, waitFor } from "./helpers.ts";
import { ManagerRun } from "./manager_run.ts";

Deno.test("reload() replaces every worker one at a time; each old one runs its onStop first", async () => {
  await using cluster = await startCluster({ workers: 3, restart: { maxRestarts: 1 } });
  const before = [0, 1, 2].map((id) => cluster.pid(id)!);
  const goodbyes = new Recorder<{ by: number }>(cluster, "goodbye");
  const events: string[] = [];
  const downAtOnce: number[] = [];
  cluster.onLifecycle((event: LifecycleEvent) => {
    events.push(`${event.type} ${event.address}`);
    if (event.type === "reload") {
      const notReady = cluster.stats().children!.filter((child) => child.state !== "ready");
      downAtOnce.push(notReady.length);
    }
  });
  await waitFor(cluster.reload(), "the reload");
  assert.deepEqual(events, [
    "reload 0",
    "ready 0",
    "reload 1",
    "ready 1",
    "reload 2",
    "ready 2",
  ]);
  assert.deepEqual(downAtOnce, [0, 0, 0], "each reload starts with every child ready");
  const after = [0, 1, 2].map((id) => cluster.pid(id)!);
  for (const [i, pid] of before.entries()) {
    assert.notEqual(after[i], pid);
    assert.ok(!isRunning(pid));
  }
  assert.deepEqual(goodbyes.data.map((g) => g.by).sort(), [0, 1, 2], "their onStop ran");
  assert.deepEqual(
    cluster.stats().children!.map(({ state, restarts }) => ({ state, restarts })),
    [0, 1, 2, "logger"].map(() => ({ state: "ready", restarts: 0 })),
    "a reload is no restart, and the logger was left alone",
  );
  assert.equal(cluster.sendMessage("test", {}), 3, "every new worker is reachable");
});

Deno.test("a request in flight to a reloading worker is answered", async () => {
  await using cluster = await startCluster({ workers: 2 });
  const slow = cluster.request("slowRequest", { ms: 300 }, { to: 0 });
  const reloading = cluster.reload(0);
  assert.deepEqual(await slow, { by: 0 });
  await reloading;
});

Deno.test("a reload under steady requests to ANY, from the manager and a worker, fails none", async () => {
  // A stop work that waited out stopTimeout would fail the test's wait.
  await using cluster = await startCluster({ workers: 3, processes: {}, stopTimeout: 60_000 });
  const before = cluster.pid(0)!;
  // The loads run, each having asked every worker, before the reload.
  const loads = await loadsThrough(
    cluster,
    { action: "slowRequest", data: { ms: 10 }, workers: 3 },
    () => waitFor(cluster.reload(0), "the reload"),
  );
  for (const load of loads) {
    assert.deepEqual(load.failures, [], "no request failed");
    assert.ok(load.answered > 0);
  }
  assert.ok(!isRunning(before));
});

Deno.test("reloads never count as crashes", async () => {
  await using cluster = await startCluster({ workers: 1, restart: { maxRestarts: 1 } });
  for (let i = 0; i < 4; i++) await cluster.reload([0, "logger"]);
  assert.deepEqual(
    cluster.stats().children!.map((child) => child.state),
    ["ready", "ready"],
  );
});

Deno.test("SIGHUP to the manager reloads every worker", async () => {
  await using run = new ManagerRun();
  const ready = await run.ready();
  run.process.kill("SIGHUP");
  for (const id of [0, 1]) {
    await run.next("event", (event) =>
      (event as LifecycleEvent).type === "ready" &&
      (event as LifecycleEvent).address === id);
  }
  assert.deepEqual(
    (run.all("event") as LifecycleEvent[]).map((event) => `${event.type} ${event.address}`),
    ["reload 0", "ready 0", "reload 1", "ready 1"],
  );
  assert.deepEqual((run.all("stopped") as number[]).sort(), [0, 1], "the old workers' onStop ran");
  for (const id of [0, 1]) assert.ok(!isRunning(ready.pids[id]));
  run.process.kill("SIGTERM");
  assert.equal((await run.finished()).code, 0);
});

Deno.test("stop() during reload() rejects the reload with ClosedError, wherever it is", async () => {
  // Each reload phase: stopping the old worker, starting the new one.
  for (const phase of ["reload", "ready"]) {
    // It ends once the stop has: it does not wait out a stopTimeout.
    const cluster = await startCluster({ workers: 2, processes: {}, stopTimeout: 60_000 });
    const reached = nextEvent<LifecycleEvent>(
      (listener) => cluster.onLifecycle(listener),
      `a "${phase}" event`,
      (event) => event.type === phase,
    );
    const reloading = cluster.reload().then(() => "done", (error) => error);
    await reached;
    await cluster.stop();
    const error = await waitFor(reloading, "the reload to end");
    assert.ok(error instanceof ClosedError, `after "${phase}": ${error}`);
    assert.match(error.message, /^Reload of worker \d stopped: the cluster is stopping$/);
  }
});
