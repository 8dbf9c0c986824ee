/**
 * The worker module of the examples. Every worker runs it; `peer.workerId`
 * tells them apart.
 *
 * @module
 */

import { schemas } from "./schemas.ts";
import { connect, MANAGER } from "../mod.ts";
import type { Protocol } from "./protocol.ts";

// The schemas check scenario 12's data here too, as it arrives.
const peer = await connect<Protocol>({ schemas });
const worker = peer.workerId!;

// Scenario 1: a plain listener; msg.from says who sent it.
peer.on("test", (data, msg) => {
  peer.sendMessage("received", { worker, time: data.time, from: msg.from }, MANAGER);
});
peer.on("broadcast", (data) => peer.sendMessage("test", { time: Date.now() }, data.to));

// Scenario 3, answering side: reply by hand to msg.from, messageId in the data.
peer.on("testRequest", (data, msg) => {
  peer.sendMessage(
    "testResponse",
    { messageId: data.messageId, time: data.time, worker },
    msg.from,
  );
});
// Scenario 3, asking side: make a messageId, send, match the response by it.
peer.on("askByHand", (data) => {
  const messageId = crypto.randomUUID();
  const stop = peer.on("testResponse", (response) => {
    if (response.messageId !== messageId) return;
    stop();
    peer.sendMessage("answeredByHand", { worker, response }, MANAGER);
  });
  peer.sendMessage("testRequest", { messageId, time: Date.now() }, data.to);
});

// Scenario 4: handle() answers with its return value; throwing rejects the request.
peer.handle("echoRequest", (data) => ({ text: data.text, worker }));
peer.handle("divideRequest", ({ a, b }) => {
  if (b === 0) throw new RangeError(`cannot divide ${a} by zero`);
  return a / b;
});
peer.handle(
  "napRequest",
  ({ ms }) => new Promise((resolve) => setTimeout(() => resolve({ slept: ms }), ms)),
);

// Scenario 9: work until the requester gives up (msg.signal), then say how far it got.
peer.handle("countRequest", async (_data, msg) => {
  let count = 0;
  while (!msg.signal.aborted) {
    count++;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const reason = (msg.signal.reason as DOMException).name;
  peer.sendMessage("counted", { worker, count, reason }, MANAGER);
  return count;
});

// Scenario 12: the width has passed the schema by the time it gets here.
peer.handle("resizeRequest", ({ width }) => ({ width, worker }));

// Scenario 11: bytes and a Date arrive as sent; the digest goes back as bytes.
peer.handle("digestRequest", async ({ file, sent }) => ({
  sha256: new Uint8Array(await crypto.subtle.digest("SHA-256", file)),
  bytes: file.length,
  lateMs: Date.now() - sent.getTime(),
  worker,
}));

// Scenario 10: an answer in parts, one per square, sent as the asker takes them.
peer.handle("squaresRequest", async function* ({ below }) {
  for (let n = 0; n * n < below; n++) yield n * n;
});

// Scenario 5: answered by hand with reply(), which carries the messageId back.
peer.on(
  "statsRequest",
  (_data, msg) => msg.reply("statsResponse", { connections: 10 * (worker + 1) }),
);
