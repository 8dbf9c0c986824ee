/**
 * `Notices` (src/nats/notices.ts) in one process: the bounces and ends a
 * link tells the other hosts, held while it cannot speak, and what it says
 * of those that never go. Across a fake connection: held_bounces_test.ts
 * and ended_while_lapsed_test.ts; across real hosts: ended_test.ts.
 */

import assert from "node:assert/strict";
import { readBounce, readEnded } from "../../src/nats/bodies.ts";
import { BOUNCE, ENDED, type EnvelopePart } from "../../src/nats/envelope.ts";
import type { IncomingOrder } from "../../src/nats/incoming_order.ts";
import { MOST_HELD } from "../../src/nats/held_bounces.ts";
import { Notices } from "../../src/nats/notices.ts";

const EPOCH_OF_B = 3;

/** Notices of host "a" (worker 0) among "a", "b" (worker 1) and "c" (worker 2), and what they publish. */
function noticesOf() {
  const state = { up: true, closing: false, lapsed: false, known: new Set(["a", "b", "c"]) };
  const published: [string, EnvelopePart][] = [];
  const reports: string[] = [];
  const hostOf = new Map<unknown, string>([[0, "a"], [1, "b"], [2, "c"]]);
  // Host a had messages 0 to 4 of b's epoch; none of c's.
  const incoming = {
    had: (host: string) => host === "b" ? { epoch: EPOCH_OF_B, round: 3, highest: 4 } : undefined,
  } as unknown as IncomingOrder;
  const notices = new Notices({
    self: "a",
    hosts: () => ["a", "b", "c"],
    hostOf: (address) => hostOf.get(address),
    knows: (host) => state.known.has(host),
    up: () => state.up,
    closing: () => state.closing,
    mayHaveLapsed: () => state.lapsed,
    incoming,
    publish: (host, part) => void published.push([host, part]),
    report: (error) => void reports.push(error.message),
  });
  const kinds = (kind: number) => published.filter(([, part]) => part.kind === kind);
  return { notices, state, published, reports, kinds };
}

Deno.test("Notices sends a bounce at once to the host of its sender while connected", () => {
  const { notices, kinds } = noticesOf();
  notices.bounce(1, 0, "worker 0 stopped", { action: "job" });
  notices.bounce("nowhere", 0, "worker 0 stopped");
  const bounces = kinds(BOUNCE);
  assert.deepEqual(bounces.map(([host, { from, to }]) => [host, from, to]), [["b", 1, 0]]);
  assert.deepEqual(readBounce(bounces[0][1].body), { reason: "worker 0 stopped", action: "job" });
});

Deno.test("Notices holds bounces while disconnected and sends them, in order, to the hosts still known", () => {
  const { notices, state, kinds, reports } = noticesOf();
  state.up = false;
  notices.bounce(1, 0, "first");
  notices.bounce(2, 0, "second");
  notices.bounce(1, 0, "third", { count: 2 });
  assert.deepEqual(kinds(BOUNCE), []);
  state.up = true;
  state.known.delete("c");
  notices.sendHeldBounces();
  const reasons = kinds(BOUNCE).map(([host, part]) => [host, readBounce(part.body).reason]);
  assert.deepEqual(reasons, [["b", "first"], ["b", "third"]]);
  assert.deepEqual(reports, []);
  notices.sendHeldBounces();
  assert.equal(kinds(BOUNCE).length, 2, "each held bounce goes once");
});

Deno.test("Notices says what held bounces never go: past the bound, or still disconnected", () => {
  const { notices, state, kinds, reports } = noticesOf();
  state.up = false;
  for (let i = 0; i < MOST_HELD; i++) notices.bounce(1, 0, "held");
  notices.bounce(1, 0, "past the bound", { count: 2 });
  state.up = true;
  notices.sendHeldBounces();
  assert.equal(kinds(BOUNCE).length, MOST_HELD);
  assert.equal(reports.length, 1);
  assert.match(reports[0], /^2 messages from other hosts were not delivered here/);
  state.up = false;
  notices.bounce(1, 0, "held as it closes");
  notices.sendHeldBounces();
  assert.equal(reports.length, 1, "kept while down");
  notices.sendOrDropHeldBounces();
  assert.equal(
    reports[1],
    "1 message from other hosts was not delivered here, and their senders were not told: " +
      "the connection to the NATS server was down",
  );
});

Deno.test("Notices tells every other host a process ended, with what it had of each, and of which count", () => {
  const { notices, kinds } = noticesOf();
  notices.ended(0, "worker 0 crashed");
  const ends = kinds(ENDED);
  assert.deepEqual(ends.map(([host, { from, to, round, seq }]) => [host, from, to, round, seq]), [
    ["b", 0, null, 3, EPOCH_OF_B],
    ["c", 0, null, 0, 0],
  ]);
  assert.deepEqual(readEnded(ends[0][1].body), { reason: "worker 0 crashed", had: 4 });
  assert.equal(readEnded(ends[1][1].body)?.had, undefined, "nothing of c's came");
});

Deno.test("Notices tells an end once what goes first settles, and not once the link closes", async () => {
  const { notices, state, kinds } = noticesOf();
  const answered = Promise.withResolvers<void>();
  notices.ended(0, "worker 0 crashed", answered.promise);
  assert.deepEqual(kinds(ENDED), [], "not before its answers");
  answered.reject(new Error("an answer could not go"));
  await answered.promise.catch(() => {});
  await Promise.resolve();
  assert.equal(kinds(ENDED).length, 2, "told once it settles, even as a failure");
  state.closing = true;
  notices.ended(1, "worker 1 crashed");
  assert.equal(kinds(ENDED).length, 2, "a closing host's bye says more");
});

Deno.test("Notices holds ends while this host cannot speak, and tells only the last of each process", () => {
  const { notices, state, kinds } = noticesOf();
  state.lapsed = true;
  notices.ended(0, "first");
  notices.ended(0, "second");
  notices.sendEndedUntold();
  assert.deepEqual(kinds(ENDED), [], "not while its keys may have lapsed");
  state.lapsed = false;
  state.up = false;
  notices.sendEndedUntold();
  assert.deepEqual(kinds(ENDED), [], "not while disconnected");
  state.up = true;
  state.known.delete("c");
  notices.sendEndedUntold();
  const ends = kinds(ENDED).map(([host, part]) => [host, readEnded(part.body)?.reason]);
  assert.deepEqual(ends, [["b", "second"]]);
  notices.sendEndedUntold();
  assert.equal(kinds(ENDED).length, 1, "each goes once");
});

Deno.test("Notices drops the ends it held once another process holds this host's name", () => {
  const { notices, state, kinds } = noticesOf();
  state.lapsed = true;
  notices.ended(0, "worker 0 crashed");
  notices.dropEndedUntold();
  state.lapsed = false;
  notices.sendEndedUntold();
  assert.deepEqual(kinds(ENDED), []);
});
