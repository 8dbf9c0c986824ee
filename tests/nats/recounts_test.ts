/**
 * `Recounts` (src/nats/recounts.ts) in one process: the counts a link
 * tells the other hosts after a reconnect, its answers when asked, and
 * what it tells its senders of a gap. Across real hosts:
 * tests/nats/outage_test.ts, receiver_reconnect_test.ts, events_missed_test.ts.
 */

import assert from "node:assert/strict";
import type { BounceDetails, BrokerReceiver } from "../../src/broker.ts";
import { gapBody, readResume, resumeBody } from "../../src/nats/bodies.ts";
import {
  AFTER_FORGETTING,
  AFTER_RECONNECTING,
  type Envelope,
  type EnvelopePart,
  GAP,
  RECONNECTED,
  RESUME,
  SENT,
} from "../../src/nats/envelope.ts";
import type { IncomingOrder } from "../../src/nats/incoming_order.ts";
import { Recounts } from "../../src/nats/recounts.ts";
import { type Outgoing, SendWindows } from "../../src/nats/send_windows.ts";

const EPOCH_BEFORE = 7;
const EPOCH = 8;
const EMPTY = new Uint8Array(0);

/** Sends `count` messages of 10 bytes from `from` to `to` on `out`, as the link does. */
function send(out: Outgoing, count: number, from: number | string, to: number): void {
  for (let i = 0; i < count; i++) {
    out.sentBytes += 10;
    out.inFlight.add(out.seq++, out.sentBytes, from, to);
  }
}

/** An envelope from `host`, as the link reads it: of the count (round) 1 unless said. */
function from(host: string, part: Omit<EnvelopePart, "from" | "to">): Envelope {
  return { host, epoch: 1, from: null, to: null, ...part, round: part.round ?? 1 };
}

/** Recounts for host "a" among "a", "b" and "c", with all it publishes and tells. */
function recountsOf() {
  const windows = new SendWindows();
  const published: [string, EnvelopePart][] = [];
  const told: unknown[][] = [];
  const resumed: unknown[][] = [];
  const incoming = {
    resumed: (envelope: Envelope, epoch: number, sent: number) =>
      void resumed.push([envelope.host, epoch, sent]),
  } as unknown as IncomingOrder;
  const receiver = {
    bounced: (from: unknown, to: unknown, reason: string, details?: BounceDetails) =>
      void told.push(["bounced", from, to, reason, details]),
    lost: (host: string, error: Error) => void told.push(["lost", host, error.message]),
  } as unknown as BrokerReceiver;
  const recounts = new Recounts({
    self: "a",
    hosts: () => ["a", "b", "c"],
    epoch: () => EPOCH,
    windows,
    incoming,
    publish: (host, part) => void published.push([host, part]),
    receiver: () => receiver,
    report: (error) => void told.push(["report", error.message]),
    back: (host) => void told.push(["back", host]),
    missed: (host) => void told.push(["missed", host]),
  });
  return { recounts, windows, published, told, resumed };
}

Deno.test("Recounts, once reconnected, tells each host its count before and asks every other host", () => {
  const { recounts, windows, published } = recountsOf();
  send(windows.open("b"), 3, 0, 1);
  windows.endEpoch(EPOCH_BEFORE);
  recounts.reconnected();
  const resume = published.filter(([, part]) => part.kind === RESUME);
  assert.deepEqual(resume.map(([host, part]) => [host, part.seq]), [["b", AFTER_RECONNECTING]]);
  assert.deepEqual(readResume(resume[0][1].body), { epoch: EPOCH_BEFORE, sent: 3 });
  const asked = published.filter(([, part]) => part.kind === RECONNECTED);
  assert.deepEqual(asked.map(([host]) => host), ["b", "c"]);
});

Deno.test("Recounts answers a host that reconnected with the count before it never confirmed, then this epoch's", () => {
  const { recounts, windows, published, told } = recountsOf();
  send(windows.open("b"), 2, 0, 1);
  windows.endEpoch(EPOCH_BEFORE);
  send(windows.open("b"), 5, 0, 1);
  recounts.onReconnected("b");
  assert.deepEqual(published.map(([host, part]) => [host, part.kind, part.seq]), [
    ["b", RESUME, AFTER_RECONNECTING],
    ["b", SENT, 5],
  ]);
  assert.deepEqual(readResume(published[0][1].body), { epoch: EPOCH_BEFORE, sent: 2 });
  assert.deepEqual(told, [["back", "b"]]);
});

Deno.test("Recounts answers a host that asks for the count of an epoch with it, and hands a count told to the incoming order", () => {
  const { recounts, windows, published, resumed } = recountsOf();
  send(windows.open("b"), 4, 0, 1);
  windows.endEpoch(EPOCH_BEFORE);
  recounts.onResume(from("b", { kind: RESUME, seq: EPOCH_BEFORE, body: EMPTY }));
  recounts.onResume(from("b", { kind: RESUME, seq: 1234, body: EMPTY }));
  assert.equal(published.length, 1, "only the epoch it has a count of");
  assert.deepEqual(readResume(published[0][1].body), { epoch: EPOCH_BEFORE, sent: 4 });
  recounts.onResume(from("c", { kind: RESUME, seq: AFTER_RECONNECTING, body: resumeBody(3, 9) }));
  assert.deepEqual(resumed, [["c", 3, 9]]);
});

Deno.test("Recounts tells a forgotten host what it had sent it before, saying why", () => {
  const { recounts, published } = recountsOf();
  recounts.resume("b", { epoch: EPOCH_BEFORE, round: 3, sent: 6 }, AFTER_FORGETTING);
  assert.deepEqual(published.map(([host, part]) => [host, part.kind, part.round, part.seq]), [
    ["b", RESUME, 3, AFTER_FORGETTING],
  ]);
  assert.deepEqual(readResume(published[0][1].body), { epoch: EPOCH_BEFORE, sent: 6 });
});

Deno.test("Recounts tells each sender of a gap its own, reports those of no known sender, and tells the listeners", () => {
  const { recounts, windows, told } = recountsOf();
  const out = windows.open("b");
  send(out, 2, 0, 1);
  send(out, 1, "svc", 1);
  // Messages 0 to 2 were sent; "b" says 4 from 1 on never came: 2 of them known.
  recounts.onGap(from("b", { kind: GAP, seq: 4, body: gapBody(EPOCH, 1) }));
  assert.deepEqual(told, [
    ["bounced", 0, 1, 'lost on the way to host "b"', { count: 1 }],
    ["bounced", "svc", 1, 'lost on the way to host "b"', { count: 1 }],
    ["report", '2 messages to host "b" were lost on the way'],
    ["lost", "b", '4 messages to host "b" were lost on the way'],
    ["missed", "b"],
  ]);
});

Deno.test("Recounts fails nothing sent afresh to a forgotten host for a gap about what went before (trial 29)", () => {
  // Host "b" was killed; its next process, started at once, read on b's
  // subject what "a" still sent the dead one (numbers 0 to 2890 and on)
  // and, once it joined, said 2891 of them never came. "a" had seen b
  // leave and sends the new process afresh, from 0: its two messages came.
  const { recounts, windows, told } = recountsOf();
  const old = windows.open("b");
  windows.forget("b", EPOCH);
  const out = windows.open("b");
  send(out, 2, 0, 1);
  recounts.onGap(from("b", { kind: GAP, round: old.round, seq: 2891, body: gapBody(EPOCH, 0) }));
  assert.deepEqual(told, [["report", '2891 messages to host "b" were lost on the way']]);
  assert.equal(windows.queued("b"), 20, "the two still wait for b's confirmation");
});
