/**
 * Lifecycle events of a host's children while its connection to NATS is
 * down: the other hosts' managers could not be sent them, and nobody told
 * them later. After the outage they went on as if worker 0 had never
 * crashed, restarted, been reloaded: a process that heard its `exit`
 * before the drop, and waits for its `ready` (README's "retry on its
 * ready lifecycle event"), waited for ever. They are now kept, and told
 * once the way is back. Found by trial 21 (kill -9 of a worker and a
 * SIGHUP while the nats-server was down).
 */

import assert from "node:assert/strict";
import type { LifecycleEvent } from "../../mod.ts";
import { event, waitFor } from "../helpers.ts";
import { joinHere, knowsWorkers, natsAnswers, NatsServer, uniqueCluster } from "./hosts.ts";

Deno.test({
  name:
    "what a host's children went through while NATS was away reaches the other hosts once it is back",
  ignore: !natsAnswers,
  async fn() {
    const server = await NatsServer.start();
    try {
      const cluster = uniqueCluster();
      await using b = await joinHere(cluster, "b", { servers: server.url, workers: 1 });
      await using a = await joinHere(cluster, "a", { servers: server.url, workers: 1 });
      a.onError(() => {});
      b.onError(() => {});
      await knowsWorkers(a, 2);
      await knowsWorkers(b, 2);
      const heard: string[] = [];
      const ready = Promise.withResolvers<void>();
      a.onLifecycle((event: LifecycleEvent) => {
        heard.push(`${event.type} ${String(event.address)}`);
        if (event.type === "ready" && event.address === 0) ready.resolve();
      });
      // Fails as b hears the connection drop.
      const dropped = assert.rejects(
        b.request("silentRequest", {}, { to: 1, timeout: 60_000 }),
        /the connection closed before it answered/,
      );
      await server.kill();
      await waitFor(dropped, "host b to hear the drop");
      const back = event(b, "ready", 0);
      b.sendMessage("crash", null, 0);
      await waitFor(back, "worker 0 to be back on host b");
      await server.restart();
      await waitFor(ready.promise, "host a to hear that worker 0 is ready again", 20_000);
      assert.deepEqual(heard, ["exit 0", "restart 0", "ready 0"]);
    } finally {
      await server.stop();
    }
  },
});
