/**
 * The receiving host alone loses NATS and comes back: what was sent it
 * meanwhile is lost (core NATS drops it), and its confirmations due then
 * never went. The sender, which saw no outage, must hear of the loss and
 * get its window back; before, a sender whose window filled meanwhile was
 * refused for good (`QueueFullError`) and told nothing.
 */

import assert from "node:assert/strict";
import { connect, NoRespondersError } from "@nats-io/transport-node";
import { type Cluster, QueueFullError } from "../../mod.ts";
import { nextEvent, remote, WAIT, waitFor } from "../helpers.ts";
import { joinHere, natsAnswers, NatsServer, probe, uniqueCluster } from "./hosts.ts";
import { lostTo } from "./loss_reports.ts";
import { NatsProxy } from "./proxy.ts";

Deno.test({
  name:
    "the receiving host reconnects after its sender's window filled: the loss is reported, the window freed",
  ignore: !natsAnswers,
  async fn() {
    await using run = await bAway({ window: 64 * 1024 });
    const { a } = run;
    const errors: string[] = [];
    a.onError((error) => errors.push(error.message));
    await run.cutB();
    // b is away: what a sends it now the server drops, until a's window is full.
    const body = "x".repeat(1024);
    let sent = 0;
    let refusal: unknown;
    try {
      for (; sent < 1_000; sent++) a.sendMessage("tick", { n: sent, body }, 0);
    } catch (error) {
      refusal = error;
    }
    assert.ok(refusal instanceof QueueFullError, String(refusal));
    const lost = nextEvent<Error>(
      (listener) => a.onError(listener),
      "a's report of what b never had",
      (error) => lostTo("b", [error.message]) > 0,
    );
    run.releaseB();
    await lost;
    // Confirmed, the lost ones with the rest: a may send again, and it arrives.
    await waitFor(a.drain(0), "a's window to b to be freed");
    a.sendMessage("tick", { n: sent, body }, 0);
    // Asked from a, after the tick and on its way: answered once the tick is there.
    assert.deepEqual(await a.request("ticksSoFar", undefined, { to: 0 }), [sent]);
    // Told to the manager, whose messages they were, as such.
    assert.deepEqual(errors.filter((message) => lostTo("b", [message]) > 0), [
      `${sent} messages from the manager of host "a" to worker 0 were not delivered: lost on the way to host "b"`,
    ]);
  },
});

Deno.test({
  name: "what a worker sent another host while it was away is told to that worker, as lost",
  ignore: !natsAnswers,
  async fn() {
    await using run = await bAway({});
    const { a } = run;
    const managerErrors: string[] = [];
    a.onError((error) => managerErrors.push(error.message));
    await run.cutB();
    // Worker 1, on host a, sends worker 0, on b, what the server drops.
    for (let n = 0; n < 20; n++) {
      assert.deepEqual(await remote(a, 1, { op: "send", action: "tick", data: { n }, to: 0 }), {
        ok: 1,
      });
    }
    run.releaseB();
    const told =
      `20 messages from worker 1 to worker 0 were not delivered: lost on the way to host "b"`;
    await waitFor(
      (async () => {
        while (!(await workerErrors(a, 1)).includes(told));
      })(),
      "worker 1 to be told",
    );
    assert.equal(lostTo("b", managerErrors), 0, "told to the worker, not to its manager");
  },
});

/**
 * Hosts "a" and "b" (one worker each) on a private server, b through a
 * proxy that can cut it off alone: `cutB()` resolves once the server has
 * dropped b's subscription, so that what is sent b then is lost.
 */
async function bAway(options: { window?: number }) {
  const server = await NatsServer.start();
  const toB = new NatsProxy(server.port);
  const watcher = await connect({ servers: server.url });
  const cluster = uniqueCluster();
  const hostTimeout = 20_000;
  const b = await joinHere(cluster, "b", { servers: toB.url, workers: 1, hostTimeout });
  const a = await joinHere(cluster, "a", {
    servers: server.url,
    workers: 1,
    hostTimeout,
    ...options,
  });
  b.onError(() => {});
  await probe(a, b, "b");
  return {
    a,
    b,
    async cutB() {
      toB.hold();
      toB.cut();
      await gone(watcher, `switchboard.${cluster}.b`);
    },
    releaseB: () => toB.release(),
    async [Symbol.asyncDispose]() {
      await a.stop();
      await b.stop();
      await watcher.close();
      await toB.close();
      await server.stop();
    },
  };
}

/** What `worker`'s onError was told (a sample). */
async function workerErrors(cluster: Cluster, worker: number): Promise<string[]> {
  const { ok } = await remote(cluster, worker, { op: "errors" }) as { ok: { samples: string[] } };
  return ok.samples;
}

/**
 * Resolves once the server has no subscriber on `subject`: what is
 * published there now is dropped. Asked by request: no responders, at once.
 */
async function gone(watcher: Awaited<ReturnType<typeof connect>>, subject: string): Promise<void> {
  const until = performance.now() + WAIT;
  while (true) {
    try {
      await watcher.request(subject, "", { timeout: 200 });
    } catch (error) {
      if ((error as Error).cause instanceof NoRespondersError) return;
    }
    if (performance.now() > until) throw new Error(`${subject} still has a subscriber`);
  }
}
