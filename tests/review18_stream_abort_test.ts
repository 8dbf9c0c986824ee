/**
 * Review 18: README (Cancellation reaches the handler) says a handler's
 * `msg.signal` aborts when its requester's own `signal` aborts: it tells the
 * handler's process with a `$cancel` frame, at once. A streamed request told
 * it only at the consumer's next `next()`: while the loop's body was busy
 * with a part (a slow write, a wait), the handler went on, its signal
 * unaborted, however long after the abort that was.
 */

import assert from "node:assert/strict";
import { nextEvent, startCluster } from "./helpers.ts";

type Stopped = { by: number | string; yielded: number; reason: string };

Deno.test("a streamed request's aborted signal reaches the handler while the consumer is busy with a part", async () => {
  await using cluster = await startCluster({ workers: 1, processes: {} });
  const controller = new AbortController();
  const parts = cluster.requestStream("countStream", { count: 1_000_000, delay: 5 }, {
    to: 0,
    signal: controller.signal,
  });
  let taken = 0;
  let thrown: unknown;
  try {
    for await (const _ of parts) {
      taken++;
      const stopped = nextEvent<Stopped>(
        (listener) => cluster.on("streamStopped", (data) => listener(data as Stopped)),
        "the handler's iteration to end, the consumer still busy with its first part",
      );
      controller.abort();
      // The loop's body is still at its first part: the handler stops all the same.
      const { by, reason } = await stopped;
      assert.deepEqual({ by, reason }, { by: 0, reason: "AbortError" });
    }
  } catch (error) {
    thrown = error;
  }
  assert.equal(taken, 1);
  assert.ok(thrown instanceof DOMException && thrown.name === "AbortError", `got ${thrown}`);
  assert.equal(cluster.stats().openStreams, 0);
});
