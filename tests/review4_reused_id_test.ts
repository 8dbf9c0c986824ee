/**
 * Review 4: a requester that reuses a messageId still being answered. The
 * older request's handler still sees its own timeout, in Deno as in the
 * Node reference peer (tests/node_peer_odd_failures_test.ts): the frame's
 * `timeout` tells the responder when that requester stops waiting.
 */

import assert from "node:assert/strict";
import { FakeManager } from "./fake_manager.ts";

const WORKER = new URL("./fixtures/signal_reading_worker.ts", import.meta.url);

Deno.test("a Deno handler sees its own request's timeout when its requester reuses the messageId", async () => {
  await using manager = await FakeManager.startWorker(WORKER);
  // Each handler takes its signal at once and reads it after 400 ms: the
  // first's timeout (100 ms) has passed by then, the second's (a minute) not.
  const ask = (timeout: number) => ({
    action: "abortedRequest",
    data: { ms: 400 },
    messageId: "reused",
    timeout,
  });
  manager.send(ask(100));
  manager.send(ask(60_000));
  const answers: unknown[] = [];
  while (answers.length < 2) {
    const message = await manager.nextMessage();
    if (message.messageId === "reused") answers.push(message.data);
  }
  assert.deepEqual(answers, [true, false]);
});

Deno.test("a $cancel for a reused messageId reaches the newer request, not the older", async () => {
  await using manager = await FakeManager.startWorker(WORKER);
  // README Protocol: "one that reuses an id still being answered makes the
  // newer request the one that id reaches ($cancel, $more)". The older
  // handler takes its signal at once; the newer only as it ends.
  manager.send({ action: "abortedRequest", data: { ms: 400 }, messageId: "reused" });
  manager.send({
    action: "abortedRequest",
    data: { ms: 400, atOnce: false },
    messageId: "reused",
  });
  manager.send({ action: "$cancel", data: { messageId: "reused" } });
  const answers: unknown[] = [];
  while (answers.length < 2) {
    const message = await manager.nextMessage();
    if (message.messageId === "reused") answers.push(message.data);
  }
  assert.deepEqual(answers, [false, true], "the older not cancelled, the newer cancelled");
});
