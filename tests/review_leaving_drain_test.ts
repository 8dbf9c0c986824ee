/**
 * Review: drain() waits for what a process holds for a sibling's next
 * process (README: "drain() waits for it"), also when that came back
 * from a connection that closed before it opened while drain() waited on
 * that connection's queue.
 */

import assert from "node:assert/strict";
import { Cluster } from "../mod.ts";
import { event, waitFor } from "./helpers.ts";

Deno.test("drain() waits for what a dial that closed unwelcomed gave back to hold for the next process", async () => {
  const dir = await Deno.makeTempDir({ prefix: "switchboard-test-leaving-drain-" });
  try {
    await using cluster = await Cluster.start({
      worker: new URL("./fixtures/leaving_flooder.ts", import.meta.url),
      workers: 2,
      args: [dir],
      permissions: { read: [dir], write: [dir] },
      highWaterMark: 16 * 1024,
      maxFrameSize: 32 * 1024,
      maxQueuedBytes: 64 * 1024,
    });
    cluster.onError(() => {});
    const reloading = event(cluster, "reload", 0);
    const reload = cluster.reload(0);
    await waitFor(reloading, "the reload to begin");
    // 50 KiB on a dial to the old worker 0, which fails: held for the next
    // process. Once drain() resolved, at most 16 KiB wait, and 30 KiB more fit.
    const outcome = await cluster.request("floodUntilGoneRequest", {
      to: 0,
      path: `${cluster.socketDir}/w0.sock`,
      size: 10 * 1024,
      count: 5,
      after: 30 * 1024,
    }, { to: 1 });
    await waitFor(reload, "the reload");
    assert.deepEqual(outcome, { counts: [1, 1, 1, 1, 1], after: 1 });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
