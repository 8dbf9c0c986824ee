import assert from "node:assert/strict";
import type { BrokerReceiver } from "../../src/broker.ts";
import { UnreachableError } from "../../src/errors.ts";
import { readGap, readHighest } from "../../src/nats/bodies.ts";
import {
  ACK,
  AFTER_FORGETTING,
  AFTER_RECONNECTING,
  type Envelope,
  type EnvelopePart,
  GAP,
  RESUME,
} from "../../src/nats/envelope.ts";
import { IncomingOrder, MOST_FORGOTTEN } from "../../src/nats/incoming_order.ts";
import { waitFor } from "../helpers.ts";

type Published = EnvelopePart & { host: string };

/**
 * An IncomingOrder for host "b", and what it published, lost and reported;
 * `failed` resolves at the first loss.
 */
function counting(resumePatience?: number) {
  const published: Published[] = [];
  const lost: [string, Error | undefined][] = [];
  const reported: Error[] = [];
  const failed = Promise.withResolvers<void>();
  const receiver = {
    lost: (host: string, reason?: Error) => {
      lost.push([host, reason]);
      failed.resolve();
    },
  };
  const order = new IncomingOrder({
    publish: (host, part) => published.push({ host, ...part }),
    receiver: () => receiver as unknown as BrokerReceiver,
    canAck: () => true,
    report: (error) => reported.push(error),
    resumePatience,
  });
  return { order, published, lost, reported, failed: failed.promise };
}

/** Host b's RESUME as it reconnected, in epoch 8: with it, b says how many it sent in epoch 7. */
const B_RECONNECTED = {
  kind: RESUME,
  host: "b",
  epoch: 8,
  round: 1,
  seq: AFTER_RECONNECTING,
} as Envelope;

Deno.test("IncomingOrder reports a gap on both sides and counts on after it", () => {
  const { order, published, lost, reported } = counting();
  order.count("b", 7, 1, 0, 10);
  order.count("b", 7, 1, 3, 10);
  assert.equal(reported.length, 1);
  assert.ok(reported[0] instanceof UnreachableError);
  assert.equal(reported[0].message, '2 messages from host "b" were lost on the way');
  assert.deepEqual(lost, [["b", reported[0]]]);
  assert.deepEqual(published.map(({ kind, seq }) => [kind, seq]), [[GAP, 2]], "the sender is told");
  assert.deepEqual(readGap(published[0].body), { epoch: 7, first: 1 }, "which were lost");
  order.count("b", 7, 1, 4, 10);
  assert.equal(reported.length, 1, "4 follows 3");
  assert.deepEqual(order.had("b"), { epoch: 7, round: 1, highest: 4 });
  assert.equal(order.had("c"), undefined);
});

Deno.test("IncomingOrder confirms at once past 64 KiB, by the highest number had, in the sender's epoch", () => {
  const { order, published } = counting();
  const small = order.count("b", 7, 1, 0, 1000)!;
  order.confirm("b", small);
  assert.equal(published.length, 0, "a small one waits a moment, to be confirmed with others");
  const large = order.count("b", 7, 1, 1, 64 * 1024)!;
  order.confirm("b", large);
  assert.equal(published.length, 1);
  const [ack] = published;
  assert.equal(ack.kind, ACK);
  assert.equal(ack.seq, 7);
  assert.equal(readHighest(ack.body), 1);
  order.stop();
});

Deno.test("IncomingOrder asks a host that reconnected what it sent before, and reports what never came", () => {
  const { order, published, lost, reported } = counting();
  for (let seq = 0; seq < 5; seq++) order.count("b", 7, 1, seq, 10);
  order.count("b", 8, 1, 0, 10);
  // Nothing failed yet: this message, of the new epoch, may answer what is open.
  assert.deepEqual(lost, []);
  assert.deepEqual(published.map(({ kind, seq }) => [kind, seq]), [[RESUME, 7]]);
  // It had sent 8 in epoch 7: 5, 6 and 7 never came.
  order.resumed(B_RECONNECTED, 7, 8);
  assert.equal(reported.at(-1)?.message, '3 messages from host "b" were lost on the way');
  assert.deepEqual(lost, [["b", reported[0]]], "what was in flight may be lost: failed now");
  order.resumed(B_RECONNECTED, 7, 8);
  assert.equal(reported.length, 1, "told once");
});

