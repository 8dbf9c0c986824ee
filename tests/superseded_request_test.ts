/**
 * A request whose messageId its requester reuses while it is still being
 * answered is given up (its handler's signal aborts: the id now reaches
 * the newer), and the newer one's signal still aborts when its requester
 * is gone, or the process closes, as every other request's does; a
 * `$cancel` that came before the newer is not the newer's. Played at the
 * level of frames: requests relayed by the manager from worker 7 of
 * another host, as a peer in another language writes them.
 */

import assert from "node:assert/strict";
import { copyPayload } from "../src/payload_pieces.ts";
import { DELIVER, GONE, type Relay, relayPayload } from "../src/unix/relay.ts";
import { FakeManager } from "./fake_manager.ts";
import { waitFor } from "./helpers.ts";

const WATCHING = new URL("./fixtures/signal_watching_worker.ts", import.meta.url);
const READING = new URL("./fixtures/signal_reading_worker.ts", import.meta.url);

function relay(kind: Relay["kind"], address: number | string, body: unknown): Uint8Array {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return copyPayload(relayPayload(kind, address, text));
}

/** The child's stdout, as JSON lines. */
function lines(manager: FakeManager): () => Promise<Record<string, unknown>> {
  const reader = manager.child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  return async () => {
    for (;;) {
      const end = buffered.indexOf("\n");
      if (end >= 0) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 1);
        return JSON.parse(line);
      }
      const { value, done } = await waitFor(reader.read(), "a line from the worker");
      if (done) throw new Error("The worker's stdout ended");
      buffered += value;
    }
  };
}

/**
 * Sends worker 0 two requests from worker 7 with one id, each handler
 * taking its signal: the older is given up as the newer comes. Resolves
 * with what the worker said, once it said so; `said` gathers what it says
 * after.
 */
async function twoWithOneId(
  manager: FakeManager,
  next: () => Promise<Record<string, unknown>>,
): Promise<(until: (line: Record<string, unknown>) => boolean) => Promise<void>> {
  const said: Record<string, unknown>[] = [];
  const until = async (wanted: (line: Record<string, unknown>) => boolean) => {
    while (!said.some(wanted)) said.push(await next());
  };
  for (const n of [1, 2]) {
    manager.send(relay(DELIVER, 7, {
      action: "watchSignal",
      data: { n, ms: 5_000 },
      messageId: "reused",
    }));
    await until((line) => line.taken === n);
  }
  await until((line) => line.n === 1);
  assert.deepEqual(said.find((line) => line.n === 1), { n: 1, aborted: true }, "the older");
  return until;
}

Deno.test("a reused messageId gives up the older request at once, and the newer's signal aborts when its requester is gone", async () => {
  await using manager = await FakeManager.startWorker(WATCHING, "piped", { spanning: true });
  const until = await twoWithOneId(manager, lines(manager));
  const start = performance.now();
  manager.send(relay(GONE, 7, { reason: "worker 7 went away for the test" }));
  await until((line) => line.n === 2 && line.aborted === true);
  assert.ok(performance.now() - start < 2_000, "at once, not at the handler's own end");
});

Deno.test("a reused messageId gives up the older request at once, and the newer's signal aborts when the process closes", async () => {
  await using manager = await FakeManager.startWorker(WATCHING, "piped", { spanning: true });
  const until = await twoWithOneId(manager, lines(manager));
  const start = performance.now();
  manager.send({ action: "closeNow", data: null, messageId: "close" });
  await until((line) => line.n === 2 && line.aborted === true);
  assert.ok(performance.now() - start < 2_000, "at once, not at the handler's own end");
});

Deno.test("a $cancel for a request is not taken by a later request that reuses its id", async () => {
  await using manager = await FakeManager.startWorker(READING, "null", { spanning: true });
  // The cancel comes while the first is the only one with the id: it is
  // the first's. The newer reads its signal first (100 ms), the older later.
  manager.send({ action: "abortedRequest", data: { ms: 700, atOnce: false }, messageId: "reused" });
  manager.send({ action: "$cancel", data: { messageId: "reused" } });
  manager.send({ action: "abortedRequest", data: { ms: 100, atOnce: false }, messageId: "reused" });
  const answers = await manager.dataOf("reused", 2);
  // The newer answers first.
  assert.deepEqual(answers, [false, true], "the newer not cancelled, the older cancelled");
});
