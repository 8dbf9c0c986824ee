/**
 * Review 19: the two phases of a stop (README "Protocol", `$stop` and
 * `$exit`), the Node reference peer beside a Deno child, each under a
 * manager played by hand. `$stop` waits for "the handlers running then";
 * `$exit` answers "the requests still running, taken after the stop
 * handlers ran". Across hosts the manager relays other hosts' requests
 * until `$exit`, so a child takes requests between its `$stopped` and its
 * `$exit`. The Node peer's `$stopped` waited for those too (under a steady
 * load it never came, and the manager killed it at `stopTimeout`), and its
 * `$exit` closed at once, dropping their answers.
 */

import assert from "node:assert/strict";
import type { WireMessage } from "../src/codec.ts";
import { bootstrapOf, FakeManager } from "./fake_manager.ts";
import { waitFor, WORKER } from "./helpers.ts";

const NODE_SERVICE = new URL("./fixtures/node_service.mjs", import.meta.url).pathname;

/** The Node service, or a Deno worker: both answer `slowRequest` after `ms`, and say "goodbye" in their stop work. */
const CHILDREN: Record<string, () => Promise<FakeManager>> = {
  "a Node service": () =>
    FakeManager.start(["node", NODE_SERVICE], bootstrapOf("node", { services: ["node"] })),
  "a Deno worker": () => FakeManager.startWorker(WORKER),
};

/** A request from the manager, answered after `ms`. */
function slowRequest(messageId: string, ms: number): WireMessage {
  return { action: "slowRequest", messageId, data: { ms }, timeout: 60_000 };
}

/** The next message the child sends, passing over what the Node service reports it saw. */
async function next(manager: FakeManager): Promise<WireMessage> {
  for (;;) {
    const message = await manager.nextMessage();
    if (message.action !== "serviceSaw") return message;
  }
}

/** The messages the child sends until it shuts its end. */
async function untilEnd(manager: FakeManager): Promise<WireMessage[]> {
  const sent: WireMessage[] = [];
  await manager.ended();
  for (;;) {
    try {
      sent.push(await manager.nextMessage());
    } catch {
      return sent;
    }
  }
}

for (const [child, start] of Object.entries(CHILDREN)) {
  Deno.test(`${child} answers, before it exits, a request it took after its $stopped`, async () => {
    await using manager = await start();
    manager.send({ action: "$stop" });
    assert.equal((await next(manager)).action, "goodbye");
    assert.equal((await next(manager)).action, "$stopped");
    // Another host's request, relayed until $exit.
    manager.send(slowRequest("late", 200));
    manager.send({ action: "$exit" });
    const sent = await untilEnd(manager);
    const answer = sent.find((message) => message.messageId === "late");
    assert.ok(answer, `answered before it closed; it sent ${JSON.stringify(sent)}`);
    assert.equal(answer.action, "slowResponse");
    assert.equal(answer.error, undefined, JSON.stringify(answer.error));
    await manager.close();
    assert.equal((await waitFor(manager.child.status, `${child} to exit`)).code, 0);
  });

  Deno.test(`${child} says $stopped once the handlers running at $stop are done, not those it took later`, async () => {
    await using manager = await start();
    manager.send(slowRequest("running", 300));
    manager.send({ action: "$stop" });
    assert.equal((await next(manager)).action, "goodbye");
    // Taken after its stop handlers ran: answered before it exits, not before $stopped.
    manager.send(slowRequest("later", 60_000));
    const running = await next(manager);
    assert.equal(running.messageId, "running");
    assert.equal(running.error, undefined, JSON.stringify(running.error));
    assert.equal((await next(manager)).action, "$stopped");
  });
}
