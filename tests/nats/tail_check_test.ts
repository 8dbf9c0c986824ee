/**
 * How a host asks another about its last messages (`TailCheck`): a
 * message held unconfirmed from one look to the next (a patience apart)
 * makes the host tell the other how many it sent (SENT), again each
 * patience until they are confirmed; what is confirmed in time is never
 * asked about, and nothing is looked at once everything is confirmed. One
 * link over a fake connection, its time the test's.
 */

import assert from "node:assert/strict";
import { highestBody } from "../../src/nats/bodies.ts";
import { ACK, encodeEnvelopes, SENT } from "../../src/nats/envelope.ts";
import { FakeClock } from "../fake_clock.ts";
import { envelopesIn, fakeLink } from "./fake_link.ts";

const PATIENCE = 1_000;

Deno.test("a host that leaves messages unconfirmed past a patience is told how many were sent it, until it confirms", async () => {
  const clock = new FakeClock();
  const { link, published, arrive } = linkWith(clock);
  for (let n = 0; n < 3; n++) assert.ok(link.send(0, 1, "{}") > 0);
  await endOfTask();
  const [{ epoch, round }] = envelopesIn(published);
  const told = () => envelopesIn(published).filter((e) => e.kind === SENT).map((e) => e.seq);
  // The first look finds them sent since none: unconfirmed for less than a patience, perhaps.
  await advance(clock, PATIENCE);
  assert.deepEqual(told(), []);
  await advance(clock, PATIENCE);
  assert.deepEqual(told(), [3], "told how many, at the second look");
  assert.deepEqual(
    envelopesIn(published).filter((e) => e.kind === SENT).map((e) => e.round),
    [round],
    "of which count",
  );
  // Its answer lost too: told again.
  await advance(clock, PATIENCE);
  assert.deepEqual(told(), [3, 3]);
  // b confirms: nothing more is told, and nothing more looked at.
  arrive(ackOf(epoch, round, 2));
  await advance(clock, 3 * PATIENCE);
  assert.deepEqual(told(), [3, 3]);
  assert.equal(clock.timers, 0);
  link.abandon();
});

Deno.test("messages confirmed within a patience, under steady traffic, are never asked about", async () => {
  const clock = new FakeClock();
  const { link, published, arrive } = linkWith(clock);
  let sent: { epoch: number; round: number } | undefined;
  // One message every half patience, each confirmed a tenth of a patience later.
  for (let n = 0; n < 10; n++) {
    assert.ok(link.send(0, 1, "{}") > 0);
    await endOfTask();
    sent ??= envelopesIn(published)[0];
    await advance(clock, PATIENCE / 10);
    arrive(ackOf(sent.epoch, sent.round, n));
    await advance(clock, PATIENCE * 4 / 10);
  }
  assert.deepEqual(envelopesIn(published).filter((e) => e.kind === SENT), []);
  link.abandon();
  assert.equal(clock.timers, 0, "stopped with the link");
});

/** Host a's link to host b, its patience measured on `clock`, receiving nothing. */
function linkWith(clock: FakeClock) {
  const faked = fakeLink(1 << 20, { clock, patience: PATIENCE });
  faked.link.receive({ deliver() {}, lost() {}, bounced() {}, unconfirmed() {}, ended() {} });
  return faked;
}

/** Host b's confirmation of a's messages up to `highest` in a's `epoch` and count `round`. */
function ackOf(epoch: number, round: number, highest: number): Uint8Array {
  return encodeEnvelopes([
    {
      kind: ACK,
      host: "b",
      epoch: 9,
      round,
      seq: epoch,
      from: null,
      to: null,
      body: highestBody(highest),
    },
  ]);
}

/** Moves `clock` on `ms`, then lets what the timers published go, at the end of the task. */
async function advance(clock: FakeClock, ms: number): Promise<void> {
  clock.advance(ms);
  await endOfTask();
}

function endOfTask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
