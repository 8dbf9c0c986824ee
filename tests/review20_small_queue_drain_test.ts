/**
 * With a `maxQueuedBytes` under the default `highWaterMark` (1 MiB), the
 * high-water mark was lowered (d79d2ef), but to `maxQueuedBytes` itself:
 * `drain()` resolved whenever at most that much was queued, which is
 * always, so a sender that awaited it before each send still had a send
 * refused with `QueueFullError`, as before the change. Lowered so that
 * the largest frame fits above it, `drain()` waits in time.
 */

import assert from "node:assert/strict";
import { remote, startCluster } from "./helpers.ts";

const SLOW = new URL("./fixtures/slow_service.ts", import.meta.url);

Deno.test("with a small maxQueuedBytes, a sender that awaits drain() is never refused", async () => {
  const maxQueuedBytes = 256 * 1024;
  await using cluster = await startCluster({
    workers: 1,
    processes: { slow: SLOW },
    maxFrameSize: 64 * 1024,
    maxQueuedBytes,
  });
  const size = 8192;
  const outcome = await remote(cluster, 0, {
    op: "stream",
    to: "slow",
    count: 2_000,
    size,
    drainEvery: 1,
  });
  assert.ok("ok" in outcome, JSON.stringify(outcome));
  const { sent, maxQueued } = outcome.ok as { sent: number; maxQueued: number };
  assert.equal(sent, 2_000);
  assert.ok(maxQueued <= maxQueuedBytes, `peak ${maxQueued} bytes queued`);
});
