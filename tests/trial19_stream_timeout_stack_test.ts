/**
 * README (Errors and limits) says a `TimeoutError`'s stack shows the `await`
 * that made the request. A streamed request that waits too long for a part
 * is a request too: its `TimeoutError` should point at the `for await` that
 * read it, not only at the timer that fired (trial 19).
 */

import assert from "node:assert/strict";
import { TimeoutError } from "../mod.ts";
import { startCluster } from "./helpers.ts";

Deno.test("requestStream()'s TimeoutError has a stack that names the caller's file", async () => {
  await using cluster = await startCluster({ workers: 1, processes: {} });
  let error: unknown;
  try {
    // Worker 0 listens to "silentRequest" and never answers.
    for await (const _ of cluster.requestStream("silentRequest", {}, { to: 0, timeout: 100 })) {
      assert.fail("no part was sent");
    }
  } catch (thrown) {
    error = thrown;
  }
  assert.ok(error instanceof TimeoutError, `got ${error}`);
  assert.equal(
    error.message,
    'Streamed request "silentRequest" to worker 0 timed out after 100 ms waiting for a part',
  );
  assert.match(
    error.stack ?? "",
    /trial19_stream_timeout_stack_test\.ts/,
    "the stack points at the caller",
  );
});