Deno.test("IncomingOrder fails nothing for a host that reconnected having lost nothing on the way", () => {
  const { order, lost, reported } = counting();
  for (let seq = 0; seq < 5; seq++) order.count("b", 7, 1, seq, 10);
  order.count("b", 8, 1, 0, 10);
  order.resumed(B_RECONNECTED, 7, 5);
  assert.deepEqual([lost, reported], [[], []]);
});

const NEVER_CAME =
  'Messages from host "b" may have been lost on the way: it reconnected, and its count of what it had sent before never came';

Deno.test("IncomingOrder fails what was open with a reconnected host whose count never comes", async () => {
  const { order, lost, reported, failed } = counting(20);
  for (let seq = 0; seq < 5; seq++) order.count("b", 7, 1, seq, 10);
  order.count("b", 8, 1, 0, 10);
  assert.deepEqual(lost, [], "not yet: the count is asked for");
  // Neither the question nor an answer came back (lost, or b gone again).
  await waitFor(failed, "the wait for b's count to end");
  assert.deepEqual(reported.map((error) => error.message), [NEVER_CAME]);
  assert.deepEqual(lost, [["b", reported[0]]]);
  // An answer after that is no news.
  order.resumed(B_RECONNECTED, 7, 9);
  assert.equal(reported.length, 1);
  order.stop();
});

Deno.test("IncomingOrder fails at once what was open with a host that reconnected twice before its first count came", () => {
  const { order, lost, reported } = counting();
  for (let seq = 0; seq < 5; seq++) order.count("b", 7, 1, seq, 10);
  order.count("b", 8, 1, 0, 10);
  // It reconnects again: it will answer for epoch 8 only, never for 7.
  order.count("b", 9, 1, 0, 10);
  assert.deepEqual(reported.map((error) => error.message), [NEVER_CAME]);
  assert.deepEqual(lost, [["b", reported[0]]]);
  order.stop();
});

Deno.test("IncomingOrder counts on for a host that left and came back as itself, afresh for another", () => {
  const { order, published, reported } = counting();
  for (let seq = 0; seq < 3; seq++) order.count("b", 7, 1, seq, 10);
  order.forget("b");
  order.count("b", 7, 1, 3, 10);
  assert.equal(reported.length, 0, "the same process, paused a while: no false gap");
  order.forget("b");
  order.count("b", 9, 1, 0, 10);
  assert.deepEqual(reported, []);
  assert.deepEqual(published, [], "another process: nothing to ask of the one before");
  assert.deepEqual(order.had("b"), { epoch: 9, round: 1, highest: 0 });
});

Deno.test("IncomingOrder, told how many a host sent after this one reconnected, reports what never came and confirms all", () => {
  const { order, published, reported } = counting();
  for (let seq = 0; seq < 3; seq++) order.confirm("b", order.count("b", 7, 1, seq, 10)!);
  // It sent 5 in epoch 7: 3 and 4 came while this host was away, and never will.
  order.sent("b", 7, 1, 5);
  assert.equal(reported.at(-1)?.message, '2 messages from host "b" were lost on the way');
  const kinds = published.map(({ kind, seq, body }) => [kind, seq, readHighest(body)]);
  assert.deepEqual(
    kinds,
    [[GAP, 2, undefined], [ACK, 7, 4]],
    "the gap said, and everything confirmed at once",
  );
  order.count("b", 7, 1, 5, 10);
  assert.equal(reported.length, 1, "5 follows");
  // None of it came, from a host heard of for the first time: all lost, and confirmed.
  order.sent("c", 3, 1, 4);
  assert.equal(reported.at(-1)?.message, '4 messages from host "c" were lost on the way');
  assert.deepEqual(published.at(-1)?.seq, 3);
  assert.equal(readHighest(published.at(-1)!.body), 3);
  // Nothing sent, or no more than came: nothing to say.
  const before = published.length;
  order.sent("d", 1, 1, 0);
  order.sent("b", 7, 1, 6);
  assert.equal(reported.length, 2);
  assert.equal(published.length, before + 1, "b's 6 confirmed, no gap");
  order.stop();
});

