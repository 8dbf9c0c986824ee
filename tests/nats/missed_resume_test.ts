/**
 * Both hosts lose NATS, and one's word of how many it had sent (its
 * RESUME) goes out while the other is still away, so never comes: the
 * other then asks, and what was not lost is not failed. A request made
 * once both are back is answered (found by a new user's trial: after a
 * NATS restart, the first request ran on the other host but was failed
 * here as "the connection closed before it answered").
 */

import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { readEnvelopes, RESUME } from "../../src/nats/envelope.ts";
import { nextEvent } from "../helpers.ts";
import { joinHere, natsAnswers, NatsServer, probe, uniqueCluster } from "./hosts.ts";
import { NatsProxy } from "./proxy.ts";

Deno.test({
  name: "a RESUME missed while away fails nothing that was not lost: the next request is answered",
  ignore: !natsAnswers,
  async fn() {
    const server = await NatsServer.start();
    const toA = new NatsProxy(server.port);
    const toB = new NatsProxy(server.port);
    const watcher = await connect({ servers: server.url });
    try {
      const cluster = uniqueCluster();
      await using b = await joinHere(cluster, "b", { servers: toB.url, workers: 1 });
      await using a = await joinHere(cluster, "a", { servers: toA.url, workers: 1 });
      const errors: string[] = [];
      a.onError((error) => errors.push(error.message));
      b.onError(() => {});
      // b has sent a something (this answer) in its first connection's epoch.
      assert.deepEqual(await a.request("echoRequest", "before", { to: 0 }), {
        data: "before",
        by: 0,
        from: "manager@a",
      });
      // What b publishes to a, seen here whether or not a is connected.
      const resumeToA = nextEvent<void>((listener) => {
        const subscription = watcher.subscribe(`switchboard.${cluster}.a`, {
          callback: (_error, message) => {
            readEnvelopes(message.data, (envelope) => {
              if (envelope.kind === RESUME && envelope.host === "b") listener();
            });
          },
        });
        return () => subscription.unsubscribe();
      }, "b's RESUME to a");
      await watcher.flush();
      toA.hold();
      toA.cut();
      toB.cut();
      // b is back and has told a how many it had sent; a, still away, missed it.
      await resumeToA;
      toA.release();
      await probe(a, b, "b");
      // Answered by b in its new epoch, the first a hears of it.
      assert.deepEqual(await a.request("echoRequest", "after", { to: 0 }), {
        data: "after",
        by: 0,
        from: "manager@a",
      });
      assert.deepEqual(errors.filter((message) => message.includes("lost on the way")), []);
    } finally {
      await watcher.close();
      await toA.close();
      await toB.close();
      await server.stop();
    }
  },
});
