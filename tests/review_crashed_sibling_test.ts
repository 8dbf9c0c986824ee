/**
 * Review: a message to a sibling that crashed after the cluster started,
 * sent before the sender heard of the crash, is refused as any message to
 * a process that is down: `sendMessage` counts 0 (README, Failure
 * semantics: "a message to a crashed sibling counts 0"). The sender
 * started with the cluster, so its bootstrap named that sibling as
 * starting; nothing it heard since said the sibling started.
 */

import assert from "node:assert/strict";
import { waitFor } from "./helpers.ts";
import { racingSenders, sendToKilled } from "./racing_senders.ts";

Deno.test("a message to a sibling that crashed long after the start counts 0, also before the sender heard", async () => {
  const dir = await Deno.makeTempDir({ prefix: "switchboard-test-crashed-" });
  try {
    await using cluster = await racingSenders(dir, 2_000);
    const reported: unknown[] = [];
    cluster.on("reported", (error) => void reported.push(error));
    // Long after the start: both are up, and worker 1 never sent worker 0 anything.
    const { count } = await sendToKilled(cluster, dir);
    assert.equal(
      await waitFor(count, "the send"),
      0,
      `reported meanwhile: ${JSON.stringify(reported)}`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
