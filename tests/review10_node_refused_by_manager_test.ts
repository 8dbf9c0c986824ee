/**
 * Review 10: a manager refuses requests with `stopping: true` as its host
 * stops (src/manager.ts: "From now on it refuses each new request
 * (`stopping: true`, as a child stopping alone does)"), and a manager is
 * never replaced: Switchboard's requester takes its refusal as final
 * (src/requester.ts `#learnFrom`: "A manager refuses as its host stops,
 * and is never replaced: its refusal is final"), and the request fails at
 * once: `ClosedError`, "… was refused: the manager of host "b" is
 * stopping". The Node peer takes every `stopping: true` refusal as one to
 * wait on for a next process (peers/node/switchboard_peer.mjs `#answer`),
 * and no `ready` ever comes for a manager: its request to another host's
 * manager waits out its whole timeout (for ever with `timeout: Infinity`).
 */

import assert from "node:assert/strict";
import { copyPayload } from "../src/payload_pieces.ts";
import { DELIVER, FORWARD, readRelay, type Relay, relayPayload } from "../src/unix/relay.ts";
import { bootstrapOf, FakeManager } from "./fake_manager.ts";

const NODE_SERVICE = new URL("./fixtures/node_service.mjs", import.meta.url).pathname;
const text = new TextDecoder();

function relay(kind: Relay["kind"], address: number | string, body: string): Uint8Array {
  return copyPayload(relayPayload(kind, address, body));
}

Deno.test("a Node peer's request refused by another host's stopping manager fails at once", async () => {
  await using manager = await FakeManager.start(
    ["node", NODE_SERVICE],
    bootstrapOf("node", { workers: [0], services: ["node"], spanning: true }),
  );
  manager.send({
    action: "doRequest",
    messageId: "a",
    data: { op: "request", action: "echoRequest", data: "a", to: "manager@b", timeout: 60_000 },
  });
  let forwarded;
  for (;;) {
    const read = readRelay(await manager.next());
    if (read?.kind === FORWARD) {
      assert.equal(read.address, "manager@b");
      forwarded = JSON.parse(text.decode(read.body));
      break;
    }
  }
  // Host b stops: its manager refuses the request.
  manager.send(relay(
    DELIVER,
    "manager@b",
    JSON.stringify({
      action: "echoResponse",
      messageId: forwarded.messageId,
      re: true,
      error: {
        name: "ClosedError",
        message: 'the manager of host "b" is stopping',
        stopping: true,
      },
    }),
  ));
  for (;;) {
    const payload = await manager.next();
    if (readRelay(payload)) continue;
    const message = JSON.parse(text.decode(payload));
    if (message.messageId !== "a") continue;
    assert.equal(message.data.error?.name, "ClosedError", JSON.stringify(message.data));
    break;
  }
});
