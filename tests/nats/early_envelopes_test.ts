/**
 * Envelopes heard from a host before the membership has seen it join wait
 * for it, in order, and are handled once it is known.
 */

import assert from "node:assert/strict";
import { EarlyEnvelopes } from "../../src/nats/early_envelopes.ts";
import { type Envelope, MESSAGE } from "../../src/nats/envelope.ts";

function envelope(host: string, seq: number): Envelope {
  return {
    kind: MESSAGE,
    host,
    epoch: 1,
    round: 1,
    seq,
    from: 0,
    to: 1,
    body: new Uint8Array([seq]),
  };
}

Deno.test("envelopes of an unknown host wait, in order, and go once it is known", () => {
  const handled: string[] = [];
  const early = new EarlyEnvelopes((e) => handled.push(`${e.host}${e.seq}:${e.body[0]}`), 60_000);
  try {
    assert.equal(early.keep(envelope("b", 0), false), true, "b is unknown: kept");
    assert.equal(early.keep(envelope("c", 0), true), false, "c is known: handled by the caller");
    assert.equal(early.keep(envelope("b", 1), true), true, "b has some waiting: kept, for order");
    assert.deepEqual(handled, []);
    early.release("b");
    assert.deepEqual(handled, ["b0:0", "b1:1"], "in order, bodies intact");
    assert.equal(early.keep(envelope("b", 2), true), false, "nothing waits now");
    early.release("b");
    assert.deepEqual(handled, ["b0:0", "b1:1"], "released once");
    early.keep(envelope("d", 0), false);
    assert.deepEqual(early.clear(), ["d"], "closing: d is told it had none of what it sent");
    assert.deepEqual(handled, ["b0:0", "b1:1"], "dropped, not handled");
  } finally {
    early.clear();
  }
});

Deno.test("what waits is a copy: the client may reuse its buffer", () => {
  const handled: number[] = [];
  const early = new EarlyEnvelopes((e) => handled.push(e.body[0]), 60_000);
  try {
    const first = envelope("b", 7);
    early.keep(first, false);
    first.body[0] = 99;
    early.release("b");
    assert.deepEqual(handled, [7]);
  } finally {
    early.clear();
  }
});

Deno.test("what waits is bounded in bytes: past the bound, a host's envelopes go at once, in order", () => {
  const handled: string[] = [];
  const early = new EarlyEnvelopes((e) => handled.push(`${e.host}${e.seq}`), 60_000, 10);
  const sized = (host: string, seq: number, size: number) => ({
    ...envelope(host, seq),
    body: new Uint8Array(size),
  });
  try {
    assert.equal(early.keep(sized("b", 0, 6), false), true);
    assert.equal(early.keep(sized("c", 0, 5), false), false, "no room for c: handled now");
    assert.equal(early.keep(sized("b", 1, 5), false), false, "no room: b's go first, then this");
    assert.deepEqual(handled, ["b0"], "what waited went, in order, before the caller's");
    assert.equal(early.keep(sized("c", 1, 10), false), true, "the room is free again");
  } finally {
    early.clear();
  }
});
