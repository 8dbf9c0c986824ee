/**
 * Review 10: README "Waiting for a replacement": the wait "fails with …
 * `UnreachableError` when none comes (restarts off, given up, its host
 * left …)", and the Node peer sends a refused request to the next process
 * "as a Deno child does". Its waiting request ends only with a `ready` or
 * a `fatal` event (peers/node/switchboard_peer.mjs `#sendWaiting`), and a
 * GONE frame passes over it (`#gone`: `entry.waiting`): when the host of
 * the process it waits for leaves (GONE, `$members` without it,
 * `hostLeft`), it waits out its whole timeout (for ever with `timeout:
 * Infinity`). Switchboard's own requester ends such a wait on `hostLeft`
 * (src/replacements.ts `heard`).
 */

import assert from "node:assert/strict";
import { GONE } from "../src/unix/relay.ts";
import { answerTo, askedAndRefused, relay, startNodeService } from "./node_relay_play.ts";

Deno.test("a Node peer's request refused by a process whose host then leaves fails", async () => {
  await using manager = await startNodeService();
  // Worker 7 stops alone (a reload on host b): its manager refuses the request.
  await askedAndRefused(manager, "a", 7);
  // Then host b leaves, as a manager says it.
  manager.send(relay(GONE, 7, JSON.stringify({ reason: 'Host "b" left', seen: 1 })));
  manager.send({ action: "$members", data: { workers: [0], services: ["node"], managers: [] } });
  manager.send({
    action: "$event",
    data: { type: "hostLeft", address: "manager@b", host: "b" },
  });
  const answer = await answerTo(manager, "a") as { error?: { name: string } };
  assert.equal(answer.error?.name, "UnreachableError", JSON.stringify(answer));
});
