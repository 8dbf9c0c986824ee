/**
 * A requester in another language that reuses a messageId still being
 * answered (played here by hand, at the level of frames): the older
 * request is given up (its handler's signal aborts; a streamed answer
 * ends rather than wait for ever for a `$more` that now goes to the
 * newer), and the newer is the one its id finds from then on (`$cancel`,
 * `$more`), in a Deno child and in the Node reference peer. More in
 * tests/superseded_request_test.ts.
 */

import assert from "node:assert/strict";
import { bootstrapOf, FakeManager } from "./fake_manager.ts";
import { WORKER } from "./helpers.ts";

const SIGNAL_READING = new URL("./fixtures/signal_reading_worker.ts", import.meta.url);
const NODE_SERVICE = new URL("./fixtures/node_service.mjs", import.meta.url).pathname;

Deno.test("a streamed answer whose messageId its requester reuses ends, and the newer one streams", async () => {
  await using manager = await FakeManager.startWorker(WORKER);
  const ask = (count: number, stream: number) => ({
    action: "countStream",
    data: { count },
    messageId: "reused",
    stream,
  });
  manager.send(ask(10, 2));
  // The older stream has sent its two parts, and waits for a `$more` with its third made.
  await manager.dataOf("reused", 2);
  manager.send(ask(3, 10));
  const stopped: unknown[] = [];
  const newer: unknown[] = [];
  let ended = false;
  while (stopped.length < 2 || !ended) {
    const message = await manager.nextMessage();
    if (message.action === "streamStopped") stopped.push(message.data);
    else if (message.messageId === "reused") {
      if (message.data === undefined) ended = true;
      else newer.push(message.data);
    }
  }
  assert.deepEqual(newer.map((part) => (part as { i: number }).i), [0, 1, 2]);
  assert.deepEqual(
    stopped.map((data) => (data as { yielded: number }).yielded).sort(),
    [3, 3],
  );
});

/**
 * Asks twice with one messageId: each handler reads its signal after 400
 * ms, long before either's timeout (a minute). The older's has aborted.
 */
async function askTwiceWithOneId(manager: FakeManager): Promise<void> {
  const ask = {
    action: "abortedRequest",
    data: { ms: 400 },
    messageId: "reused",
    timeout: 60_000,
  };
  manager.send(ask);
  manager.send(ask);
  assert.deepEqual(await manager.dataOf("reused", 2), [true, false]);
}

Deno.test("a Deno handler's request whose messageId its requester reuses is given up, and the newer runs on", async () => {
  await using manager = await FakeManager.startWorker(SIGNAL_READING);
  await askTwiceWithOneId(manager);
});

Deno.test("a Node handler's request whose messageId its requester reuses is given up, and the newer runs on", async () => {
  await using manager = await FakeManager.start(
    ["node", NODE_SERVICE],
    bootstrapOf("node", { services: ["node"] }),
  );
  await askTwiceWithOneId(manager);
});

Deno.test("a $cancel for a reused messageId reaches the newer request; the older was given up", async () => {
  await using manager = await FakeManager.startWorker(SIGNAL_READING);
  // README Protocol: "one that reuses an id still being answered gives up
  // the older request; the id then reaches the newer ($cancel, $more)".
  // The older handler takes its signal at once; the newer only as it ends.
  manager.send({ action: "abortedRequest", data: { ms: 400 }, messageId: "reused" });
  manager.send({
    action: "abortedRequest",
    data: { ms: 400, atOnce: false },
    messageId: "reused",
  });
  manager.send({ action: "$cancel", data: { messageId: "reused" } });
  const answers = await manager.dataOf("reused", 2);
  assert.deepEqual(answers, [true, true], "the older given up, the newer cancelled");
});
