/**
 * The last messages one host sends another, lost on the way with nothing
 * sent after them (core NATS dropped them: the receiver was away, or cut
 * off as a slow consumer). A gap shows only when a later message comes,
 * so nobody noticed: the request among them waited out its timeout, and
 * the sender's window held them for good. Now the sender, having held
 * them unconfirmed for a heartbeat, tells the receiver how many it sent,
 * and the loss is told on both sides through the gap's way. Host b here
 * loses what the test says of what is published to it (`lossy_broker.ts`).
 */

import assert from "node:assert/strict";
import { Cluster, type ClusterOptions, UnreachableError } from "../../mod.ts";
import { MESSAGE } from "../../src/nats/envelope.ts";
import { event, heardOf, waitFor } from "../helpers.ts";
import { HOST_WORKER, joinHere, knowsWorkers, natsAnswers, probe, uniqueCluster } from "./hosts.ts";
import { Losses } from "./lossy_broker.ts";

/**
 * Host b, this process, with worker 0, losing what `toB` says of what is
 * published to it, and host a, this process too, with worker 1 (`aOptions`
 * beside), each knowing the other and a's probe come to b; what each
 * reports goes to its listener in `onError`.
 */
async function hostsLosingToB(
  toB: Losses,
  onError: { a: (error: Error) => void; b: (error: Error) => void },
  aOptions: ClusterOptions = {},
): Promise<{ a: Cluster; b: Cluster } & AsyncDisposable> {
  const cluster = uniqueCluster();
  const hosts = new AsyncDisposableStack();
  try {
    const b = hosts.use(
      await Cluster.start({ worker: HOST_WORKER, workers: 1, broker: toB.broker(cluster, "b") }),
    );
    const a = hosts.use(await joinHere(cluster, "a", { workers: 1, ...aOptions }));
    a.onError(onError.a);
    b.onError(onError.b);
    await knowsWorkers(a, 2);
    await knowsWorkers(b, 2);
    await probe(a, b, "b");
    return { a, b, [Symbol.asyncDispose]: () => hosts.disposeAsync() };
  } catch (error) {
    await hosts.disposeAsync();
    throw error;
  }
}

Deno.test({
  name:
    "a request lost on the way to another host, with nothing sent after it, fails as lost within two heartbeats",
  ignore: !natsAnswers,
  async fn() {
    const toB = new Losses();
    const aErrors: string[] = [];
    const bErrors: string[] = [];
    await using hosts = await hostsLosingToB(
      toB,
      { a: (error) => aErrors.push(error.message), b: (error) => bErrors.push(error.message) },
      // drain() waits until every byte a sent is confirmed (but one, and none is that small).
      { highWaterMark: 1 },
    );
    const { a } = hosts;
    await waitFor(a.drain(), "what a sent b to be confirmed");

    // The next message from a to b is lost, and a sends b nothing after it.
    const lost = Promise.withResolvers<void>();
    toB.lose = (envelope) => envelope.kind === MESSAGE;
    toB.onLoss = () => {
      toB.lose = () => false;
      lost.resolve();
    };
    const sentAt = performance.now();
    const outcome = a.request("echoRequest", 1, { to: 0, timeout: 60_000 })
      .then(() => assert.fail("answered"), (error: Error) => error);
    await waitFor(lost.promise, "b to lose a's request");

    // Before, it waited its 60 s out; now it fails within two heartbeats (1 s each).
    const failure = await waitFor(outcome, "a's request to fail as lost");
    assert.ok(failure instanceof UnreachableError, String(failure));
    assert.equal(
      failure.message,
      'Request "echoRequest" to worker 0 failed: the connection closed before it answered',
    );
    assert.ok(performance.now() - sentAt < 5_000, "told within a few heartbeats");
    assert.deepEqual(bErrors, ['1 message from host "a" was lost on the way']);
    assert.ok(
      aErrors.includes(
        'A message from the manager of host "a" to worker 0 was not delivered: lost on the way to host "b"',
      ),
      aErrors.join("\n"),
    );
    // Confirmed with the loss: a's window to b is free, and what a sends now comes.
    await waitFor(a.drain(), "a's window to b to be freed");
    assert.deepEqual(await a.request("echoRequest", 2, { to: 0 }), {
      data: 2,
      by: 0,
      from: "manager@a",
    });
  },
});

Deno.test({
  name:
    "lifecycle events lost on the way to another host, with nothing sent after them, are told it again",
  ignore: !natsAnswers,
  async fn() {
    const toB = new Losses();
    await using hosts = await hostsLosingToB(toB, { a: () => {}, b: () => {} });
    const { a, b } = hosts;
    const heard = heardOf(b, 1);
    // Worker 1, on host a, is reloaded: what a tells b of it is lost, up
    // to its `ready`, and a sends b nothing after.
    const decoder = new TextDecoder();
    const lostReady = Promise.withResolvers<void>();
    toB.lose = (envelope) => envelope.kind === MESSAGE;
    toB.onLoss = (envelope) => {
      const said = decoder.decode(envelope.body);
      if (!said.includes('"$event"') || !said.includes('"ready"')) return;
      toB.lose = () => false;
      lostReady.resolve();
    };
    const ready = event(a, "ready", 1);
    await waitFor(a.reload(1), "worker 1 to be reloaded");
    await waitFor(ready, "worker 1 to be ready again");
    await waitFor(lostReady.promise, "b to lose worker 1's ready");
    assert.deepEqual(heard, []);
    // Found lost, within two heartbeats: a tells b its children's latest events again.
    const readyOnB = event(b, "ready", 1);
    await waitFor(readyOnB, "b to hear that worker 1 is ready again");
    assert.deepEqual(heard, ["reload 1", "ready 1"]);
  },
});
