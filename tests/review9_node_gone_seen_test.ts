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
import type { WireMessage } from "../src/codec.ts";
import { copyPayload } from "../src/payload_pieces.ts";
import { DELIVER, FORWARD, GONE, readRelay, type Relay, relayPayload } from "../src/unix/relay.ts";
import { bootstrapOf, FakeManager } from "./fake_manager.ts";

const NODE_SERVICE = new URL("./fixtures/node_service.mjs", import.meta.url).pathname;
const text = new TextDecoder();

function relay(kind: Relay["kind"], address: number | string, body: string): Uint8Array {
  return copyPayload(relayPayload(kind, address, body));
}

/** The next FORWARD frame's message, or the next message (a relay frame other than FORWARD skipped). */
async function nextSent(
  manager: FakeManager,
): Promise<{ forward: WireMessage } | { message: WireMessage }> {
  for (;;) {
    const payload = await manager.next();
    const read = readRelay(payload);
    if (!read) return { message: JSON.parse(text.decode(payload)) };
    if (read.kind === FORWARD) return { forward: JSON.parse(text.decode(read.body)) };
  }
}

/** The answer to the manager's `doRequest` `id`; what comes before it is kept in `others`. */
async function answerTo(manager: FakeManager, id: string, others: WireMessage[]): Promise<unknown> {
  for (;;) {
    const sent = await nextSent(manager);
    if ("message" in sent && sent.message.messageId === id) return sent.message.data;
    others.push("forward" in sent ? sent.forward : sent.message);
  }
}

Deno.test("a Node peer keeps open its requests a GONE frame's `seen` does not count", async () => {
  await using manager = await FakeManager.start(
    ["node", NODE_SERVICE],
    bootstrapOf("node", { workers: [0], services: ["node"], spanning: true }),
  );
  const ask = (id: string, data: number) =>
    manager.send({
      action: "doRequest",
      messageId: id,
      data: { op: "request", action: "echoRequest", data, to: 7, timeout: 60_000 },
    });
  ask("d1", 1);
  const first = await nextSent(manager);
  ask("d2", 2);
  const second = await nextSent(manager);
  assert.ok("forward" in first && "forward" in second);
  assert.deepEqual([first.forward.data, second.forward.data], [1, 2]);
  // Worker 7 is gone; the manager had read only the first request for it.
  manager.send(relay(GONE, 7, '{"reason":"worker 7 went away for the test","seen":1}'));
  const others: WireMessage[] = [];
  const d1 = await answerTo(manager, "d1", others) as { error?: { name: string } };
  assert.equal(d1.error?.name, "UnreachableError", "the request the manager had read fails");
  // The second is answered on its own (by the next worker 7, say).
  const answer = {
    action: "echoResponse",
    messageId: second.forward.messageId,
    re: true,
    data: "answered after all",
  };
  manager.send(relay(DELIVER, 7, JSON.stringify(answer)));
  assert.deepEqual(
    await answerTo(manager, "d2", others),
    { ok: "answered after all" },
    "the request sent after what `seen` counts stays open, and takes its answer",
  );
});
