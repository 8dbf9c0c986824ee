/**
 * How the Node reference peer reads a GONE frame (README's Protocol, the
 * relay frames), against a manager played by hand: as Switchboard's own
 * `src/fate.ts` does.
 */

import assert from "node:assert/strict";
import { fateOf } from "../src/fate.ts";
import { fateOf as nodeFateOf } from "../peers/node/fate.mjs";
import { copyPayload } from "../src/payload_pieces.ts";
import { DELIVER, FORWARD, GONE, readRelay, type Relay, relayPayload } from "../src/unix/relay.ts";
import { bootstrapOf, FakeManager } from "./fake_manager.ts";

const NODE_SERVICE = new URL("./fixtures/node_service.mjs", import.meta.url).pathname;
const text = new TextDecoder();

function relay(kind: Relay["kind"], address: number | string, body: string): Uint8Array {
  return copyPayload(relayPayload(kind, address, body));
}

Deno.test("the Node peer's fate of what was forwarded to a process that is gone is Switchboard's", () => {
  const counts = [undefined, 0, 1, 2, 3, 5];
  for (let sent = 0; sent <= 5; sent++) {
    for (const seen of counts) {
      for (const undelivered of counts) {
        for (const onTheWay of counts) {
          const last = { seen, undelivered, onTheWay };
          const deno = fateOf(sent, last);
          const node = nodeFateOf(sent, last);
          for (let place = 0; place <= sent + 1; place++) {
            assert.equal(node(place), deno(place), JSON.stringify({ sent, ...last, place }));
          }
        }
      }
    }
  }
});

Deno.test("a GONE frame that says a process is still there leaves what it asked of the Node peer answered, its handler told, as Switchboard's are", async () => {
  await using manager = await FakeManager.start(
    ["node", NODE_SERVICE],
    bootstrapOf("node", { workers: [0], services: ["node"], spanning: true }),
  );
  const request = { action: "heldRequest", messageId: "h1", data: null };
  manager.send(relay(DELIVER, 7, JSON.stringify(request)));
  // One message to worker 7 was refused: it is still there.
  manager.send(relay(GONE, 7, '{"reason":"one message was too large for the test","there":true}'));
  manager.send(relay(DELIVER, 7, '{"action":"releaseHeld"}'));
  for (;;) {
    const read = readRelay(await manager.next());
    if (read?.kind !== FORWARD) continue;
    const answer = JSON.parse(text.decode(read.body));
    assert.deepEqual(
      {
        to: read.address,
        action: answer.action,
        messageId: answer.messageId,
        aborted: answer.data,
      },
      { to: 7, action: "heldResponse", messageId: "h1", aborted: true },
    );
    break;
  }
});

Deno.test("a Node peer's request refused by a process stopping alone goes to its next process once that is ready, and fails if it is given up", async () => {
  await using manager = await FakeManager.start(
    ["node", NODE_SERVICE],
    bootstrapOf("node", { workers: [0], services: ["node"], spanning: true }),
  );
  /** The next request the Node peer forwards to worker 7. */
  const nextForward = async () => {
    for (;;) {
      const read = readRelay(await manager.next());
      if (read?.kind === FORWARD) return JSON.parse(text.decode(read.body));
    }
  };
  const ask = (id: string) =>
    manager.send({
      action: "doRequest",
      messageId: id,
      data: { op: "request", action: "echoRequest", data: id, to: 7, timeout: 60_000 },
    });
  const refuse = (messageId: string) =>
    manager.send(relay(
      DELIVER,
      7,
      JSON.stringify({
        action: "echoResponse",
        messageId,
        re: true,
        error: { name: "ClosedError", message: "worker 7 is stopping", stopping: true },
      }),
    ));
  ask("a");
  const first = await nextForward();
  refuse(first.messageId);
  // Its next process is ready: the same request goes to it.
  manager.send({ action: "$event", data: { type: "ready", address: 7 } });
  assert.deepEqual(await nextForward(), first);

  ask("b");
  const second = await nextForward();
  refuse(second.messageId);
  manager.send({
    action: "$event",
    data: { type: "fatal", address: 7, restarts: 5, period: 60_000 },
  });
  for (;;) {
    const payload = await manager.next();
    if (readRelay(payload)) continue;
    const message = JSON.parse(text.decode(payload));
    if (message.messageId !== "b") continue;
    assert.equal(message.data.error.name, "UnreachableError");
    assert.match(
      message.data.error.message,
      /Request "echoRequest" to worker 7 failed: it stopped, and no new process replaced it/,
    );
    break;
  }
});
