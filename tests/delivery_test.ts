/**
 * Delivery guarantees: per sender→receiver pair, messages arrive in order,
 * exactly once, intact; requests to a process that dies settle at once.
 */

import assert from "node:assert/strict";
import { UnreachableError } from "../mod.ts";
import type { StreamReport } from "./fixtures/streams.ts";
import { nextMessage, startCluster, waitFor } from "./helpers.ts";

Deno.test("requests in flight to a process that dies all reject at once, naming target and action", async () => {
  await using cluster = await startCluster({ workers: 2, restart: false });
  cluster.onError(() => {});
  const requests = Array.from(
    { length: 100 },
    () =>
      cluster.request("silentRequest", {}, { to: 1, timeout: 600_000 }).then(
        () => "resolved",
        (e) => e,
      ),
  );
  assert.equal(cluster.stats().pendingRequests, 100);
  Deno.kill(cluster.pid(1)!, "SIGKILL");
  // Far inside their 10-minute timeout: only the prompt rejection passes.
  const outcomes = await waitFor(Promise.all(requests), "the requests to settle");
  for (const error of outcomes) {
    assert.ok(error instanceof UnreachableError, String(error));
    assert.equal(
      error.message,
      'Request "silentRequest" to worker 1 failed: the connection closed before it answered',
    );
  }
  assert.equal(cluster.stats().pendingRequests, 0);
});

/** Has `from` stream `count` messages of `size` characters to `to`, and returns both sides' view. */
async function stream(
  cluster: Awaited<ReturnType<typeof startCluster>>,
  from: number,
  to: number,
  count: number,
  size: number,
) {
  const report = nextMessage(cluster, "seqReport", (m) => (m.data as StreamReport).from === from);
  const sent = await cluster.request("doRequest", {
    op: "stream",
    to,
    count,
    size,
    drainEvery: size >= 1024 ? 1 : 100,
  }, { to: from, timeout: 120_000 });
  return { sent, report: (await report).data as StreamReport };
}

Deno.test("1,000,000 small messages between two workers arrive in order, exactly once", async () => {
  await using cluster = await startCluster({ workers: 2 });
  const { sent, report } = await stream(cluster, 0, 1, 1_000_000, 16);
  assert.deepEqual(report, { by: 1, from: 0, received: 1_000_000, outOfOrder: 0, badBodies: 0 });
  console.log("1M x 16 B, worker 0 -> worker 1:", sent);
});

Deno.test("10,000 messages of 64 KiB between two workers arrive in order, intact", async () => {
  await using cluster = await startCluster({ workers: 2 });
  const { sent, report } = await stream(cluster, 1, 0, 10_000, 64 * 1024);
  assert.deepEqual(report, { by: 0, from: 1, received: 10_000, outOfOrder: 0, badBodies: 0 });
  console.log("10k x 64 KiB, worker 1 -> worker 0:", sent);
});
