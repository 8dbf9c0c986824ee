/** stats(): what a process can see of its own traffic and work. */

import assert from "node:assert/strict";
import { HEADER_SIZE } from "../src/unix/frame.ts";
import { remote, startCluster } from "./helpers.ts";

Deno.test("stats() counts messages and bytes per connection, open requests and children", async () => {
  await using cluster = await startCluster({ workers: 2 });
  const before = cluster.stats().connections.find((c) => c.peer === 1)!;
  const payload = { text: "x".repeat(100) };
  const bytes = HEADER_SIZE +
    new TextEncoder().encode(JSON.stringify({ action: "test", data: payload })).length;
  for (let i = 0; i < 10; i++) cluster.sendMessage("test", payload, 1);
  const slow = cluster.request("slowRequest", { ms: 200 }, { to: 0 });

  const during = cluster.stats();
  assert.equal(during.id, "manager");
  assert.equal(during.pendingRequests, 1);
  const toOne = during.connections.find((c) => c.peer === 1)!;
  assert.equal(toOne.messagesOut - before.messagesOut, 10);
  assert.equal(toOne.bytesOut - before.bytesOut, 10 * bytes);
  assert.equal(toOne.bytesQueued, 10 * bytes, "queued until the next tick writes them");
  assert.deepEqual(
    during.connections.map((c) => c.peer).sort(),
    [0, 1, "logger"].sort(),
  );
  assert.deepEqual(
    during.children.map(({ address, state, restarts }) => ({ address, state, restarts })),
    [
      { address: 0, state: "ready", restarts: 0 },
      { address: 1, state: "ready", restarts: 0 },
      { address: "logger", state: "ready", restarts: 0 },
    ],
  );
  assert.ok(during.children.every((child) => typeof child.pid === "number"));
  assert.equal(during.hosts, undefined, "one host: no hosts to list");

  await slow;
  const after = cluster.stats();
  assert.equal(after.pendingRequests, 0);
  assert.equal(after.connections.find((c) => c.peer === 1)!.bytesQueued, 0);
  // The worker's side of the same connection: it received them, and has a
  // handler still running while a slow request is answered.
  const worker = await remote(cluster, 1, { op: "stats" });
  assert.ok("ok" in worker);
  const fromManager = (worker.ok as { connections: { peer: string; messagesIn: number }[] })
    .connections.find((c) => c.peer === "manager")!;
  assert.ok(fromManager.messagesIn >= 11);
  assert.equal((worker.ok as { children?: unknown }).children, undefined);
});

Deno.test("stats() counts a large message's bytes alike at both ends", async () => {
  await using cluster = await startCluster({ workers: 1 });
  const bytesIn = async () => {
    const stats = await remote(cluster, 0, { op: "stats" });
    assert.ok("ok" in stats);
    return (stats.ok as { connections: { peer: string; bytesIn: number }[] }).connections
      .find((c) => c.peer === "manager")!.bytesIn;
  };
  const bytesOut = () => cluster.stats().connections.find((c) => c.peer === 0)!.bytesOut;
  const [inBefore, outBefore] = [await bytesIn(), bytesOut()];
  // Its bytes are read into memory of their own, apart from its head.
  cluster.sendMessage("test", { file: new Uint8Array(1024 * 1024) }, 0);
  const [inAfter, outAfter] = [await bytesIn(), bytesOut()];
  assert.ok(outAfter - outBefore > 1024 * 1024);
  assert.equal(inAfter - inBefore, outAfter - outBefore);
});

Deno.test("stats() shows a handler running while its promise is pending", async () => {
  await using cluster = await startCluster({ workers: 1 });
  const held = cluster.request("holdRequest", undefined, { to: 0 });
  // Same connection, so it is handled after holdRequest has started.
  const stats = await remote(cluster, 0, { op: "stats" });
  assert.ok("ok" in stats);
  // holdRequest is running; doRequest, which reads the stats, is not counted yet.
  assert.equal((stats.ok as { handlersRunning: number }).handlersRunning, 1);
  cluster.sendMessage("release", undefined, 0);
  assert.equal(await held, "released");
});

Deno.test("stats() counts a streamed request as open from its first next() until it ends", async () => {
  await using cluster = await startCluster({ workers: 1 });
  const stream = cluster.requestStream("countStream", { count: 3 }, { to: 0 })[
    Symbol.asyncIterator
  ]();
  assert.equal(cluster.stats().openStreams, 0, "nothing is sent before the first next()");
  const first = await stream.next();
  assert.deepEqual(first.value, { i: 0, pad: "" });
  assert.deepEqual(
    [cluster.stats().openStreams, cluster.stats().pendingRequests],
    [1, 0],
    "open, and counted apart from plain requests",
  );
  while (!(await stream.next()).done) {
    // The rest of the parts.
  }
  assert.equal(cluster.stats().openStreams, 0, "ended with its last part");
  const cancelled = cluster.requestStream("countStream", { count: 1_000, delay: 10 }, { to: 0 })[
    Symbol.asyncIterator
  ]();
  await cancelled.next();
  assert.equal(cluster.stats().openStreams, 1);
  await cancelled.return!();
  assert.equal(cluster.stats().openStreams, 0, "ended by its cancellation");
});
