/**
 * Review 10: README "Waiting for a replacement": the wait fails "with …
 * `ClosedError` at once when the cluster stops first"; a Deno child ends
 * every such wait as its `$stop` comes (src/child.ts: `if (!alone)
 * this.router.endReplacements()`), before its stop work. The Node peer,
 * which sends a refused request again "as a Deno child does", keeps it
 * waiting through the whole stop (peers/node/switchboard_peer.mjs: `$stop`
 * ends no wait; only its close at `$exit` fails it). Its stop waits for
 * the handlers running, and the one that made the request waits for it:
 * no `$stopped` comes until the request's timeout (here 60 s; the test
 * fails waiting for a frame), past the manager's `stopTimeout`, which
 * kills it.
 */

import assert from "node:assert/strict";
import {
  answerTo,
  askedAndRefused,
  nextPlain,
  type Plain,
  startNodeService,
} from "./node_relay_play.ts";

Deno.test("a Node peer's request waiting for a process's next one fails when the cluster stops", async () => {
  await using manager = await startNodeService();
  // Worker 7 stops alone (a reload on host b): its manager refuses the request.
  await askedAndRefused(manager, "a", 7);
  // Then the cluster stops.
  manager.send({ action: "$stop", data: {} });
  const before: Plain[] = [];
  const answer = await answerTo(manager, "a", before) as { error?: { name: string } };
  assert.equal(answer.error?.name, "ClosedError", JSON.stringify(answer));
  assert.ok(!before.some((message) => message.action === "$stopped"), "its outcome came first");
  // And the stop was not held: $stopped follows.
  await nextPlain(manager, (message) => message.action === "$stopped");
});
