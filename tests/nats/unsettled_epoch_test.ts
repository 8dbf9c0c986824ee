/**
 * What a host sent in a connection to NATS that dropped (an epoch) is
 * settled by its count, told once it reconnects (a RESUME): what never
 * came is reported, and the rest confirmed. When the host it went to
 * misses that count, or never hears it at all, those messages are still
 * delivered, refused or reported to their senders, never lost in silence:
 * the count is told again once that host is back, and what nothing
 * settles is told as in doubt when it leaves, or when this host stops;
 * and a host that leaves still counting that epoch says so in its bye.
 * Host b's connection is muted (it hears nothing) while host a sends it 50
 * messages, which are lost on the way; the bye is told to a fake link.
 */

import assert from "node:assert/strict";
import { type Cluster, managerOf } from "../../mod.ts";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { Address } from "../../src/address.ts";
import type { BounceDetails } from "../../src/broker.ts";
import { highestBody } from "../../src/nats/bodies.ts";
import { BYE, encodeEnvelopes, readEnvelopes, RESUME } from "../../src/nats/envelope.ts";
import { nextEvent, WAIT, waitFor } from "../helpers.ts";
import { joinHere, natsAnswers, NatsServer, probe, startHost, uniqueCluster } from "./hosts.ts";
import { envelopesIn, fakeLink } from "./fake_link.ts";
import { NatsProxy } from "./proxy.ts";

const ignore = !natsAnswers;
/** Short, so that a host cut off stops soon (it waits two heartbeats for its deletes). */
const TIMING = { heartbeat: 100, hostTimeout: 600 };

Deno.test("a bye that counts the epoch before the sender reconnected refuses the rest of it, and all since", async () => {
  const { link, published, say, arrive } = fakeLink(1 << 20);
  const refused: [Address, Address, string, BounceDetails?][] = [];
  link.receive({
    deliver() {},
    lost() {},
    bounced: (...refusal) => void refused.push(refusal),
    unconfirmed() {},
    ended() {},
  });
  for (let n = 0; n < 3; n++) link.send(0, 1, "{}");
  await new Promise((resolve) => setTimeout(resolve, 0));
  const [{ epoch, round }] = envelopesIn(published);
  await say("disconnect");
  await say("reconnect");
  link.send(0, 1, "{}");
  // b missed a's count, had message 0 of that epoch, and leaves.
  arrive(encodeEnvelopes([{
    kind: BYE,
    host: "b",
    epoch: 5,
    round,
    seq: epoch,
    from: null,
    to: null,
    body: highestBody(0),
  }]));
  assert.deepEqual(refused, [[0, 1, 'host "b" stopped before it came', { count: 3, last: true }]]);
  link.abandon();
});

Deno.test({
  name:
    "what a host sent before it reconnected, to a host away then, is reported once that one is back",
  ignore,
  async fn() {
    await using run = await twoHosts();
    const { a, b, toB } = run;
    const errors: string[] = [];
    a.onError((error) => errors.push(error.message));
    await run.reconnectUnheard(50);
    const told = nextEvent<Error>(
      (listener) => a.onError(listener),
      "a to be told its 50 messages were lost",
      (error) => / not delivered: /.test(error.message),
    );
    // b is back, and a tells it the count again.
    toB.cut();
    assert.equal(
      (await told).message,
      '50 messages from the manager of host "a" to worker 0 were not delivered: lost on the way to host "b"',
    );
    assert.deepEqual(await b.request("ticksRequest", undefined, { to: 0 }), [], "none came");
    // Counted, and confirmed: a stops with nothing in doubt.
    await a.stop();
    assert.deepEqual(errors.filter((message) => / may not have been /.test(message)), []);
  },
});

Deno.test({
  name:
    "what a host sent before it reconnected, unconfirmed as its connection drops again: each sender is told",
  ignore,
  async fn() {
    await using run = await twoHosts();
    const { a, toA } = run;
    await run.reconnectUnheard(50);
    const told = nextEvent<Error>(
      (listener) => a.onError(listener),
      "a to be told its 50 messages are in doubt",
      (error) => / may not have been /.test(error.message),
    );
    // Its count for b is let go: the next one is of the epoch that ends now.
    toA.cut();
    assert.equal(
      (await told).message,
      '50 messages from the manager of host "a" to worker 0 (host "b") may not have been delivered: host "a" lost its connection to the NATS server again before host "b" confirmed receipt',
    );
  },
});

