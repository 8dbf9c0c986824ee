/** Backpressure: a slow receiver bounds the sender's memory; a long run leaks nothing. */

import assert from "node:assert/strict";
import { DEFAULTS } from "../mod.ts";
import type { StreamReport } from "./fixtures/streams.ts";
import { nextMessage, remote, startCluster } from "./helpers.ts";

const SLOW = new URL("./fixtures/slow_service.ts", import.meta.url);

Deno.test("a flood against a slow service stays under the high-water mark with drain()", async () => {
  await using cluster = await startCluster({ workers: 1, processes: { slow: SLOW } });
  const size = 4096;
  const outcome = await cluster.request("doRequest", {
    op: "stream",
    to: "slow",
    count: 5_000,
    size,
    drainEvery: 1,
  }, { to: 0, timeout: 60_000 });
  const { sent, maxQueued } = (outcome as { ok: { sent: number; maxQueued: number } }).ok;
  assert.equal(sent, 5_000);
  // drain() waits whenever more than the high-water mark is queued: the
  // queue never grows past it by more than one message.
  assert.ok(maxQueued <= DEFAULTS.highWaterMark + size + 100, `peak ${maxQueued} bytes queued`);
  assert.ok(maxQueued > 0, "the service was slow enough to make a queue");
  console.log(`5,000 x 4 KiB to a slow service: peak ${maxQueued} bytes queued`);
});

Deno.test("a flood that ignores drain() is refused at maxQueuedBytes instead of growing", async () => {
  const maxQueuedBytes = 2 * 1024 * 1024;
  await using cluster = await startCluster({
    workers: 1,
    processes: { slow: SLOW },
    maxFrameSize: 64 * 1024,
    maxQueuedBytes,
  });
  const outcome = await remote(cluster, 0, { op: "flood", to: "slow", size: 8192 });
  assert.ok("ok" in outcome);
  const { sent, maxQueued, refusal } = outcome.ok as {
    sent: number;
    maxQueued: number;
    refusal: string;
  };
  assert.ok(maxQueued <= maxQueuedBytes, `peak ${maxQueued} bytes queued`);
  assert.match(
    refusal,
    /^Cannot send "work" to service "slow": \d+ bytes are queued for it already, and the limit is 2097152 \(maxQueuedBytes\); await drain\(\) first$/,
  );
  // Nothing sent before the refusal was lost: a request from the same
  // sender arrives after all of it, and the service has done all of it.
  assert.deepEqual(
    await remote(cluster, 0, { op: "request", action: "doneRequest", to: "slow", timeout: 60_000 }),
    { ok: sent },
  );
  console.log(`flood without drain: ${sent} sent, peak ${maxQueued} bytes queued, then refused`);
});

Deno.test("2,000,000 messages and 20,000 requests leave the heap where warm-up left it", async () => {
  await using cluster = await startCluster({
    workers: 2,
    processes: {},
    flags: ["--v8-flags=--expose-gc"],
  });
  const run = async (messages: number, requests: number) => {
    // Within the stream request's own time: the report comes once all of it came.
    const report = nextMessage(cluster, "seqReport", undefined, 120_000);
    await cluster.request("doRequest", {
      op: "stream",
      to: 1,
      count: messages,
      size: 16,
      drainEvery: 100,
    }, { to: 0, timeout: 120_000 });
    assert.equal(((await report).data as StreamReport).received, messages);
    await remote(cluster, 0, { op: "requests", to: 1, count: requests });
  };
  const heaps = async () =>
    await Promise.all([0, 1].map(async (worker) => {
      const outcome = await remote(cluster, worker, { op: "heap" });
      assert.ok("ok" in outcome, JSON.stringify(outcome));
      return outcome.ok as number;
    }));

  await run(200_000, 2_000);
  const warm = await heaps();
  await run(2_000_000, 20_000);
  const end = await heaps();
  const stats = await remote(cluster, 0, { op: "stats" });
  console.log(`heap after warm-up ${warm}, after 2M messages ${end} (sender, receiver)`);
  for (const i of [0, 1]) {
    assert.ok(end[i] <= warm[i] * 1.1, `worker ${i}: ${warm[i]} -> ${end[i]} bytes`);
  }
  const { pendingRequests, handlersRunning, connections } = (stats as {
    ok: {
      pendingRequests: number;
      handlersRunning: number;
      connections: { peer: number; bytesQueued: number; messagesOut: number }[];
    };
  }).ok;
  assert.equal(pendingRequests, 0);
  assert.equal(handlersRunning, 0);
  const toOne = connections.find((c) => c.peer === 1)!;
  assert.equal(toOne.bytesQueued, 0);
  assert.ok(toOne.messagesOut >= 2_200_000 + 22_000);
});
