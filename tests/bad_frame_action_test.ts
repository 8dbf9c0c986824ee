/**
 * A frame whose action is fine and another field is not: its error names
 * the action as well as the sender, in the message and as fields.
 */

import assert from "node:assert/strict";
import { frame } from "../peers/node/frames.mjs";
import { bootstrapOf, FakeManager, writeAndEnd } from "./fake_manager.ts";
import { waitFor } from "./helpers.ts";

const WORKER = new URL("./fixtures/error_printing_worker.ts", import.meta.url);

Deno.test('a frame of "testRequest" whose messageId is a number is a FrameError naming "testRequest" and its sender', async () => {
  await using manager = await FakeManager.start(
    [Deno.execPath(), "run", "--allow-read=/tmp", "--allow-write=/tmp", "--allow-net", WORKER.href],
    bootstrapOf(0, { workers: [0, 1] }),
    "piped",
  );
  const bad = { action: "testRequest", data: {}, messageId: 5 };
  await writeAndEnd(
    await manager.dialChild(1),
    frame(new TextEncoder().encode(JSON.stringify(bad))),
  );
  // Its connection to the manager closed, the worker exits: what it printed is all.
  await manager.close();
  const printed = await waitFor(new Response(manager.child.stdout).text(), "the worker to exit");
  // Before the fix: no action, in the message or as a field.
  assert.deepEqual(printed.trim().split("\n").map((line) => JSON.parse(line)), [{
    name: "FrameError",
    message: 'Bad frame from worker 1: its "messageId" is not a string (action "testRequest")',
    action: "testRequest",
    peer: 1,
  }]);
});
