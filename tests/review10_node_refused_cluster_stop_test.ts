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
import { copyPayload } from "../src/payload_pieces.ts";
import { DELIVER, FORWARD, readRelay, type Relay, relayPayload } from "../src/unix/relay.ts";
import { bootstrapOf, FakeManager } from "./fake_manager.ts";

const NODE_SERVICE = new URL("./fixtures/node_service.mjs", import.meta.url).pathname;
const text = new TextDecoder();

function relay(kind: Relay["kind"], address: number | string, body: string): Uint8Array {
  return copyPayload(relayPayload(kind, address, body));
}

Deno.test("a Node peer's request waiting for a process's next one fails when the cluster stops", async () => {
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
  // Then the cluster stops.
  manager.send({ action: "$stop", data: {} });
  const before: unknown[] = [];
  for (;;) {
    const payload = await manager.next();
    if (readRelay(payload)) continue;
    const message = JSON.parse(text.decode(payload));
    if (message.action === "$stopped") break;
    if (message.messageId === "a") before.push(message.data);
  }
  assert.equal(before.length, 1, "the request's outcome came before $stopped");
  assert.equal(
    (before[0] as { error?: { name: string } }).error?.name,
    "ClosedError",
    JSON.stringify(before),
  );
});
