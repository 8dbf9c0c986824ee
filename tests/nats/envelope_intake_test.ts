/**
 * `EnvelopeIntake` (src/nats/envelope_intake.ts) in one process: what a
 * link does with each envelope that comes, whom it hands it to, and what
 * it refuses as forged. Across a fake connection: dropped_strangers_test.ts,
 * bye_unknown_host_test.ts; across real hosts: forged_envelopes_test.ts,
 * early_envelopes_test.ts.
 */

import assert from "node:assert/strict";
import type { BrokerReceiver } from "../../src/broker.ts";
import { bounceBody, endedBody, highestBody } from "../../src/nats/bodies.ts";
import type { EarlyEnvelopes } from "../../src/nats/early_envelopes.ts";
import {
  ACK,
  BOUNCE,
  BYE,
  encodeEnvelopes,
  ENDED,
  type Envelope,
  GAP,
  MESSAGE,
  RECONNECTED,
  RESUME,
  SENT,
} from "../../src/nats/envelope.ts";
import { EnvelopeIntake } from "../../src/nats/envelope_intake.ts";
import type { IncomingOrder } from "../../src/nats/incoming_order.ts";
import type { Leaving } from "../../src/nats/leaving.ts";
import { RecentNames } from "../../src/nats/recent_names.ts";
import type { Recounts } from "../../src/nats/recounts.ts";
import { SendWindows } from "../../src/nats/send_windows.ts";
import type { Strangers } from "../../src/nats/strangers.ts";

const EPOCH = 8;
const EMPTY = new Uint8Array(0);
const utf8 = new TextEncoder();

/** An envelope from host "b", in `EPOCH` and round 1 (its first count) unless said. */
function fromB(part: Partial<Envelope> & Pick<Envelope, "kind">): Envelope {
  return { host: "b", epoch: EPOCH, round: 1, seq: 0, from: null, to: null, body: EMPTY, ...part };
}

/**
 * The intake of host "a" (worker 0), which knows "b" (worker 1) and not
 * "x"; all it hands on is written down in `told`, as [whom, ...what].
 */
function intakeOf() {
  const told: unknown[][] = [];
  const reports: string[] = [];
  const known = new Set(["a", "b"]);
  const windows = new SendWindows();
  const droppedFrom = new RecentNames(8);
  let delivering: (from: unknown, to: unknown, body: Uint8Array) => void = (from, to, body) =>
    void told.push(["deliver", from, to, new TextDecoder().decode(body)]);
  const receiver = {
    deliver: (from: unknown, to: unknown, body: Uint8Array) => delivering(from, to, body),
    bounced: (from: unknown, to: unknown, reason: string) =>
      void told.push(["bounced", from, to, reason]),
    ended: (address: unknown, reason: unknown, onTheWay: Map<unknown, number>) =>
      void told.push(["ended", address, reason, [...onTheWay]]),
  } as unknown as BrokerReceiver;
  const incoming = {
    count: (host: string, epoch: number, round: number, seq: number) => {
      told.push(["count", host, epoch, round, seq]);
      // Seq 99 is late, of an epoch counted already.
      return seq === 99 ? undefined : { seq };
    },
    confirm: (host: string, incoming: { seq: number }) =>
      void told.push(["confirm", host, incoming.seq]),
    sent: (host: string, epoch: number, round: number, sent: number) =>
      void told.push(["sent", host, epoch, round, sent]),
  } as unknown as IncomingOrder;
  const recounts = {
    onGap: (envelope: Envelope) => void told.push(["gap", envelope.host]),
    onResume: (envelope: Envelope) => void told.push(["resume", envelope.host]),
    onReconnected: (host: string) => void told.push(["reconnected", host]),
  } as unknown as Recounts;
  const leaving = {
    onBye: (envelope: Envelope, epoch: number) => void told.push(["bye", envelope.host, epoch]),
  } as unknown as Leaving;
  const early = {
    keep: (envelope: Envelope, known: boolean) => {
      if (known) return false;
      told.push(["early", envelope.host]);
      return true;
    },
  } as unknown as EarlyEnvelopes;
  const strangers = {
    dropped: (host: string) => void told.push(["stranger", host]),
  } as unknown as Strangers;
  const intake = new EnvelopeIntake({
    self: "a",
    subject: "p.a",
    knows: (host) => known.has(host),
    hostOf: (address) => address === 0 ? "a" : address === 1 ? "b" : undefined,
    epoch: () => EPOCH,
    windows,
    outgoing: (host) => windows.get(host) ?? windows.open(host),
    incoming,
    recounts,
    leaving,
    early,
    strangers,
    droppedFrom,
    receiver: () => receiver,
    report: (error) => void reports.push(`${error.name}: ${error.message}`),
  });
  const failDelivery = () => {
    delivering = () => {
      throw new Error("a receiver's bug");
    };
  };
  return { intake, told, reports, windows, droppedFrom, failDelivery };
}

Deno.test("EnvelopeIntake delivers a message from a process of its host, counts it and confirms it", () => {
  const { intake, told, reports, windows } = intakeOf();
  intake.handle(fromB({ kind: MESSAGE, seq: 3, from: 1, to: 0, body: utf8.encode("hi") }));
  intake.handle(fromB({ kind: MESSAGE, seq: 99, from: 1, to: 0, body: utf8.encode("late") }));
  assert.deepEqual(told, [
    ["count", "b", EPOCH, 1, 3],
    ["deliver", 1, 0, "hi"],
    ["confirm", "b", 3],
    ["count", "b", EPOCH, 1, 99],
  ]);
  assert.equal(windows.get("b")?.stats.messagesIn, 1);
  assert.equal(windows.get("b")?.stats.bytesIn, 2);
  assert.deepEqual(reports, []);
});

