/**
 * Review 10: a request the Node peer sends again to a process's next one
 * (refused by the old one as it stopped alone) keeps the place its first
 * sending had among what was forwarded to that address
 * (peers/node/switchboard_peer.mjs `#sendWaiting` sends `entry.payload`
 * again, and leaves `entry.place`). A GONE frame's `seen` then judges the
 * first sending, not the one that is out: one the manager had not read
 * when it wrote ("what was sent after is answered on its own, as the relay
 * refuses or forwards each, and stays", src/transport.ts `LastSent.seen`)
 * is failed as if it had reached the process that died, and its answer,
 * which still comes, is lost. Switchboard's requester takes the place
 * anew at each sending (src/requester.ts, `sent: outbox.sent(target)`).
 */

import assert from "node:assert/strict";
import { DELIVER, GONE } from "../src/unix/relay.ts";
import {
  answerTo,
  askedAndRefused,
  nextForward,
  relay,
  startNodeService,
} from "./node_relay_play.ts";

Deno.test("a request the Node peer sent again is judged by its new place when its process is gone", async () => {
  await using manager = await startNodeService();
  // Forwarded to worker 7, the first message to it, and refused.
  const first = await askedAndRefused(manager, "a", 7);
  manager.send({ action: "$event", data: { type: "ready", address: 7 } });
  // Sent again to its next process: the second message to worker 7.
  assert.deepEqual((await nextForward(manager)).message, first);
  // Worker 7's next process is gone too, and the manager had read only the
  // first message when it wrote: the second is answered on its own.
  manager.send(relay(GONE, 7, JSON.stringify({ seen: 1 })));
  // As the relay answers it: here, by the process it reached after all.
  manager.send(relay(
    DELIVER,
    7,
    JSON.stringify({
      action: "echoResponse",
      messageId: first.messageId,
      re: true,
      data: { by: 7 },
    }),
  ));
  assert.deepEqual(await answerTo(manager, "a"), { ok: { by: 7 } });
});
