/**
 * Review 14: review 12 drops a late message of a NATS connection its host
 * took for dead, but only of the epoch just before the current one (the
 * one whose count was asked for, or last settled). A path that stalls one
 * way stalls the next connection too: the host connects again twice, and
 * what both dead connections held can reach the server after the third
 * one sent more. The second's late messages are dropped; the first's are
 * taken for a new epoch again: delivered though told lost, and the
 * sender's current epoch then taken for a new one at its next message
 * (false losses).
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
    "messages of two connections their host took for dead, reaching the server late, are neither delivered nor taken for a new count",
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
      const ticks = () =>
        waitFor(a.request("ticksSoFar", undefined, { to: 0 }), "the ticks so far");
      const lostReport = () =>
        nextEvent<Error>(
          (listener) => a.onError(listener),
          "a report of ticks lost",
          (error) => /lost on the way/.test(error.message),
          15_000,
        );
      range(0, 10).forEach(tick);
      assert.deepEqual(await ticks(), range(0, 10));
      // Ticks 10-19, then 30-39, are held on the way, each time until host a connects again.
      for (const from of [10, 30]) {
        proxy.stall();
        const lost = lostReport();
        range(from, from + 10).forEach(tick);
        await lost;
        range(from + 10, from + 20).forEach(tick);
        await ticks();
      }
      const told = [...errors];
      assert.equal(told.length, 2, told.join("\n"));
      assert.deepEqual(await ticks(), [...range(0, 10), ...range(20, 30), ...range(40, 50)]);
      // Now both dead connections' ticks reach the server, and it routes them to host b.
      await waitFor(proxy.deliverHeld(), "the server to take what was held");
      range(50, 60).forEach(tick);
      // Before: this request failed, "the connection closed before it answered".
      assert.deepEqual(
        await ticks().catch((error: Error) => `${error.message} (${error.cause})`),
        [...range(0, 10), ...range(20, 30), ...range(40, 60)],
        "what was told lost was not delivered, and the rest in order",
      );
      assert.deepEqual(errors, told, "no loss but the two");
    } finally {
      await proxy.close();
    }
  },
});