Deno.test({
  name:
    "a host killed before it heard how many a host sent it before reconnecting: each sender is told",
  ignore,
  async fn() {
    const server = await NatsServer.start();
    const toA = new NatsProxy(server.port);
    const toB = new NatsProxy(server.port);
    const watcher = await connect({ servers: server.url });
    try {
      const cluster = uniqueCluster();
      await using b = startHost({ cluster, host: "b", workers: 1, servers: toB.url });
      await b.ready();
      await using a = await joinHere(cluster, "a", {
        servers: toA.url,
        workers: 1,
        highWaterMark: 1,
      });
      assert.deepEqual(await a.request("echoRequest", 1, { to: 0 }), {
        data: 1,
        by: 0,
        from: "manager@a",
      });
      await waitFor(a.drain(), "the request to be confirmed");
      toB.mute();
      const { resumed } = await resumeTo(watcher, cluster, "b");
      sendTicks(a, 50);
      toA.cut();
      await resumed;
      const told = nextEvent<Error>(
        (listener) => a.onError(listener),
        "a to be told its 50 messages are in doubt",
        (error) => / may not have been /.test(error.message),
        20_000,
      );
      Deno.kill(b.process.pid, "SIGKILL");
      assert.equal(
        (await told).message,
        '50 messages from the manager of host "a" to worker 0 (host "b") may not have been delivered: host "b" left without confirming them',
      );
    } finally {
      await watcher.close();
      await toA.close();
      await toB.close();
      await server.stop();
    }
  },
});

Deno.test({
  name: "a host that stops cut off from NATS tells each sender what it never had confirmed",
  ignore,
  async fn() {
    await using run = await twoHosts();
    const { a, b, toA, toB } = run;
    const errors: string[] = [];
    a.onError((error) => errors.push(error.message));
    sendTicks(a, 100);
    await waitFor(a.drain(), "the first 100 to be confirmed");
    toB.mute();
    sendTicks(a, 50);
    toA.hold();
    toA.cut();
    await run.aCutOff();
    await waitFor(a.stop(), "a to stop cut off");
    assert.deepEqual(errors, [
      '50 messages from the manager of host "a" to worker 0 (host "b") may not have been delivered: host "a" stopped, cut off from the NATS server, before host "b" confirmed receipt',
    ]);
    assert.equal((await b.request("ticksRequest", undefined, { to: 0 }) as number[]).length, 100);
  },
});

/** Sends `count` ticks from `a`'s manager to worker 0, on host b. */
function sendTicks(a: Cluster, count: number): void {
  for (let n = 0; n < count; n++) assert.equal(a.sendMessage("tick", { n }, 0), 1);
}

/**
 * Hosts "b" (worker 0) and "a" (worker 1) here, each through a proxy of
 * its own to a private server, a's sends confirmed at once by drain().
 */
async function twoHosts() {
  const server = await NatsServer.start();
  const toA = new NatsProxy(server.port);
  const toB = new NatsProxy(server.port);
  const watcher = await connect({ servers: server.url });
  const cluster = uniqueCluster();
  const b = await joinHere(cluster, "b", { servers: toB.url, workers: 1, ...TIMING });
  const a = await joinHere(cluster, "a", {
    servers: toA.url,
    workers: 1,
    highWaterMark: 1,
    ...TIMING,
  });
  b.onError(() => {});
  await probe(a, b, "b");
  await probe(b, a, "a");
  return {
    a,
    b,
    toA,
    toB,
    /**
     * b muted, a sends worker 0 `count` ticks and reconnects: resolves once
     * a told b how many it had sent, which b, muted, never hears.
     */
    async reconnectUnheard(count: number): Promise<void> {
      toB.mute();
      const { resumed } = await resumeTo(watcher, cluster, "b");
      sendTicks(a, count);
      toA.cut();
      await resumed;
    },
    /** Resolves once a saw its connection drop: its window to b closed. */
    aCutOff: () => noWindow(a, "b"),
    async [Symbol.asyncDispose]() {
      // A host muted would wait on the server for ever as it stops.
      toB.unmute();
      await a.stop();
      await b.stop();
      await watcher.close();
      await toA.close();
      await toB.close();
      await server.stop();
    },
  };
}

/**
 * Listens for a RESUME to host `host` of `cluster` (on `watcher`), and
 * resolves once the server has the subscription: `resumed` resolves once
 * one is published.
 */
async function resumeTo(
  watcher: NatsConnection,
  cluster: string,
  host: string,
): Promise<{ resumed: Promise<void> }> {
  const resumed = nextEvent<void>((listener) => {
    const subscription = watcher.subscribe(`switchboard.${cluster}.${host}`, {
      callback: (_error, message) => {
        readEnvelopes(message.data, (envelope) => {
          if (envelope.kind === RESUME) listener();
        });
      },
    });
    return () => subscription.unsubscribe();
  }, `a RESUME to host ${host}`);
  await watcher.flush();
  return { resumed };
}

/** Resolves once `cluster` has no window to `host` open (its stats say): it saw NATS drop. */
async function noWindow(cluster: Cluster, host: string): Promise<void> {
  const until = performance.now() + WAIT;
  const open = () => cluster.stats().connections.some(({ peer }) => peer === managerOf(host));
  while (open()) {
    if (performance.now() > until) {
      throw new Error(`Timed out waiting for the window to ${host} to close`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
