/**
 * A streamed answer that fails at its requester while its responder goes
 * on (a part that fails the requester's schema, parts over the window it
 * granted) is cancelled; what the responder sent before the `$cancel`
 * reached it still comes. As for a stream its consumer left (a `break`),
 * that is nobody's. It was not dropped: a late part that failed the
 * schema, and the stream's end (no data, against a schema that wants
 * some), were reported to `onError` as `ValidationError`s, and the end
 * went to the response action's listeners as a message (trial 20: a
 * valibot schema on a stream's parts, a bad part, then a spurious
 * `Data of "countResponse" from worker 0 failed its schema: … received
 * undefined` on stderr, in some runs).
 */

import assert from "node:assert/strict";
import { z } from "npm:zod@3.25.76";
import { MANAGER } from "../src/address.ts";
import { decodeMessage, encodeMessage, type WireMessage } from "../src/codec.ts";
import { FrameError, ValidationError } from "../src/errors.ts";
import type { Endpoint } from "../src/transport.ts";
import { waitFor } from "./helpers.ts";
import { type NetworkTest, testOnEveryNetwork } from "./networks.ts";

const schemas = { endlessResponse: z.number() };

/**
 * Plays worker 1 answering "endless" by hand: sends `first` parts at once;
 * once the requester's `$cancel` came (it gave up), a late bad part and the
 * stream's end, then "done".
 */
function playResponder(raw: Endpoint, first: unknown[]): void {
  raw.receive({
    deliver(_from, payloads) {
      for (const payload of payloads) {
        const message = decodeMessage(payload, "worker 0");
        const send = (frame: Record<string, unknown>) =>
          raw.send(0, encodeMessage(frame as unknown as WireMessage, 1 << 20, 0));
        const answer = { action: "endlessResponse", messageId: message.messageId, re: true };
        if (message.action === "endless") {
          for (const data of first) send({ ...answer, part: true, data });
        }
        if (message.action === "$cancel") {
          const { messageId } = message.data as { messageId: string };
          send({ ...answer, messageId, part: true, data: "late" });
          send({ ...answer, messageId });
          send({ action: "done" });
        }
      }
    },
    gone() {},
  });
}

const tests: NetworkTest[] = [
  [
    "what comes of a stream after a part failed the requester's schema is dropped, unreported",
    async (network) => {
      await network.open(MANAGER);
      const r0 = await network.router(0, { schemas });
      playResponder(await network.open(1), [0, "bad"]);
      const reports: Error[] = [];
      r0.listeners.onError((error) => reports.push(error));
      const heard: unknown[] = [];
      r0.listeners.on("endlessResponse", (data) => heard.push(data));
      const done = Promise.withResolvers<void>();
      r0.listeners.on("done", () => done.resolve());
      const parts: unknown[] = [];
      await assert.rejects(
        (async () => {
          for await (const part of r0.requestStream("endless", undefined, { to: 1 })) {
            parts.push(part);
          }
        })(),
        ValidationError,
      );
      assert.deepEqual(parts, [0]);
      await waitFor(done.promise, "the responder's last message");
      assert.deepEqual(reports.map((error) => error.message), []);
      assert.deepEqual(heard, []);
    },
  ],
  [
    "what comes of a stream after parts over its window failed it is dropped, not dispatched",
    async (network) => {
      await network.open(MANAGER);
      const r0 = await network.router(0);
      // Seventeen parts at once: one more than the window the request grants.
      playResponder(await network.open(1), Array.from({ length: 17 }, (_, i) => i));
      const reports: Error[] = [];
      r0.listeners.onError((error) => reports.push(error));
      const heard: unknown[] = [];
      r0.listeners.on("endlessResponse", (data) => heard.push(data));
      const done = Promise.withResolvers<void>();
      r0.listeners.on("done", () => done.resolve());
      await assert.rejects(
        (async () => {
          for await (const _ of r0.requestStream("endless", undefined, { to: 1 }));
        })(),
        (error: unknown) => error instanceof FrameError && /more parts than/.test(error.message),
      );
      await waitFor(done.promise, "the responder's last message");
      assert.deepEqual(reports.map((error) => error.message), []);
      assert.deepEqual(heard, []);
    },
  ],
];

testOnEveryNetwork(tests);
