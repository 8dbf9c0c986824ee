/**
 * A requester in another language that reuses a messageId still being
 * answered (played here by hand, at the level of frames): the newer
 * request is the one its id finds from then on; the older one's streamed
 * answer ends rather than waiting for ever for a `$more` that now goes to
 * the newer.
 */

import assert from "node:assert/strict";
import { FakeManager } from "./fake_manager.ts";
import { WORKER } from "./helpers.ts";

Deno.test("a streamed answer whose messageId its requester reuses ends, and the newer one streams", async () => {
  await using manager = await FakeManager.startWorker(WORKER);
  const ask = (count: number, stream: number) => ({
    action: "countStream",
    data: { count },
    messageId: "reused",
    stream,
  });
  manager.send(ask(10, 2));
  // The older stream has sent its two parts, and waits for a `$more`.
  const parts: unknown[] = [];
  while (parts.length < 2) {
    const message = await manager.nextMessage();
    if (message.messageId === "reused") parts.push(message.data);
  }
  manager.send(ask(3, 10));
  const stopped: unknown[] = [];
  const newer: unknown[] = [];
  let ended = false;
  while (stopped.length < 2 || !ended) {
    const message = await manager.nextMessage();
    if (message.action === "streamStopped") stopped.push(message.data);
    else if (message.messageId === "reused") {
      if (message.data === undefined) ended = true;
      else newer.push(message.data);
    }
  }
  assert.deepEqual(newer.map((part) => (part as { i: number }).i), [0, 1, 2]);
  assert.deepEqual(
    stopped.map((data) => (data as { yielded: number }).yielded).sort(),
    [2, 3],
  );
});
