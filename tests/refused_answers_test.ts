/**
 * A request whose answer is refused because the answerer's queue to the
 * requester is over `maxQueuedBytes` (a requester that sends and does not
 * read): the requester learns at once that its request failed, with an
 * error answer named `QueueFullError`, which has a frame of room past the
 * limit as a `$left` has; the answerer's onError hears the refusal of an
 * answer its handler returned, and a reply by hand throws it (README
 * "Backpressure"). Before, a Deno listener's reply refused so left the
 * request marked answered, and nothing went; a handler's refusal went
 * unreported in both peers; and an error answer refused too (the queue
 * within its size of the limit) left the requester waiting out its timeout.
 * Both peers, the Deno worker and the Node reference peer, alike.
 */

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { decodeMessage, type WireMessage } from "../src/codec.ts";
import { frame, FrameReader } from "../peers/node/frames.mjs";
import { bootstrapOf, FakeManager } from "./fake_manager.ts";
import { waitFor } from "./helpers.ts";

const WORKER = new URL("./fixtures/worker.ts", import.meta.url);
const REPORTING = new URL("./fixtures/node_reporting_service.mjs", import.meta.url).pathname;
const MAX_QUEUED = 2 * 1024 * 1024;
/** Requests with 256 KiB of data each, echoed: 6 MiB of answers, far past MAX_QUEUED. */
const COUNT = 24;
const DATA = "x".repeat(256 * 1024);

/** The Deno worker under test, its bootstrap's `maxQueuedBytes` MAX_QUEUED. */
function denoWorker(): Promise<FakeManager> {
  return FakeManager.start(
    [Deno.execPath(), "run", "--allow-read=/tmp", "--allow-write=/tmp", "--allow-net", WORKER.href],
    (transport) => ({
      ...bootstrapOf(0, { workers: [0, 1] })(transport),
      maxQueuedBytes: MAX_QUEUED,
    }),
  );
}

/** The Node service under test, as the Deno worker. */
function nodeService(): Promise<FakeManager> {
  return FakeManager.start(
    ["node", REPORTING],
    (transport) => ({
      ...bootstrapOf("node", { workers: [1], services: ["node"] })(transport),
      maxQueuedBytes: MAX_QUEUED,
    }),
  );
}

/** Sends COUNT requests for `action`, ids `r0`…, on `conn`, reading nothing. */
async function flood(conn: Deno.UnixConn, action: string): Promise<void> {
  for (let n = 0; n < COUNT; n++) {
    const request = { action, messageId: `r${n}`, data: DATA };
    const bytes = frame(new TextEncoder().encode(JSON.stringify(request)));
    for (let at = 0; at < bytes.length;) at += await conn.write(bytes.subarray(at));
  }
}

/** Reads `conn` until every request has its answer: by id. */
function answersOn(conn: Deno.UnixConn): Promise<Map<string, WireMessage>> {
  const answers = new Map<string, WireMessage>();
  const reader = new FrameReader(Infinity);
  const buffer = new Uint8Array(64 * 1024);
  return waitFor(
    (async () => {
      while (answers.size < COUNT) {
        const count = await conn.read(buffer);
        if (count === null) throw new Error("The answerer closed the connection");
        for (const payload of reader.push(Buffer.from(buffer.subarray(0, count)))) {
          const message = decodeMessage(payload, "the answerer");
          if (message.re === true) answers.set(message.messageId!, message);
        }
      }
      return answers;
    })(),
    () => `every answer (${answers.size} of ${COUNT} came)`,
  );
}

/** Every request answered: with its data, or failed as refused at maxQueuedBytes, some so. */
function checkAnswers(answers: Map<string, WireMessage>, response: string, by: string): void {
  let refused = 0;
  for (const [id, answer] of answers) {
    assert.equal(answer.action, response, id);
    if (answer.error === undefined) continue;
    refused++;
    assert.equal(answer.error.name, "QueueFullError", id);
    assert.match(
      answer.error.message,
      new RegExp(`^Cannot send "${response}" to worker 1: \\d+ bytes are queued for it already`),
    );
  }
  assert.ok(refused > 0, `no answer of ${by} was refused`);
}

/** The errors the Deno worker reported, once there are `atLeast`. */
async function denoErrors(
  manager: FakeManager,
  atLeast: number,
): Promise<{ names: Record<string, number>; samples: string[] }> {
  manager.send({ action: "doRequest", messageId: "errors", data: { op: "errors", atLeast } });
  const [errors] = await manager.dataOf("errors", 1) as [
    { ok: { names: Record<string, number>; samples: string[] } },
  ];
  return errors.ok;
}

Deno.test("a Deno handler's answer refused at maxQueuedBytes fails the request at once, and onError hears it", async () => {
  await using manager = await denoWorker();
  const conn = await manager.dialChild(1);
  try {
    await flood(conn, "echoRequest");
    const errors = await denoErrors(manager, 1);
    assert.ok(errors.names.QueueFullError > 0, JSON.stringify(errors));
    assert.match(errors.samples[0], /^Cannot send "echoResponse" to worker 1: /);
    checkAnswers(await answersOn(conn), "echoResponse", "the handler");
  } finally {
    conn.close();
  }
});

Deno.test("a Deno listener's reply refused at maxQueuedBytes throws, and the request fails at once", async () => {
  await using manager = await denoWorker();
  const conn = await manager.dialChild(1);
  try {
    await flood(conn, "manualRequest");
    // The reply threw in the listener, which let it out: reported as its throw.
    const errors = await denoErrors(manager, 1);
    assert.match(
      errors.samples[0],
      /^A listener for "manualRequest" from worker 1 threw: Cannot send "manualResponse"/,
    );
    checkAnswers(await answersOn(conn), "manualResponse", "the listener");
  } finally {
    conn.close();
  }
});

Deno.test("a Node handler's answer refused at maxQueuedBytes fails the request at once, and onError hears it", async () => {
  await using manager = await nodeService();
  const conn = await manager.dialChild(1, "s0.sock");
  try {
    await flood(conn, "echoRequest");
    const report = await manager.nextMessage();
    assert.equal(report.action, "reported");
    const { name, message } = report.data as { name: string; message: string };
    assert.equal(name, "QueueFullError");
    assert.match(message, /^Cannot send "echoResponse" to worker 1: /);
    checkAnswers(await answersOn(conn), "echoResponse", "the handler");
  } finally {
    conn.close();
  }
});

Deno.test("a Node listener's reply refused at maxQueuedBytes throws, and the request fails at once", async () => {
  await using manager = await nodeService();
  const conn = await manager.dialChild(1, "s0.sock");
  try {
    await flood(conn, "manualRequest");
    const report = await manager.nextMessage();
    assert.equal(report.action, "reported");
    assert.match(
      (report.data as { message: string }).message,
      /^A listener for "manualRequest" from worker 1 threw: Cannot send "manualResponse"/,
    );
    checkAnswers(await answersOn(conn), "manualResponse", "the listener");
  } finally {
    conn.close();
  }
});
