/**
 * A child given a bad control frame by its manager (one in another
 * language, say): the error says which frame and from whom, as fields.
 */

import assert from "node:assert/strict";
import { MANAGER } from "../mod.ts";
import { FakeManager } from "./fake_manager.ts";
import { waitFor } from "./helpers.ts";

const WORKER = new URL("./fixtures/error_printing_worker.ts", import.meta.url);

Deno.test('a "$members" that is not a layout is a FrameError naming "$members" and the manager', async () => {
  await using manager = await FakeManager.startWorker(WORKER, "piped");
  manager.send({ action: "$members", data: "not a layout" });
  // The bad frame closes its connection, the one to the manager: the worker exits.
  const printed = await waitFor(new Response(manager.child.stdout).text(), "the worker to exit");
  const reported = printed.trim().split("\n").map((line) => JSON.parse(line));
  assert.deepEqual(reported[0], {
    name: "FrameError",
    message: 'Bad frame from the manager: "$members" is not a layout',
    action: "$members",
    peer: MANAGER,
  });
  assert.equal((await manager.child.status).code, 1);
});
