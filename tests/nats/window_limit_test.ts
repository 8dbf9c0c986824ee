/**
 * NATS `max_payload` raised above the broker's window: a message larger
 * than the window could never go (its sender would be told to drain an
 * empty queue, and an answer that large was lost to its requester's
 * timeout). It is refused as too large, naming the window. Found by a new
 * user who raised `max_payload` to 32 MB.
 */

import assert from "node:assert/strict";
import { FULL, TOO_LARGE } from "../../src/transport.ts";
import { fakeLink } from "./fake_link.ts";

Deno.test("a link whose window is below NATS max_payload takes messages up to the window, and says so", () => {
  // The fake server's max_payload is 100,000 bytes.
  const { link } = fakeLink(1_000);
  assert.equal(link.maxPayload, 1_000);
  assert.equal(link.limitName, "natsBroker's window, below NATS max_payload: raise the window too");
  assert.equal(link.send(0, 1, "x".repeat(1_001)), TOO_LARGE);
  assert.ok(link.send(0, 1, "x".repeat(600)) > 0);
  assert.equal(
    link.send(0, 1, "x".repeat(600)),
    FULL,
    "the window, with room for the next once confirmed",
  );
  // Unconfirmed, the message has the link look again later: stopped with it.
  link.abandon();
});

Deno.test("a link whose window is above NATS max_payload takes messages up to max_payload", () => {
  const { link } = fakeLink(1 << 20);
  assert.ok(link.maxPayload < 100_000 && link.maxPayload > 99_000);
  assert.equal(link.limitName, "NATS max_payload, less the envelope");
});
