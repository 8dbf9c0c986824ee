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
import { copyPayload } from "../src/payload_pieces.ts";
import { DELIVER, FORWARD, GONE, readRelay, type Relay, relayPayload } from "../src/unix/relay.ts";
import { bootstrapOf, FakeManager } from "./fake_manager.ts";

const NODE_SERVICE = new URL("./fixtures/node_service.mjs", import.meta.url).pathname;
const text = new TextDecoder();

function relay(kind: Relay["kind"], address: number | string, body: string): Uint8Array {
  return copyPayload(relayPayload(kind, address, body));
}

Deno.test("a request the Node peer sent again is judged by its new place when its process is gone", async () => {
  await using manager = await FakeManager.start(
    ["node", NODE_SERVICE],
    bootstrapOf("node", { workers: [0], services: ["node"], spanning: true }),
  );
  const nextForward = async () => {
    for (;;) {
      const read = readRelay(await manager.next());
      if (read?.kind === FORWARD) return JSON.parse(text.decode(read.body));
    }
  };
  manager.send({
    action: "doRequest",
    messageId: "a",
    data: { op: "request", action: "echoRequest", data: "a", to: 7, timeout: 60_000 },
  });
  // Forwarded to worker 7: the first message to it.
  const first = await nextForward();
  manager.send(relay(
    DELIVER,
    7,
    JSON.stringify({
      action: "echoResponse",
      messageId: first.messageId,
      re: true,
      error: { name: "ClosedError", message: "worker 7 is stopping", stopping: true },
    }),
  ));
  manager.send({ action: "$event", data: { type: "ready", address: 7 } });
  // Sent again to its next process: the second message to worker 7.
  assert.deepEqual(await nextForward(), first);
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
  for (;;) {
    const payload = await manager.next();
    if (readRelay(payload)) continue;
    const message = JSON.parse(text.decode(payload));
    if (message.messageId !== "a") continue;
    assert.deepEqual(message.data, { ok: { by: 7 } }, JSON.stringify(message.data));
    break;
  }
});
