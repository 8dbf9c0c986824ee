/**
 * A process whose connection to its manager closed is told to every other
 * host (an ENDED envelope), with how much of each one's traffic its host
 * had by then: there, what waits on it fails, but what was sent it after
 * that, still on its way, which its host answers on its own. Only its own
 * host may say so. Made while the connection to NATS is down, it waits
 * until the connection is back. A fake NATS connection records what is
 * published and says when it drops.
 */

import assert from "node:assert/strict";
import type { Address } from "../../src/address.ts";
import type { BrokerReceiver } from "../../src/broker.ts";
import { FrameError } from "../../src/errors.ts";
import { endedBody, readEnded } from "../../src/nats/bodies.ts";
import { encodeEnvelopes, ENDED, type EnvelopeInput, MESSAGE } from "../../src/nats/envelope.ts";
import { envelopesIn, fakeLink } from "./fake_link.ts";

/** What a fake link published that says a process ended: who, in which epoch, and what. */
function endedIn(published: Uint8Array[]) {
  return envelopesIn(published).filter((envelope) => envelope.kind === ENDED)
    .map(({ from, seq, body }) => ({ from, epoch: seq, ...readEnded(body) }));
}

/** An envelope from host "b". */
function fromB(envelope: Omit<EnvelopeInput, "host" | "body"> & { body: Uint8Array | string }) {
  const body = typeof envelope.body === "string"
    ? new TextEncoder().encode(envelope.body)
    : envelope.body;
  return encodeEnvelopes([{ ...envelope, host: "b", body }]);
}

/** A receiver that records what it is told ended. */
function endings() {
  const ended: [Address, string | undefined, Record<string, number>][] = [];
  const receiver: BrokerReceiver = {
    deliver() {},
    lost() {},
    bounced() {},
    unconfirmed() {},
    ended: (address, reason, onTheWay) =>
      void ended.push([address, reason, Object.fromEntries(onTheWay)]),
  };
  return { ended, receiver };
}

/** Lets the batches of this task be published. */
const published = () => new Promise((resolve) => setTimeout(resolve, 0));

Deno.test("a process that ended is told to the other hosts with what its host had of theirs, at once or once NATS is back", async () => {
  const { link, published: sent, say, arrive } = fakeLink(1 << 20);
  link.receive(endings().receiver);
  // Host "b" sent 3 messages, in its epoch 77.
  for (const seq of [0, 1, 2]) {
    arrive(fromB({ kind: MESSAGE, epoch: 77, seq, from: 1, to: 0, body: "{}" }));
  }
  link.ended(0, "worker 0 crashed");
  await published();
  assert.deepEqual(endedIn(sent), [{ from: 0, epoch: 77, reason: "worker 0 crashed", had: 2 }]);
  await say("disconnect");
  link.ended(0);
  await published();
  assert.equal(endedIn(sent).length, 1, "nothing goes while down");
  await say("reconnect");
  assert.deepEqual(endedIn(sent).at(-1), { from: 0, epoch: 77, reason: undefined, had: 2 });
  link.abandon();
});

Deno.test("what was sent a process of another host after its host had had it stays on its way", async () => {
  const { link, published: sent, arrive } = fakeLink(1 << 20);
  const { ended, receiver } = endings();
  link.receive(receiver);
  for (const from of [0, 0, 0, "manager@a"]) link.send(from, 1, "{}");
  await published();
  const { epoch, round } = envelopesIn(sent).find((envelope) => envelope.kind === MESSAGE)!;
  // Host "b" had had messages 0 and 1 as worker 1 ended.
  const had = endedBody("x", 1);
  arrive(fromB({ kind: ENDED, epoch: 5, round, seq: epoch, from: 1, to: null, body: had }));
  assert.deepEqual(ended, [[1, "x", { 0: 1, "manager@a": 1 }]]);
  // Of another epoch of host a's: none of this one's had come.
  arrive(fromB({ kind: ENDED, epoch: 5, round, seq: epoch + 1, from: 1, to: null, body: had }));
  assert.deepEqual(ended[1], [1, "x", { 0: 3, "manager@a": 1 }]);
  // Of another count of host a's in this epoch (one before it forgot b): none of this one's either.
  const before = round - 1;
  arrive(fromB({ kind: ENDED, epoch: 5, round: before, seq: epoch, from: 1, to: null, body: had }));
  assert.deepEqual(ended[2], [1, "x", { 0: 3, "manager@a": 1 }]);
  link.abandon();
});

Deno.test("a host may say only its own processes ended", () => {
  const { link, reports, arrive } = fakeLink(1 << 20);
  const { ended, receiver } = endings();
  link.receive(receiver);
  const endedOf = (from: Address, body = endedBody("crashed")) =>
    fromB({ kind: ENDED, epoch: 1, seq: 0, from, to: null, body });
  arrive(endedOf(1));
  assert.deepEqual(ended, [[1, "crashed", {}]]);
  // Worker 0 is host a's; a manager never ends so; a body must be one.
  arrive(endedOf(0));
  arrive(endedOf("manager@b"));
  arrive(endedOf(1, new TextEncoder().encode("crashed")));
  assert.equal(ended.length, 1);
  assert.deepEqual(reports.map((error) => [error.name, error.message]), [
    [FrameError.name, 'Bad message from host "b": it may not say 0 ended'],
    [FrameError.name, 'Bad message from host "b": it may not say manager@b ended'],
    [FrameError.name, 'Bad message from host "b": it may not say 1 ended'],
  ]);
  link.abandon();
});
