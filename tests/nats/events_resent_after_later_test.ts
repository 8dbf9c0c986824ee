/**
 * Events told again after an outage are taken by number: a manager that
 * heard a later event of the host first (sent as both were back, before
 * the other host's `$resend` answer came) dropped every earlier one told
 * again as already had, those it never had included. Here host a's link
 * drops host b's events about worker 0 (as an outage would), then hears
 * b's next events (about worker 1) directly, then b says it is back.
 */

import assert from "node:assert/strict";
import type { LifecycleEvent } from "../../mod.ts";
import { event, waitFor } from "../helpers.ts";
import { EventTap } from "./event_tap.ts";
import { joinHere, knowsWorkers, natsAnswers, uniqueCluster } from "./hosts.ts";

Deno.test({
  name: "events told again after an outage are taken when a later event came first",
  ignore: !natsAnswers,
  async fn() {
    const cluster = uniqueCluster();
    await using b = await joinHere(cluster, "b", { workers: 2 });
    const tapped = new EventTap();
    await using a = await tapped.join(cluster, "a");
    a.onError(() => {});
    b.onError(() => {});
    await knowsWorkers(a, 3);
    await knowsWorkers(b, 3);
    const heard: string[] = [];
    a.onLifecycle((e: LifecycleEvent) => heard.push(`${e.type} ${String(e.address)}`));
    const crash = async (worker: number) => {
      const ready = event(b, "ready", worker);
      b.sendMessage("crash", null, worker);
      await waitFor(ready, `worker ${worker} to be back on host b`);
    };
    // Host a has heard b's events: it knows b's manager process.
    const first = event(a, "ready", 1);
    await crash(1);
    await waitFor(first, "host a to hear that worker 1 is ready again");
    // Worker 0's exit, restart and ready never reach host a, as in an outage.
    const threeDropped = Promise.withResolvers<void>();
    tapped.onDrop = () => tapped.dropped === 3 && threeDropped.resolve();
    tapped.dropping = true;
    await crash(0);
    await waitFor(threeDropped.promise, "host a's link to drop worker 0's three events");
    tapped.dropping = false;
    // b's next events come before its events told again.
    const second = event(a, "ready", 1);
    await crash(1);
    await waitFor(second, "host a to hear that worker 1 is ready again, twice");
    const zeroReady = event(a, "ready", 0);
    for (const back of tapped.back) back("b");
    await waitFor(zeroReady, "host a to hear that worker 0 is ready again");
    assert.deepEqual(heard, [
      "exit 1",
      "restart 1",
      "ready 1",
      "exit 1",
      "restart 1",
      "ready 1",
      "exit 0",
      "restart 0",
      "ready 0",
    ]);
  },
});

Deno.test({
  name: "events told again after an outage are only those of the time since the host joined",
  ignore: !natsAnswers,
  async fn() {
    const cluster = uniqueCluster();
    await using b = await joinHere(cluster, "b", { workers: 1 });
    b.onError(() => {});
    // Before host a joins: its listeners are never told of it.
    await waitFor(b.reload(0), "worker 0 to be reloaded on host b");
    const tapped = new EventTap();
    await using a = await tapped.join(cluster, "a");
    a.onError(() => {});
    await knowsWorkers(a, 2);
    await knowsWorkers(b, 2);
    const heard: string[] = [];
    a.onLifecycle((e: LifecycleEvent) => heard.push(`${e.type} ${String(e.address)}`));
    for (const back of tapped.back) back("b");
    // Sent to b after the $resend, its events come after those told again
    // (the reload's own "ready" would be the first "ready" here).
    const restart = event(a, "restart", 0);
    const ready = restart.then(() => event(a, "ready", 0));
    a.sendMessage("crash", null, 0);
    await waitFor(ready, "host a to hear that worker 0 restarts and is ready again");
    assert.deepEqual(heard, ["exit 0", "restart 0", "ready 0"]);
  },
});
