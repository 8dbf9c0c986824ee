/**
 * `ControlSender` (src/control_sender.ts) in one process, on an endpoint
 * that records what it is handed: control frames without a limit, answers
 * within a peer's queue limit and a frame, to itself through the loopback,
 * and what cannot go reported, not thrown. Through real routers:
 * tests/router_test.ts, tests/node_peer_queue_limit_test.ts.
 */

import assert from "node:assert/strict";
import type { Address } from "../src/address.ts";
import { decodeMessage } from "../src/codec.ts";
import { ControlSender } from "../src/control_sender.ts";
import { FrameError, QueueFullError } from "../src/errors.ts";
import { Loopback } from "../src/loopback.ts";
import { copyPayload } from "../src/payload_pieces.ts";
import { type Endpoint, FULL, type Payload } from "../src/transport.ts";
import { waitFor } from "./helpers.ts";

const MAX_FRAME = 1_000;
const MAX_QUEUED = 4_000;
const OVERHEAD = 4;

/** A sender for worker 0 whose endpoint refuses, FULL, peers listed in `full`. */
function senderOf() {
  const handed: { to: Address; action: string; limit: number | undefined }[] = [];
  const full = new Set<Address>();
  const endpoint = {
    self: 0,
    overhead: OVERHEAD,
    send(to: Address, payload: Payload, limit?: number): number {
      if (full.has(to)) return FULL;
      const { action } = decodeMessage(copyPayload(payload), "test");
      handed.push({ to, action, limit });
      return payload.length;
    },
    queued: (to: Address) => full.has(to) ? MAX_QUEUED : 0,
  } as unknown as Endpoint;
  const looped = Promise.withResolvers<string[]>();
  const loopback = new Loopback((payloads) => {
    looped.resolve(payloads.map((payload) => decodeMessage(payload, "test").action));
  });
  const reports: Error[] = [];
  const sender = new ControlSender({
    endpoint,
    loopback,
    maxFrameSize: MAX_FRAME,
    maxQueuedBytes: MAX_QUEUED,
    report: (error) => void reports.push(error),
  });
  return { sender, handed, full, looped, loopback, reports };
}

Deno.test("ControlSender hands a control frame over without a limit, and one to itself to the loopback", async () => {
  const { sender, handed, looped, loopback } = senderOf();
  assert.equal(sender.send(1, "$event", { type: "ready", address: 2 }), true);
  assert.deepEqual(handed, [{ to: 1, action: "$event", limit: Infinity }]);
  assert.equal(sender.send(0, "$cancel", 7), true);
  assert.equal(handed.length, 1, "not to the endpoint");
  assert.deepEqual(await waitFor(looped.promise, "the loopback to deliver it"), ["$cancel"]);
  loopback.close();
});

Deno.test("ControlSender sends an answer within maxQueuedBytes, a frame and the transport's overhead", () => {
  const { sender, handed } = senderOf();
  assert.equal(sender.answer(1, "$left"), true);
  assert.deepEqual(handed, [{ to: 1, action: "$left", limit: MAX_QUEUED + MAX_FRAME + OVERHEAD }]);
});

Deno.test("ControlSender reports a frame over maxFrameSize rather than throw it", () => {
  const { sender, handed, reports } = senderOf();
  assert.equal(sender.send(1, "$members", { huge: "x".repeat(MAX_FRAME) }), false);
  assert.equal(handed.length, 0);
  assert.equal(reports.length, 1);
  assert.ok(reports[0] instanceof FrameError, String(reports[0]));
});

Deno.test("ControlSender reports answers dropped to a full queue once a connection, naming the action and the peer", () => {
  const { sender, full, reports } = senderOf();
  full.add(1);
  assert.equal(sender.answer(1, "$left"), false);
  assert.equal(sender.answer(1, "$synced"), false);
  assert.equal(reports.length, 1, "once for the connection");
  const [first] = reports;
  assert.ok(first instanceof QueueFullError);
  assert.equal(first.action, "$left");
  assert.equal(first.peer, 1);
  assert.match(first.message, /^Cannot send "\$left" to worker 1: 4000 bytes are queued/);
  sender.gone(1);
  assert.equal(sender.answer(1, "$left"), false);
  assert.equal(reports.length, 2, "again on its next connection");
});

Deno.test("ControlSender says a frame refused as it would go after this process's held answers is so, not a full window", () => {
  const endpoint = {
    self: 0,
    overhead: OVERHEAD,
    // The window to its host has room, but this process's answers to it wait.
    send: () => FULL,
    queued: () => 0,
    queueLimit: () => 8_388_608,
    answersHeldFor: (to: Address) => to === "manager@a",
  } as unknown as Endpoint;
  const reports: Error[] = [];
  const sender = new ControlSender({
    endpoint,
    loopback: new Loopback(() => {}),
    maxFrameSize: MAX_FRAME,
    maxQueuedBytes: MAX_QUEUED,
    report: (error) => void reports.push(error),
  });
  assert.equal(sender.send("manager@a", "$cancel", { messageId: "m1" }), false);
  assert.equal(reports.length, 1);
  assert.ok(reports[0] instanceof QueueFullError);
  assert.equal(
    reports[0].message,
    `Cannot send "$cancel" to the manager of host "a": it would go after this process's answers to it, which ` +
      "wait for room in the window to its host (0 of its 8388608 bytes are sent and not confirmed " +
      "yet), so it was dropped",
  );
});
