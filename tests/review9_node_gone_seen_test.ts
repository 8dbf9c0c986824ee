/**
 * Review 9: README "Protocol", Relay frames: a GONE frame's `seen` "is
 * how many FORWARD frames for that process the manager had read from this
 * child process when it wrote this; those the child sent after are still
 * to be answered, one by one, and stay open". README says the Node
 * reference peer implements the relay frames (`peers/node/other_hosts.mjs`),
 * but it reads only `reason` and `reportOnly` of a GONE frame
 * (`take`), and its peer fails every request open to that process
 * (switchboard_peer.mjs `#gone`): a request the manager had not read yet,
 * which it goes on to answer, has failed already, and its answer is
 * dropped. (A Deno child keeps it open: src/fate.ts.) With the manager
 * played by hand, as tests/node_peer_relays_test.ts does.
 */

import assert from "node:assert/strict";
import { DELIVER, GONE } from "../src/unix/relay.ts";
import {
  answerTo,
  askThroughNode,
  nextForward,
  relay,
  startNodeService,
} from "./node_relay_play.ts";

Deno.test("a Node peer keeps open its requests a GONE frame's `seen` does not count", async () => {
  await using manager = await startNodeService();
  askThroughNode(manager, "d1", 7);
  const first = (await nextForward(manager)).message;
  askThroughNode(manager, "d2", 7);
  const second = (await nextForward(manager)).message;
  assert.deepEqual([first.data, second.data], ["d1", "d2"]);
  // Worker 7 is gone; the manager had read only the first request for it.
  manager.send(relay(GONE, 7, '{"reason":"worker 7 went away for the test","seen":1}'));
  const d1 = await answerTo(manager, "d1") as { error?: { name: string } };
  assert.equal(d1.error?.name, "UnreachableError", "the request the manager had read fails");
  // The second is answered on its own (by the next worker 7, say).
  const answer = {
    action: "echoResponse",
    messageId: second.messageId,
    re: true,
    data: "answered after all",
  };
  manager.send(relay(DELIVER, 7, JSON.stringify(answer)));
  assert.deepEqual(
    await answerTo(manager, "d2"),
    { ok: "answered after all" },
    "the request sent after what `seen` counts stays open, and takes its answer",
  );
});
