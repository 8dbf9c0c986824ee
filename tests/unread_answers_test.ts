/**
 * A peer that sends and never reads: what a process answers it on its own
 * (`$left` for each `$leaving`) waits within `maxQueuedBytes`, as any
 * answer does, and the rest is reported once rather than queued without
 * limit.
 */

import assert from "node:assert/strict";
import { frame } from "../peers/node/frames.mjs";
import { bootstrapOf, FakeManager } from "./fake_manager.ts";
import { waitFor } from "./helpers.ts";

const WORKER = new URL("./fixtures/worker.ts", import.meta.url);
const MAX_QUEUED = 2 * 1024 * 1024;
/** The fake manager's bootstrap's `maxFrameSize`. */
const MAX_FRAME = 1024 * 1024;

Deno.test("$left answers to a sibling that never reads stay within maxQueuedBytes, and the drop is reported once", async () => {
  await using manager = await FakeManager.start(
    [Deno.execPath(), "run", "--allow-read=/tmp", "--allow-write=/tmp", "--allow-net", WORKER.href],
    (transport) => ({
      ...bootstrapOf(0, { workers: [0, 1] })(transport),
      maxQueuedBytes: MAX_QUEUED,
    }),
  );
  // Worker 1, with the token, says $leaving 400,000 times (10 MB) and reads nothing.
  const conn = await manager.dialChild(1);
  try {
    const leaving = frame(new TextEncoder().encode(JSON.stringify({ action: "$leaving" })));
    const burst = new Uint8Array(leaving.length * 10_000);
    for (let i = 0; i < 10_000; i++) burst.set(leaving, i * leaving.length);
    for (let round = 0; round < 40; round++) {
      for (let at = 0; at < burst.length;) at += await conn.write(burst.subarray(at));
    }
    // Written is not read: asked on the manager's connection until the worker has read them all.
    const toWorker1 = await waitFor(
      (async () => {
        for (let asked = 0;; asked++) {
          const messageId = `stats ${asked}`;
          manager.send({ action: "doRequest", messageId, data: { op: "stats" } });
          const [stats] = await manager.dataOf(messageId, 1) as [
            { ok: { connections: { peer: unknown; messagesIn: number; bytesQueued: number }[] } },
          ];
          const connection = stats.ok.connections.find((connection) => connection.peer === 1)!;
          if (connection.messagesIn >= 400_000) return connection;
        }
      })(),
      "the worker to read the 400,000 frames",
    );
    assert.equal(toWorker1.messagesIn, 400_000);
    // Before the fix: some 8.6 MB queued, all 400,000 answers less what the socket took. Now
    // at most maxQueuedBytes and one frame more, the room a slow reader's $left is given.
    const bound = MAX_QUEUED + MAX_FRAME + 4;
    assert.ok(toWorker1.bytesQueued <= bound, `${toWorker1.bytesQueued} bytes queued`);
    manager.send({ action: "doRequest", messageId: "errors", data: { op: "errors" } });
    const [errors] = await manager.dataOf("errors", 1) as [
      { ok: { count: number; names: Record<string, number>; samples: string[] } },
    ];
    assert.deepEqual(errors.ok.names, { QueueFullError: 1 }, JSON.stringify(errors.ok));
    assert.match(
      errors.ok.samples[0],
      /^Cannot send "\$left" to worker 1: \d+ bytes are queued for it already, and the limit is 3145732 \(maxQueuedBytes and a frame\): it sends and does not read/,
    );
  } finally {
    conn.close();
  }
});
