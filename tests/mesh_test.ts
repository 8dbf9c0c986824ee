/**
 * How children connect to each other: directly, each pair on first use
 * (not all at start), and safely when two dial each other at once.
 */

import assert from "node:assert/strict";
import type { Cluster, LifecycleEvent, PeerStats } from "../mod.ts";
import type { StreamReport } from "./fixtures/streams.ts";
import { nextEvent, nextMessage, remote, startCluster, WAIT } from "./helpers.ts";

async function peersOf(cluster: Cluster, child: number): Promise<unknown[]> {
  const { ok } = await remote(cluster, child, { op: "stats" }) as { ok: PeerStats };
  return ok.connections.map((connection) => connection.peer);
}

Deno.test("a worker connects to another worker when it first sends to it, not before", async () => {
  await using cluster = await startCluster({ workers: 3 });
  assert.deepEqual(await peersOf(cluster, 0), ["manager"]);
  assert.deepEqual(
    await remote(cluster, 0, { op: "request", action: "testRequest", data: { time: 1 }, to: 2 }),
    { ok: { time: 1, by: 2 } },
  );
  assert.deepEqual(await peersOf(cluster, 0), ["manager", 2]);
  // Worker 2 answers on the connection worker 0 opened, and keeps it.
  assert.deepEqual(await peersOf(cluster, 2), ["manager", 0]);
  assert.deepEqual(await remote(cluster, 2, { op: "send", action: "test", data: {}, to: 0 }), {
    ok: 1,
  });
  assert.deepEqual(await peersOf(cluster, 2), ["manager", 0]);
  assert.deepEqual(await peersOf(cluster, 1), ["manager"]);
});

/** Has `from` stream `count` numbered messages to `to`; resolves with what `to` received. */
async function stream(cluster: Cluster, from: number, to: number, count: number) {
  const report = nextMessage(cluster, "seqReport", (m) => (m.data as StreamReport).from === from);
  await cluster.request("doRequest", { op: "stream", to, count, size: 16, drainEvery: 100 }, {
    to: from,
    timeout: WAIT,
  });
  return (await report).data;
}

Deno.test("two workers that first send to each other at the same moment lose nothing and keep order", async () => {
  // A few fresh clusters, so that the two dials race more than once.
  for (let round = 0; round < 3; round++) {
    await using cluster = await startCluster({ workers: 2, processes: {} });
    const count = 20_000;
    const [toOne, toZero] = await Promise.all([
      stream(cluster, 0, 1, count),
      stream(cluster, 1, 0, count),
    ]);
    assert.deepEqual(toOne, { by: 1, from: 0, received: count, outOfOrder: 0, badBodies: 0 });
    assert.deepEqual(toZero, { by: 0, from: 1, received: count, outOfOrder: 0, badBodies: 0 });
    // And requests both ways still find their answers.
    for (const [from, to] of [[0, 1], [1, 0]]) {
      assert.deepEqual(
        await remote(cluster, from, { op: "request", action: "testRequest", data: {}, to }),
        { ok: { by: to } },
      );
    }
  }
});

Deno.test("a worker's sends to a child the manager reported down are refused at once", async () => {
  await using cluster = await startCluster({ workers: 3, restart: { backoff: 60_000 } });
  const exited = lifecycleEvent(cluster, "exit", 1);
  Deno.kill(cluster.pid(1)!, "SIGKILL");
  await exited;
  // Worker 0 had the event before this request: both came from the manager, in order.
  assert.deepEqual(await remote(cluster, 0, { op: "send", action: "test", data: {}, to: 1 }), {
    ok: 0,
  });
  assert.deepEqual(
    await remote(cluster, 0, { op: "request", action: "testRequest", data: {}, to: 1 }),
    {
      error: {
        name: "UnreachableError",
        message: 'Request "testRequest" to worker 1 failed: it is not connected',
      },
    },
  );
  assert.deepEqual(await remote(cluster, 0, { op: "send", action: "test", data: {}, to: 2 }), {
    ok: 1,
  });
  assert.deepEqual(await peersOf(cluster, 0), ["manager", 2]);
});

Deno.test("an answer never overtakes what the same process sent before it, with two links or one", async () => {
  for (let round = 0; round < 3; round++) {
    await using cluster = await startCluster({ workers: 2, processes: {} });
    // Both dial at once: usually two links between them.
    await Promise.all([
      remote(cluster, 0, { op: "send", action: "test", data: {}, to: 1 }),
      remote(cluster, 1, { op: "send", action: "test", data: {}, to: 0 }),
    ]);
    assert.deepEqual(await remote(cluster, 0, { op: "burstBeforeAnswer", to: 1, count: 20 }), {
      ok: 20,
    });
  }
});

Deno.test("a message sent while its connection is still opening is written before close() finishes", async () => {
  await using cluster = await startCluster({ workers: 2, processes: {}, restart: false });
  const seen = nextMessage(cluster, "seen", (m) => (m.data as { by: number }).by === 1);
  assert.deepEqual(await peersOf(cluster, 0), ["manager"], "no link to worker 1 yet");
  assert.deepEqual(
    await remote(cluster, 0, { op: "sendThenClose", action: "test", data: { n: 1 }, to: 1 }),
    { ok: 1 },
  );
  assert.deepEqual((await seen).data, { by: 1, action: "test", data: { n: 1 }, from: 0 });
});

/** Resolves at the manager's next lifecycle event of `type` about `address`. */
function lifecycleEvent(cluster: Cluster, type: string, address: number): Promise<LifecycleEvent> {
  return nextEvent(
    (listener) => cluster.onLifecycle(listener),
    `a ${type} event for worker ${address}`,
    (event) => event.type === type && event.address === address,
  );
}

Deno.test("a child started after another was given up does not count sends to it", async () => {
  await using cluster = await startCluster({
    workers: 3,
    restart: { maxRestarts: 1, backoff: 1 },
    escalate: false,
  });
  cluster.onError(() => {});
  const restarted = lifecycleEvent(cluster, "ready", 1);
  Deno.kill(cluster.pid(1)!, "SIGKILL");
  await restarted;
  const givenUp = lifecycleEvent(cluster, "fatal", 1);
  Deno.kill(cluster.pid(1)!, "SIGKILL");
  await givenUp;
  // Worker 0 starts again after that, so no event told it about worker 1.
  const zeroAgain = lifecycleEvent(cluster, "ready", 0);
  Deno.kill(cluster.pid(0)!, "SIGKILL");
  await zeroAgain;
  assert.deepEqual(await remote(cluster, 0, { op: "send", action: "test", data: {}, to: 1 }), {
    ok: 0,
  });
  assert.deepEqual(await remote(cluster, 2, { op: "send", action: "test", data: {}, to: 1 }), {
    ok: 0,
  });
  assert.deepEqual(await remote(cluster, 0, { op: "errors" }), {
    ok: { count: 0, names: {}, samples: [] },
  });
});
