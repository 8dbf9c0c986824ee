/**
 * NATS away for longer than `hostTimeout`, then back: every host hears its
 * own refreshes stop, so it drops nobody meanwhile; and as it hears again,
 * the others get a timeout's time to be heard too. (Found by a new user's
 * trial: after a NATS restart, hosts saw each other leave and join again
 * within 10 ms, failing what was open between them.)
 */

import assert from "node:assert/strict";
import type { Cluster, LifecycleEvent } from "../../mod.ts";
import { joinHere, natsAnswers, NatsServer, probe, uniqueCluster } from "./hosts.ts";
import { remote } from "../helpers.ts";

/** Fast membership: a host silent for 600 ms is gone. */
const TIMING = { heartbeat: 100, hostTimeout: 600 };

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Hosts "b" and "a" (one worker each, workers 0 and 1) on a NATS server of
 * the test's own, which `test` may kill and restart; each host's errors
 * are its own business here.
 */
async function onPrivateNats(
  test: (server: NatsServer, a: Cluster, b: Cluster) => Promise<void>,
): Promise<void> {
  const server = await NatsServer.start();
  try {
    const cluster = uniqueCluster();
    const options = { servers: server.url, workers: 1, ...TIMING };
    await using b = await joinHere(cluster, "b", options);
    await using a = await joinHere(cluster, "a", options);
    a.onError(() => {});
    b.onError(() => {});
    await probe(a, b, "b");
    await probe(b, a, "a");
    await test(server, a, b);
  } finally {
    await server.stop();
  }
}

Deno.test({
  name: "NATS away for longer than hostTimeout: no host sees another leave, before or after",
  ignore: !natsAnswers,
  fn: () =>
    onPrivateNats(async (server, a, b) => {
      const left: string[] = [];
      for (const [name, host] of [["a", a], ["b", b]] as const) {
        host.onLifecycle((event: LifecycleEvent) => {
          if (event.type === "hostLeft") left.push(`${name} saw ${event.host} leave`);
        });
      }
      await server.kill();
      // The outage itself: two and a half times hostTimeout.
      await delay(TIMING.hostTimeout * 2.5);
      await server.restart();
      await probe(a, b, "b");
      await probe(b, a, "a");
      // A host dropped for the silence would be dropped within a timeout
      // of hearing its own refreshes again: two, to be sure.
      await delay(TIMING.hostTimeout * 2);
      assert.deepEqual(left, []);
      assert.deepEqual(await a.request("echoRequest", 1, { to: 0 }), {
        data: 1,
        by: 0,
        from: "manager@a",
      });
    }),
});

Deno.test({
  name:
    "while this host's connection to NATS is down, a request to another host's process fails at once, saying so",
  ignore: !natsAnswers,
  fn: () =>
    onPrivateNats(async (server, a) => {
      // Failed as the connection drops, after the children were told.
      const open = a.request("silentRequest", {}, { to: 0, timeout: 60_000 });
      const dropped = assert.rejects(open, /the connection closed before it answered/);
      await server.kill();
      await dropped;
      const expected =
        'Request "echoRequest" to worker 0 failed: it is not connected (this host\'s connection to the NATS server is down)';
      await assert.rejects(a.request("echoRequest", 1, { to: 0 }), { message: expected });
      // A worker here too (worker 1): its manager told it.
      assert.deepEqual(
        await remote(a, 1, { op: "request", action: "echoRequest", data: 1, to: 0 }),
        { error: { name: "UnreachableError", message: expected } },
      );
    }),
});
