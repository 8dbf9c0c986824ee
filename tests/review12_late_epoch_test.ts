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
 *
 * Review 14: a path that stalls one way stalls the next connection too:
 * the host connects again twice, and what both dead connections held can
 * reach the server after the third one sent more. Review 12 dropped only
 * the epoch just before the current one; the first's late messages were
 * taken for a new epoch again.
 */

import assert from "node:assert/strict";
import type { Cluster } from "../mod.ts";
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

/** What a test does with host a, which reaches NATS through a proxy that can stall. */
type Stalled = {
  proxy: StallingProxy;
  /** Sends tick `n` to worker 0 of host b. */
  tick: (n: number) => number;
  /** The ticks worker 0 of host b has had, in order. */
  ticks: () => Promise<unknown>;
  /** The next report of ticks lost on the way. */
  lostReport: () => Promise<Error>;
  /** Every error host a reported. */
  errors: string[];
};

/** Host b, then host a through a stalling proxy, for `fn`. */
function withStallingPath(name: string, fn: (stalled: Stalled) => Promise<void>): void {
  Deno.test({
    name,
    ignore: !natsAnswers,
    async fn() {
      const cluster = uniqueCluster();
      const proxy = new StallingProxy(Number(NATS.split(":")[1]));
      try {
        await using b = startHost({ cluster, host: "b", workers: 1 });
        await b.ready();
        // Host a takes a connection whose pings go unanswered for dead in about 0.6 s.
        await using a: Cluster = await joinHere(cluster, "a", {
          workers: 1,
          servers: proxy.url,
          connection: { pingInterval: 200, maxPingOut: 2, reconnectTimeWait: 50 },
        });
        await knowsWorkers(a, 2);
        const errors: string[] = [];
        a.onError((error) => errors.push(error.message));
        await fn({
          proxy,
          errors,
          tick: (n) => a.sendMessage("tick", { n }, 0),
          ticks: () => waitFor(a.request("ticksSoFar", undefined, { to: 0 }), "the ticks so far"),
          lostReport: () =>
            nextEvent<Error>(
              (listener) => a.onError(listener),
              "a report of ticks lost",
              (error) => /lost on the way/.test(error.message),
              15_000,
            ),
        });
      } finally {
        await proxy.close();
      }
    },
  });
}

withStallingPath(
  "a message of a connection its host took for dead, reaching the server late, is neither delivered nor taken for a new count",
  async ({ proxy, tick, ticks, lostReport, errors }) => {
    range(0, 10).forEach(tick);
    assert.deepEqual(await ticks(), range(0, 10));
    // Ticks 10-19 are held on the way; host a connects again, and hears they never came.
    proxy.stall();
    const lost = lostReport();
    assert.deepEqual(range(10, 20).map(tick), range(10, 20).map(() => 1));
    assert.equal(
      (await lost).message,
      `10 messages from the manager of host "a" to worker 0 were not delivered: lost on the way to host "b"`,
    );
    range(20, 30).forEach(tick);
    assert.deepEqual(await ticks(), [...range(0, 10), ...range(20, 30)]);
    // Now they reach the server, on the old connection, and it routes them to host b.
    await waitFor(proxy.deliverHeld(), "the server to take what was held");
    range(30, 40).forEach(tick);
    assert.deepEqual(
      await ticks(),
      [...range(0, 10), ...range(20, 40)],
      "what was told lost was not delivered, and the rest in order",
    );
    assert.deepEqual(errors, [(await lost).message], "no loss but the one");
  },
);

withStallingPath(
  "messages of two connections their host took for dead, reaching the server late, are neither delivered nor taken for a new count",
  async ({ proxy, tick, ticks, lostReport, errors }) => {
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
  },
);
