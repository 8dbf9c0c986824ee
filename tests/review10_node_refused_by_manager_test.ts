/**
 * Review 10: a manager refuses requests with `stopping: true` as its host
 * stops (src/manager.ts: "From now on it refuses each new request
 * (`stopping: true`, as a child stopping alone does)"), and a manager is
 * never replaced: Switchboard's requester takes its refusal as final
 * (src/request_sender.ts `learnFrom`: "A manager refuses as its host stops,
 * and is never replaced: its refusal is final"), and the request fails at
 * once: `ClosedError`, "… was refused: the manager of host "b" is
 * stopping". The Node peer takes every `stopping: true` refusal as one to
 * wait on for a next process (peers/node/switchboard_peer.mjs `#answer`),
 * and no `ready` ever comes for a manager: its request to another host's
 * manager waits out its whole timeout (for ever with `timeout: Infinity`).
 */

import assert from "node:assert/strict";
import {
  answerTo,
  askThroughNode,
  nextForward,
  refuseAsStopping,
  startNodeService,
} from "./node_relay_play.ts";

Deno.test("a Node peer's request refused by another host's stopping manager fails at once", async () => {
  await using manager = await startNodeService();
  askThroughNode(manager, "a", "manager@b");
  const { to, message } = await nextForward(manager);
  assert.equal(to, "manager@b");
  // Host b stops: its manager refuses the request.
  refuseAsStopping(manager, "manager@b", message.messageId);
  const answer = await answerTo(manager, "a") as { error?: { name: string } };
  assert.equal(answer.error?.name, "ClosedError", JSON.stringify(answer));
});
