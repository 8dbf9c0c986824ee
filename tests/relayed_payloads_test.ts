/**
 * `relayed_payloads.ts`: what the gateway reads of a payload it relays
 * between hosts, and the answer that fails a request it cannot pass on.
 */

import assert from "node:assert/strict";
import type { WireMessage } from "../src/codec.ts";
import {
  forLink,
  isNewMessage,
  isRequest,
  notDelivered,
  readMessage,
} from "../src/relayed_payloads.ts";

const utf8 = new TextEncoder();
const encode = (message: object) => utf8.encode(JSON.stringify(message));

Deno.test("readMessage reads a message, and gives undefined for what is none", () => {
  assert.deepEqual(readMessage(1, encode({ action: "note", data: 1 })), {
    action: "note",
    data: 1,
  });
  assert.equal(readMessage(1, utf8.encode("not json")), undefined);
  assert.equal(readMessage(1, encode({ data: 1 })), undefined, "no action");
});

Deno.test("isRequest is true of a request only, not of an answer or a control frame's", () => {
  const table: [WireMessage, boolean][] = [
    [{ action: "workRequest", messageId: "m1" }, true],
    [{ action: "note" }, false],
    [{ action: "workResponse", messageId: "m1", re: true }, false],
    [{ action: "$ping", messageId: "m1" }, false],
  ];
  for (const [message, request] of table) assert.equal(isRequest(message), request, message.action);
});

Deno.test("isNewMessage is true of a message or request, and of what cannot be read, not of an answer or a control frame", () => {
  const table: [Uint8Array, boolean][] = [
    [encode({ action: "note" }), true],
    [encode({ action: "workRequest", messageId: "m1" }), true],
    [utf8.encode("not json"), true],
    [encode({ action: "workResponse", messageId: "m1", re: true }), false],
    [encode({ action: "$more", messageId: "m1", re: true }), false],
    [encode({ action: "$cancel", messageId: "m1" }), false],
  ];
  for (const [payload, isNew] of table) {
    assert.equal(isNewMessage(1, payload), isNew, new TextDecoder().decode(payload));
  }
});

Deno.test("notDelivered fails a request as never delivered, with its data back, within the limit", () => {
  const request = { action: "workRequest", messageId: "m1", data: { n: 1 } };
  const answer = notDelivered(1, request, 'host "a" cannot take it now', 1_000);
  assert.deepEqual(JSON.parse(String(answer)), {
    action: "workResponse",
    messageId: "m1",
    re: true,
    error: {
      name: "UnreachableError",
      message: 'host "a" cannot take it now',
      undelivered: true,
    },
    data: { n: 1 },
  });
  const large = { ...request, data: "x".repeat(2_000) };
  const cut = JSON.parse(String(notDelivered(1, large, "gone", 1_000)));
  assert.equal(cut.data, undefined, "its data left out past the limit");
  assert.equal(cut.error.undelivered, true);
  assert.equal(notDelivered(1, request, "gone", 10), undefined, "nothing fits");
});

Deno.test("forLink joins pieces, and passes bytes and text as they are", () => {
  const bytes = utf8.encode("ab");
  assert.equal(forLink(bytes), bytes);
  assert.equal(forLink("text"), "text");
  const pieces = { pieces: [utf8.encode("a"), utf8.encode("bc")], length: 3 };
  assert.deepEqual([...forLink(pieces) as Uint8Array], [...utf8.encode("abc")]);
});