Deno.test("IncomingOrder, told a count sent of a new round, counts afresh: the sender's new count was lost, RESUME and all", () => {
  const { order, published, reported } = counting();
  for (let seq = 0; seq < 5; seq++) order.confirm("b", order.count("b", 7, 1, seq, 10)!);
  // b forgot this host, and counts afresh in epoch 7: its RESUME, and the
  // 2 messages it sent since, were lost. Its tail check says it sent 2.
  // Before, that was dropped as a word from before a RESUME still to come;
  // told again each heartbeat, to no end, b's 2 stayed unconfirmed.
  order.sent("b", 7, 2, 2);
  assert.equal(reported.at(-1)?.message, '2 messages from host "b" were lost on the way');
  const kinds = published.map((
    { kind, round, seq, body },
  ) => [kind, round, seq, readHighest(body)]);
  assert.deepEqual(
    kinds,
    [[GAP, 2, 2, undefined], [ACK, 2, 7, 1]],
    "the gap said, and confirmed, of the new count",
  );
  assert.deepEqual(readGap(published[0].body), { epoch: 7, first: 0 }, "its senders are known");
  order.count("b", 7, 2, 2, 10);
  assert.equal(reported.length, 1, "2 follows");
  assert.deepEqual(order.had("b"), { epoch: 7, round: 2, highest: 2 });
  order.stop();
});

Deno.test("IncomingOrder confirms an epoch before a reconnect each time told its count, and counts it once", () => {
  const { order, published, reported } = counting();
  for (let seq = 0; seq < 3; seq++) order.count("b", 7, 1, seq, 10);
  const told = () =>
    published.splice(0).map(({ kind, seq, body }) => [kind, seq, readHighest(body)]);
  order.resumed(B_RECONNECTED, 7, 5);
  assert.deepEqual(told(), [[GAP, 2, undefined], [ACK, 7, 4]], "what never came said, then all");
  order.resumed(B_RECONNECTED, 7, 5);
  assert.deepEqual(
    told(),
    [[ACK, 7, 4]],
    "told again (the confirmation may have been lost): confirmed again, counted once",
  );
  // None of it came, from a host heard of for the first time: all lost once, confirmed each time.
  order.resumed({ ...B_RECONNECTED, host: "c" }, 3, 2);
  order.resumed({ ...B_RECONNECTED, host: "c" }, 3, 2);
  assert.deepEqual(told(), [[GAP, 2, undefined], [ACK, 3, 1], [ACK, 3, 1]]);
  assert.equal(reported.length, 2);
  // Its count asked for (a message of the new epoch came first): the same, told again.
  order.count("e", 5, 1, 0, 10);
  order.count("e", 6, 1, 0, 10);
  order.resumed({ ...B_RECONNECTED, host: "e", epoch: 6 }, 5, 1);
  order.resumed({ ...B_RECONNECTED, host: "e", epoch: 6 }, 5, 1);
  assert.deepEqual(told(), [[RESUME, 5, undefined], [ACK, 5, 0], [ACK, 5, 0]]);
  assert.equal(reported.length, 2);
  // Counted afresh after it forgot this host, in the same epoch: nothing of it is confirmed.
  order.count("d", 4, 1, 0, 10);
  order.resumed({ ...B_RECONNECTED, host: "d", epoch: 4, seq: AFTER_FORGETTING }, 4, 1);
  assert.deepEqual(told(), []);
  order.stop();
});

Deno.test("IncomingOrder remembers the latest hosts that left, not every one it ever saw", () => {
  const { order, reported } = counting();
  const hosts = Array.from({ length: MOST_FORGOTTEN + 2 }, (_, i) => `h${i}`);
  for (const host of hosts) order.count(host, 7, 1, 0, 10);
  for (const host of hosts.slice(1)) order.forget(host);
  assert.equal(order.had("h0")?.highest, 0, "never left: kept");
  assert.equal(order.had("h1"), undefined, "the first to leave: let go");
  assert.equal(order.had("h2")?.highest, 0, "kept");
  // h2 comes back: no longer among those that left, so not let go after.
  order.count("h2", 7, 1, 1, 10);
  for (const host of ["x", "y"]) {
    order.count(host, 7, 1, 0, 10);
    order.forget(host);
  }
  assert.equal(order.had("h2")?.highest, 1, "came back: kept");
  assert.equal(order.had("h3"), undefined, "the oldest to leave now: let go");
  assert.equal(order.had("h4")?.highest, 0);
  assert.deepEqual(reported, [], "no false gap");
  order.stop();
});

