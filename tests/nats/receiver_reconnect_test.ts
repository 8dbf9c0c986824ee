/**
 * The receiving host alone loses NATS and comes back: what was sent it
 * meanwhile is lost (core NATS drops it), and its confirmations due then
 * never went. The sender, which saw no outage, must hear of the loss and
 * get its window back; before, a sender whose window filled meanwhile was
 * refused for good (`QueueFullError`) and told nothing.
 */

import assert from "node:assert/strict";
import { connect, NoRespondersError } from "@nats-io/transport-node";
import { QueueFullError } from "../../mod.ts";
import { nextEvent, WAIT, waitFor } from "../helpers.ts";
import { joinHere, natsAnswers, NatsServer, probe, uniqueCluster } from "./hosts.ts";
import { NatsProxy } from "./proxy.ts";

Deno.test({
  name:
    "the receiving host reconnects after its sender's window filled: the loss is reported, the window freed",
  ignore: !natsAnswers,
  async fn() {
    const server = await NatsServer.start();
    const toB = new NatsProxy(server.port);
    const watcher = await connect({ servers: server.url });
    try {
      const cluster = uniqueCluster();
      const hostTimeout = 20_000;
      await using b = await joinHere(cluster, "b", { servers: toB.url, workers: 1, hostTimeout });
      await using a = await joinHere(cluster, "a", {
        servers: server.url,
        workers: 1,
        hostTimeout,
        window: 64 * 1024,
      });
      const errors: string[] = [];
      a.onError((error) => errors.push(error.message));
      b.onError(() => {});
      await probe(a, b, "b");
      toB.hold();
      toB.cut();
      await gone(watcher, `switchboard.${cluster}.b`);
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
        (error) => /messages? to host "b" (was|were) lost on the way/.test(error.message),
      );
      toB.release();
      await lost;
      // Confirmed, the lost ones with the rest: a may send again, and it arrives.
      await waitFor(a.drain(0), "a's window to b to be freed");
      a.sendMessage("tick", { n: sent, body }, 0);
      // Asked from a, after the tick and on its way: answered once the tick is there.
      assert.deepEqual(await a.request("ticksSoFar", undefined, { to: 0 }), [sent]);
      const [reported] = errors.filter((message) => message.includes("lost on the way"));
      assert.equal(reported, `${sent} messages to host "b" were lost on the way`);
    } finally {
      await watcher.close();
      await toB.close();
      await server.stop();
    }
  },
});

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
