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
import { copyPayload } from "../src/payload_pieces.ts";
import { DELIVER, FORWARD, GONE, readRelay, type Relay, relayPayload } from "../src/unix/relay.ts";
import { bootstrapOf, FakeManager } from "./fake_manager.ts";

const NODE_SERVICE = new URL("./fixtures/node_service.mjs", import.meta.url).pathname;
const text = new TextDecoder();

function relay(kind: Relay["kind"], address: number | string, body: string): Uint8Array {
  return copyPayload(relayPayload(kind, address, body));
}

Deno.test("a Node peer's request refused by a process whose host then leaves fails", async () => {
  await using manager = await FakeManager.start(
    ["node", NODE_SERVICE],
    bootstrapOf("node", { workers: [0], services: ["node"], spanning: true }),
  );
  manager.send({
    action: "doRequest",
    messageId: "a",
    data: { op: "request", action: "echoRequest", data: "a", to: 7, timeout: 60_000 },
  });
  let forwarded;
  for (;;) {
    const read = readRelay(await manager.next());
    if (read?.kind === FORWARD) {
      forwarded = JSON.parse(text.decode(read.body));
      break;
    }
  }
  // Worker 7 stops alone (a reload on host b): its manager refuses the request.
  manager.send(relay(
    DELIVER,
    7,
    JSON.stringify({
      action: "echoResponse",
      messageId: forwarded.messageId,
      re: true,
      error: { name: "ClosedError", message: "worker 7 is stopping", stopping: true },
    }),
  ));
  // Then host b leaves, as a manager says it.
  manager.send(relay(GONE, 7, JSON.stringify({ reason: 'Host "b" left', seen: 1 })));
  manager.send({ action: "$members", data: { workers: [0], services: ["node"], managers: [] } });
  manager.send({
    action: "$event",
    data: { type: "hostLeft", address: "manager@b", host: "b" },
  });
  for (;;) {
    const payload = await manager.next();
    if (readRelay(payload)) continue;
    const message = JSON.parse(text.decode(payload));
    if (message.messageId !== "a") continue;
    assert.equal(message.data.error?.name, "UnreachableError", JSON.stringify(message.data));
    break;
  }
});