Deno.test("IncomingOrder drops a late message of any recent earlier epoch, not only the last", () => {
  const { order } = counting();
  order.count("b", 1, 1, 0, 10);
  order.count("b", 2, 1, 0, 10);
  order.count("b", 3, 1, 0, 10);
  assert.equal(order.count("b", 1, 1, 1, 10), undefined, "of epoch 1, two before");
  assert.equal(order.count("b", 2, 1, 1, 10), undefined, "of epoch 2, the one before");
  assert.deepEqual(
    order.had("b"),
    { epoch: 3, round: 1, highest: 0 },
    "epoch 3 is still the one counted",
  );
  order.stop();
});

Deno.test("IncomingOrder counts afresh at a new round, its RESUME lost with as many messages as the old count had", () => {
  const { order, published, reported } = counting();
  for (let seq = 0; seq < 3; seq++) order.confirm("b", order.count("b", 7, 1, seq, 10)!);
  published.splice(0);
  // b forgot this host and counts afresh in round 2: its RESUME and its
  // messages 0 to 3 were lost. Message 4 went on with the old count
  // before (3 expected): 1 reported lost, and 0 to 2 confirmed unseen.
  order.confirm("b", order.count("b", 7, 2, 4, 10)!);
  assert.deepEqual(reported.map((error) => error.message), [
    '4 messages from host "b" were lost on the way',
  ]);
  const [gap] = published.splice(0);
  assert.deepEqual([gap.kind, gap.round, gap.seq], [GAP, 2, 4]);
  assert.deepEqual(readGap(gap.body), { epoch: 7, first: 0 }, "its senders are known");
  assert.deepEqual(order.had("b"), { epoch: 7, round: 2, highest: 4 });
  order.count("b", 7, 2, 5, 10);
  assert.equal(reported.length, 1, "5 follows");
  order.stop();
});

Deno.test("IncomingOrder, told the count of a round it never saw, takes all of it as lost", () => {
  const { order, published, reported } = counting();
  for (let seq = 0; seq < 3; seq++) order.count("b", 7, 1, seq, 10);
  // b forgot this host twice: of its round 2 (5 sent) nothing came, its RESUME neither.
  const resume = { kind: RESUME, host: "b", epoch: 7, round: 2, seq: AFTER_FORGETTING };
  order.resumed(resume as Envelope, 7, 5);
  assert.deepEqual(reported.map((error) => error.message), [
    '5 messages from host "b" were lost on the way',
  ]);
  assert.deepEqual(published.splice(0).map(({ kind, seq }) => [kind, seq]), [[GAP, 5]]);
  // Round 3 follows its RESUME: counted from 0, no false gap.
  order.count("b", 7, 3, 0, 10);
  order.count("b", 7, 3, 1, 10);
  assert.equal(reported.length, 1);
  assert.deepEqual(order.had("b"), { epoch: 7, round: 3, highest: 1 });
  order.stop();
});

Deno.test("IncomingOrder confirms by the round counted", () => {
  const { order, published } = counting();
  // Past 64 KiB: confirmed at once.
  order.confirm("b", order.count("b", 7, 4, 0, 64 * 1024)!);
  assert.deepEqual(published.map(({ kind, round, seq }) => [kind, round, seq]), [[ACK, 4, 7]]);
  order.stop();
});

Deno.test("IncomingOrder, told a count sent of a new round as high as the old one's or more, reports all of it lost", () => {
  const { order, published, reported } = counting();
  for (let seq = 0; seq < 3; seq++) order.confirm("b", order.count("b", 7, 1, seq, 10)!);
  published.splice(0);
  // b counts afresh in round 2; its RESUME and its 5 new messages were
  // lost. Its tail check says 5: before, taken as 2 more than 3, and 0 to
  // 2 of the new count confirmed though they never came.
  order.sent("b", 7, 2, 5);
  assert.deepEqual(reported.map((error) => error.message), [
    '5 messages from host "b" were lost on the way',
  ]);
  const told = published.map(({ kind, round, seq, body }) => [kind, round, seq, readHighest(body)]);
  assert.deepEqual(told, [[GAP, 2, 5, undefined], [ACK, 2, 7, 4]]);
  assert.deepEqual(readGap(published[0].body), { epoch: 7, first: 0 });
  order.stop();
});
