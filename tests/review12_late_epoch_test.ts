/**
 * Review 12: what a host sent on a NATS connection it then took for dead
 * (its pings unanswered: the path stalled one way) can still reach the
 * server after it connected again and sent more, on the new connection, as
 * data a closed socket still had on its way does. The receiving host took
 * such a late message of the earlier epoch, already counted and reported
 * lost to its sender, for a new epoch: it delivered it (reported lost,
 * delivered after messages sent later), took the sender's current epoch
 * for a new one again at its next message, and reported loss that never
 * happened, failing a request in flight (measured: ticks 10-19 told "not
 * delivered: lost on the way", then handled after 20-29; the request sent
 * next failed, "the connection closed before it answered"; then "11
 * messages ... were not delivered" of ticks that were all handled). A
 * late message of an epoch counted already is dropped: it was told lost.
 */

import assert from "node:assert/strict";
import { nextEvent, waitFor } from "./helpers.ts";
import {
  joinHere,
  knowsWorkers,
  NATS,
  natsAnswers,
  startHost,
  uniqueCluster,
} from "./nats/hosts.ts";
import { StallingProxy } from "./review12_stalling_proxy.ts";

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

Deno.test({
  name:
    "a message of a connection its host took for dead, reaching the server late, is neither delivered nor taken for a new count",
  ignore: !natsAnswers,
  async fn() {
    const cluster = uniqueCluster();
    const proxy = new StallingProxy(Number(NATS.split(":")[1]));
    try {
      await using b = startHost({ cluster, host: "b", workers: 1 });
      await b.ready();
      // Host a takes a connection whose pings go unanswered for dead in about 0.6 s.
      await using a = await joinHere(cluster, "a", {
        workers: 1,
        servers: proxy.url,
        connection: { pingInterval: 200, maxPingOut: 2, reconnectTimeWait: 50 },
      });
      await knowsWorkers(a, 2);
      const errors: string[] = [];
      a.onError((error) => errors.push(error.message));
      const tick = (n: number) => a.sendMessage("tick", { n }, 0);
      const ticks = () => a.request("ticksSoFar", undefined, { to: 0 });
      range(0, 10).forEach(tick);
      assert.deepEqual(await ticks(), range(0, 10));
      // Ticks 10-19 are held on the way; host a connects again, and hears they never came.
      proxy.stall();
      assert.deepEqual(range(10, 20).map(tick), range(10, 20).map(() => 1));
      const lost = await nextEvent<Error>(
        (listener) => a.onError(listener),
        "the report of ticks 10-19 lost",
        (error) => /lost on the way/.test(error.message),
        15_000,
      );
      assert.equal(
        lost.message,
        `10 messages from the manager of host "a" to worker 0 were not delivered: lost on the way to host "b"`,
      );
      range(20, 30).forEach(tick);
      assert.deepEqual(await ticks(), [...range(0, 10), ...range(20, 30)]);
      // Now they reach the server, on the old connection, and it routes them to host b.
      await waitFor(proxy.deliverHeld(), "the server to take what was held");
      range(30, 40).forEach(tick);
      assert.deepEqual(
        await waitFor(ticks(), "the ticks so far"),
        [...range(0, 10), ...range(20, 40)],
        "what was told lost was not delivered, and the rest in order",
      );
      assert.deepEqual(errors, [lost.message], "no loss but the one");
    } finally {
      await proxy.close();
    }
  },
});
