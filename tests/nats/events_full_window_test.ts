/**
 * Lifecycle events a manager tells another host's manager while the
 * window to that host is full (what it sent there not confirmed yet: a
 * host back from being away confirms it only then, say). Told again (the
 * other host missed some), they stopped at the first the window refused,
 * and the rest were never told; announced, each was dropped; and the
 * manager reported that the other host's manager "sends and does not
 * read". Now they wait for room, and go, all of them, in order, once the
 * other host confirms. Host a loses host b's confirmations while the test
 * says so (`lossy_broker.ts`), so that its window to b fills; host b's
 * link drops a's `$event` frames while the test says so, and a's `onMissed`
 * listeners are the test's to call (`event_tap.ts`).
 */

import assert from "node:assert/strict";
import { Cluster, QueueFullError } from "../../mod.ts";
import { ACK } from "../../src/nats/envelope.ts";
import { event, heardOf, waitFor } from "../helpers.ts";
import { EventTap } from "./event_tap.ts";
import { HOST_WORKER, knowsWorkers, natsAnswers, probe, uniqueCluster } from "./hosts.ts";
import { Losses } from "./lossy_broker.ts";

Deno.test({
  name:
    "events told another host again, and announced, while the window to it is full are all told once it has room",
  ignore: !natsAnswers,
  async fn() {
    const cluster = uniqueCluster();
    const onB = new EventTap("a");
    // Worker 0 is on host b, worker 1 on host a.
    await using b = await onB.join(cluster, "b");
    const toA = new Losses();
    const onA = new EventTap("b");
    const lossy = toA.broker(cluster, "a", { window: 64 * 1024 });
    await using a = await Cluster.start({
      worker: HOST_WORKER,
      workers: 1,
      broker: { join: async (request) => onA.wrap(await lossy.join(request)) },
    });
    const aErrors: string[] = [];
    a.onError((error) => aErrors.push(error.message));
    b.onError(() => {});
    await knowsWorkers(a, 2);
    await knowsWorkers(b, 2);
    await probe(a, b, "b");
    const heard = heardOf(b, 1);

    // Worker 1, on host a, is reloaded: host b never hears of it.
    const droppedTwo = Promise.withResolvers<void>();
    onB.onDrop = () => onB.dropped === 2 && droppedTwo.resolve();
    onB.dropping = true;
    await reload(a);
    await waitFor(droppedTwo.promise, "b's link to drop worker 1's reload and ready");
    onB.dropping = false;

    // A request of a's manager that worker 0 never answers: cancelled below.
    const asking = new AbortController();
    const silent = a.request("silentRequest", {}, { to: 0, signal: asking.signal, timeout: 60_000 })
      .catch((error: Error) => error);
    // b's confirmations are lost until a's window to b is full.
    toA.lose = (envelope) => envelope.kind === ACK;
    fillWindow(a);
    // Its `$cancel` is refused, and the report says why, true of a host's window.
    asking.abort();
    await silent;
    const cancelRefused = aErrors.filter((message) => message.includes('"$cancel"'));
    assert.equal(cancelRefused.length, 1, cancelRefused.join("\n"));
    assert.match(
      cancelRefused[0],
      /^Cannot send "\$cancel" to worker 0: the window to its host has no room for it \(\d+ of its 65536 bytes are sent and not confirmed yet\), so it was dropped$/,
    );
    // Reloaded again: its events are announced to b while the window is full.
    await reload(a);
    // b says it missed some of a's messages: a tells it its events again.
    for (const listener of onA.missed) listener("b");
    await new Promise((resolve) => setTimeout(resolve, 0));
    assert.deepEqual(heard, [], "no room yet");

    // b's confirmations come again: a's window to b has room, and b hears every event, in order.
    toA.lose = () => false;
    const told = Promise.withResolvers<void>();
    b.onLifecycle(() => heard.length === 4 && told.resolve());
    await waitFor(told.promise, () => `b to hear the four events; heard ${heard.join(", ")}`);
    assert.deepEqual(heard, ["reload 1", "ready 1", "reload 1", "ready 1"]);
    assert.deepEqual(aErrors.filter((message) => message.includes('"$event"')), []);
  },
});

/**
 * Sends worker 0 ticks until the window to its host has no room even for
 * one with no body (smaller than any event).
 */
function fillWindow(a: Cluster): void {
  let n = 0;
  for (const size of [1024, 256, 64, 16, 0]) {
    const body = "x".repeat(size);
    try {
      while (n < 10_000) a.sendMessage("tick", { n: n++, body }, 0);
    } catch (error) {
      assert.ok(error instanceof QueueFullError, String(error));
    }
  }
}

/** Reloads worker 1, on `a`, and resolves once it is ready again. */
async function reload(a: Cluster): Promise<void> {
  const ready = event(a, "ready", 1);
  await waitFor(a.reload(1), "worker 1 to be reloaded");
  await waitFor(ready, "worker 1 to be ready again");
}
