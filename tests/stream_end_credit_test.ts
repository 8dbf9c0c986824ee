/**
 * README, Protocol: a request with `stream: n` is answered with at most `n`
 * parts before the requester grants more with `$more`, "and the final
 * response needs none". A Deno handler waited for credit before it asked
 * its generator whether it was done, so a stream of exactly `n` parts did
 * not end until the requester granted more: a requester in another
 * language that grants only as it needs parts, and waits for the end,
 * waited for ever. Played here by hand, at the level of frames.
 */

import assert from "node:assert/strict";
import { FakeManager } from "./fake_manager.ts";
import { waitFor, WORKER } from "./helpers.ts";

/** The parts' `i` and whether the end came, reading until the end for `messageId`. */
async function readToEnd(manager: FakeManager, messageId: string): Promise<number[]> {
  const parts: number[] = [];
  for (;;) {
    const message = await manager.nextMessage();
    if (message.messageId !== messageId) continue;
    assert.equal(message.error, undefined, `the stream failed: ${JSON.stringify(message.error)}`);
    if (message.data === undefined) return parts;
    parts.push((message.data as { i: number }).i);
  }
}

Deno.test("a streamed answer of as many parts as its window ends without a grant of more", async () => {
  await using manager = await FakeManager.startWorker(WORKER);
  manager.send({ action: "countStream", data: { count: 2 }, messageId: "exact", stream: 2 });
  assert.deepEqual(await waitFor(readToEnd(manager, "exact"), "the stream's end, with no $more"), [
    0,
    1,
  ]);
});

Deno.test("a streamed answer of no parts ends, whatever its window", async () => {
  await using manager = await FakeManager.startWorker(WORKER);
  manager.send({ action: "countStream", data: { count: 0 }, messageId: "none", stream: 1 });
  assert.deepEqual(await waitFor(readToEnd(manager, "none"), "the stream's end"), []);
});