Deno.test("EnvelopeIntake confirms a message whose delivery threw, and reports the error", () => {
  const { intake, told, reports, failDelivery } = intakeOf();
  failDelivery();
  intake.handle(fromB({ kind: MESSAGE, seq: 0, from: 1, to: 0, body: utf8.encode("hi") }));
  assert.deepEqual(told, [["count", "b", EPOCH, 1, 0], ["confirm", "b", 0]]);
  assert.deepEqual(reports, ["Error: a receiver's bug"]);
});

Deno.test("EnvelopeIntake refuses what a host says for processes not its own", () => {
  const { intake, told, reports } = intakeOf();
  intake.handle(fromB({ kind: MESSAGE, from: 0, to: 0, body: utf8.encode("forged") }));
  intake.handle(fromB({ kind: ENDED, from: "$manager@b", body: endedBody("stopped") }));
  intake.handle(fromB({ kind: ENDED, from: 0, body: endedBody("stopped") }));
  intake.handle(fromB({ kind: BOUNCE, from: 1, to: 0, body: bounceBody("refused") }));
  intake.handle({ ...fromB({ kind: MESSAGE, from: 0, to: 1 }), host: "a" });
  assert.deepEqual(told, []);
  assert.deepEqual(reports, [
    'FrameError: Bad message from host "b": it may not send as 0',
    'FrameError: Bad message from host "b": it may not say $manager@b ended',
    'FrameError: Bad message from host "b": it may not say 0 ended',
    'FrameError: Bad message from host "b": it may not refuse what 1 sent 0',
    "FrameError: Bad message on p.a: it claims to be from here",
  ]);
});

Deno.test("EnvelopeIntake hands a bounce and an end to the receiver, with what is still on the way", () => {
  const { intake, told, reports, windows } = intakeOf();
  const out = windows.open("b");
  for (let i = 0; i < 3; i++) out.inFlight.add(out.seq++, ++out.sentBytes, 0, 1);
  intake.handle(fromB({ kind: BOUNCE, from: 0, to: 1, body: bounceBody("worker 1 stopped") }));
  intake.handle(fromB({ kind: ENDED, from: 1, seq: EPOCH, body: endedBody("crashed", 0) }));
  // Of another epoch: all it was sent may still be on the way.
  intake.handle(fromB({ kind: ENDED, from: 1, seq: EPOCH - 1, body: endedBody("again", 2) }));
  assert.deepEqual(told, [
    ["bounced", 0, 1, "worker 1 stopped"],
    ["ended", 1, "crashed", [[0, 2]]],
    ["ended", 1, "again", [[0, 3]]],
  ]);
  assert.deepEqual(reports, []);
});

Deno.test("EnvelopeIntake confirms what an ack says went", () => {
  const { intake, windows } = intakeOf();
  const out = windows.open("b");
  for (let i = 0; i < 3; i++) {
    out.sentBytes += 10;
    out.inFlight.add(out.seq++, out.sentBytes, 0, 1);
  }
  intake.handle(fromB({ kind: ACK, round: out.round + 1, seq: EPOCH, body: highestBody(2) }));
  assert.equal(windows.queued("b"), 30, "an ack of another count confirms none of this one's");
  intake.handle(fromB({ kind: ACK, seq: EPOCH, body: highestBody(1) }));
  assert.equal(windows.queued("b"), 10);
  intake.handle(fromB({ kind: ACK, seq: EPOCH, body: EMPTY }));
  assert.equal(windows.queued("b"), 10, "an ack that says nothing confirms nothing");
});

Deno.test("EnvelopeIntake hands the counts to Recounts and IncomingOrder, and a bye to Leaving", () => {
  const { intake, told } = intakeOf();
  intake.handle(fromB({ kind: GAP }));
  intake.handle(fromB({ kind: RESUME }));
  intake.handle(fromB({ kind: RECONNECTED }));
  intake.handle(fromB({ kind: SENT, seq: 5 }));
  intake.handle(fromB({ kind: BYE }));
  assert.deepEqual(told, [
    ["gap", "b"],
    ["resume", "b"],
    ["reconnected", "b"],
    ["sent", "b", EPOCH, 1, 5],
    ["bye", "b", EPOCH],
  ]);
});

Deno.test("EnvelopeIntake keeps what an unknown host sends to wait, drops it once handled, and remembers the name", () => {
  const { intake, told, droppedFrom, reports } = intakeOf();
  const fromX = { ...fromB({ kind: MESSAGE, from: 7, to: 0 }), host: "x" };
  intake.onMessages(encodeEnvelopes([fromX, { ...fromB({ kind: BYE }), host: "x" }]));
  assert.deepEqual(told, [["early", "x"]], "its bye is dropped at once");
  // Handled after its wait, still unknown.
  intake.handle(fromX);
  assert.deepEqual(told, [["early", "x"], ["stranger", "x"]]);
  assert.equal(droppedFrom.has("x"), true);
  assert.deepEqual(reports, []);
});

Deno.test("EnvelopeIntake reports a message on its subject that is not an envelope, after those that are", () => {
  const { intake, told, reports } = intakeOf();
  const bytes = encodeEnvelopes([fromB({ kind: SENT, seq: 1 })]);
  intake.onMessages(new Uint8Array([...bytes, 1, 2]));
  assert.deepEqual(told, [["sent", "b", EPOCH, 1, 1]]);
  assert.deepEqual(reports, ["FrameError: Bad message on p.a: not an envelope"]);
});
