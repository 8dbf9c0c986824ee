/**
 * `Leaving` (src/nats/leaving.ts) in one process: the byes a link says and
 * hears, and what its senders are told of a host that leaves, with a bye
 * or without one. Across real hosts: tests/nats/bye_test.ts.
 */

import assert from "node:assert/strict";
import type { BounceDetails, BrokerReceiver } from "../../src/broker.ts";
import { highestBody } from "../../src/nats/bodies.ts";
import { BYE, type Envelope, type EnvelopePart } from "../../src/nats/envelope.ts";
import type { IncomingOrder } from "../../src/nats/incoming_order.ts";
import { Leaving } from "../../src/nats/leaving.ts";
import { type Outgoing, SendWindows } from "../../src/nats/send_windows.ts";

/** Sends `count` messages of 10 bytes from `from` to `to` on `out`, as the link does. */
function send(out: Outgoing, count: number, from: number | string, to: number): void {
  for (let i = 0; i < count; i++) {
    out.sentBytes += 10;
    out.inFlight.add(out.seq++, out.sentBytes, from, to);
  }
}

/** A Leaving for host "a", with what it publishes and what its receiver is told. */
function leavingOf(had: Record<string, { epoch: number; round: number; highest: number }> = {}) {
  const windows = new SendWindows();
  const published: [string, EnvelopePart][] = [];
  const told: unknown[][] = [];
  const forgotten: string[] = [];
  const incoming = {
    had: (host: string) => had[host],
    forget: (host: string) => void forgotten.push(host),
  } as unknown as IncomingOrder;
  const receiver = {
    bounced: (from: unknown, to: unknown, reason: string, details?: BounceDetails) =>
      void told.push(["bounced", from, to, reason, details]),
    unconfirmed: (host: string, from: unknown, to: unknown, count: number, why?: string) =>
      void told.push(["unconfirmed", host, from, to, count, why]),
  } as unknown as BrokerReceiver;
  const leaving = new Leaving({
    self: "a",
    hosts: () => ["a", "b", "c"],
    windows,
    incoming,
    publish: (host, part) => void published.push([host, part]),
    receiver: () => receiver,
  });
  return { leaving, windows, published, told, forgotten };
}

Deno.test("Leaving says bye to every other host, with the highest it had of each, and of which count", () => {
  const { leaving, published } = leavingOf({ b: { epoch: 5, round: 3, highest: 9 } });
  leaving.sayBye(new Set(["d"]));
  const empty = new Uint8Array(0);
  assert.deepEqual(published, [
    ["b", { kind: BYE, from: null, to: null, round: 3, seq: 5, body: highestBody(9) }],
    ["c", { kind: BYE, from: null, to: null, round: 0, seq: 0, body: empty }],
    ["d", { kind: BYE, from: null, to: null, round: 0, seq: 0, body: empty }],
  ]);
});

Deno.test("Leaving refuses to their senders what a host that said bye never had, and forgets the bye once it left", () => {
  const { leaving, windows, told, forgotten } = leavingOf();
  const out = windows.open("b");
  send(out, 3, 0, 1);
  send(out, 2, "logger", 2);
  // It had up to 2, in this host's epoch (7).
  const bye: Envelope = {
    kind: BYE,
    host: "b",
    epoch: 1,
    round: 1,
    seq: 7,
    from: null,
    to: null,
    body: highestBody(2),
  };
  leaving.onBye(bye, 7);
  assert.equal(leaving.saidBye("b"), true);
  assert.equal(leaving.saidBye("c"), false);
  assert.deepEqual(told, [
    ["bounced", "logger", 2, 'host "b" stopped before it came', { count: 2, last: true }],
  ]);
  leaving.left("b", 7);
  assert.equal(leaving.saidBye("b"), false, "if it comes back, it may be sent to");
  assert.deepEqual(forgotten, ["b"]);
  assert.equal(told.length, 1, "nothing more is in doubt");
});

Deno.test("Leaving tells senders what a host that left without a bye never confirmed", () => {
  const { leaving, windows, told } = leavingOf();
  send(windows.open("b"), 3, 0, 1);
  windows.confirm("b", 0, undefined, 1);
  leaving.left("b", 7);
  assert.deepEqual(told, [["unconfirmed", "b", 0, 1, 2, undefined]]);
});
