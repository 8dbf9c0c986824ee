/** `HeldAnswers`: a child's answers to another host, held until the window has room. */

import assert from "node:assert/strict";
import { HeldAnswers } from "../src/held_answers.ts";
import { nextTask } from "../src/next_task.ts";
import { FULL, UNREACHABLE } from "../src/transport.ts";
import { waitFor } from "./helpers.ts";

/** A link whose window takes `room` bytes until told more; what was sent and refused, by text. */
function fakeWay(room: number) {
  const sent: string[] = [];
  const refused: string[] = [];
  /** The manager's own answers, as `sent` or `refused`. */
  const own: string[] = [];
  let waiter: PromiseWithResolvers<void> | undefined;
  let up = true;
  const text = (payload: Uint8Array) => new TextDecoder().decode(payload);
  const way = {
    send(_from: unknown, _to: unknown, payload: Uint8Array): number {
      if (!up) return UNREACHABLE;
      if (payload.length > room) return FULL;
      room -= payload.length;
      sent.push(text(payload));
      return payload.length;
    },
    refuse: (_from: unknown, _to: unknown, payload: Uint8Array, isOwn: boolean) =>
      (isOwn ? own : refused).push(isOwn ? `refused ${text(payload)}` : text(payload)),
    answeredAs: () => own.push(`sent ${sent.at(-1)}`),
    dropped: () => false,
    drained: () => (waiter = Promise.withResolvers<void>()).promise,
    report: (error: Error) => assert.fail(error),
  };
  return {
    way,
    sent,
    refused,
    own,
    /** The window makes `more` bytes of room, or closes (`up` false), and the drain resolves. */
    async room(more: number, stillUp = true) {
      room += more;
      up = stillUp;
      waiter?.resolve();
      // The held answers go on in microtasks: all done by the next task.
      await nextTask();
    },
  };
}

const bytes = (text: string) => new TextEncoder().encode(text);

Deno.test("held answers go in order once the window has room, with what came after them", async () => {
  const fake = fakeWay(0);
  const held = new HeldAnswers(fake.way, 1_000_000, 1_000);
  held.hold(0, "manager@a", "a", bytes("p1"));
  assert.equal(held.behind(0, "manager@a", bytes("p2")), true);
  // Another target is not held behind them.
  assert.equal(held.behind(0, "manager@c", bytes("x")), false);
  await fake.room(2);
  assert.deepEqual(fake.sent, ["p1"]);
  await fake.room(2);
  assert.deepEqual(fake.sent, ["p1", "p2"]);
  // Nothing waits now: the next goes its own way.
  assert.equal(held.behind(0, "manager@a", bytes("p3")), false);
});

Deno.test("held answers are refused when the way closes, and past the bound of their child", async () => {
  const fake = fakeWay(0);
  const held = new HeldAnswers(fake.way, 1_000_000, 5);
  const payload = bytes("p1");
  held.hold(0, "manager@a", "a", payload);
  // Copied: the caller's bytes may be reused.
  payload.fill(0);
  held.behind(0, "manager@a", bytes("p2"));
  held.behind(0, "manager@a", bytes("p3"));
  assert.deepEqual(fake.refused, ["p3"], "over 5 bytes held for worker 0");
  await waitFor(fake.room(0, false), "the way to close");
  assert.deepEqual(fake.refused, ["p3", "p1", "p2"]);
  assert.deepEqual(fake.sent, []);
});

Deno.test("the manager's own answers for a child wait alike, counted as sent, only reported if not", async () => {
  const fake = fakeWay(0);
  const held = new HeldAnswers(fake.way, 1_000_000, 1_000);
  held.hold(0, "manager@a", "a", bytes("m1"), true);
  held.behind(0, "manager@a", bytes("p1"));
  held.behind(0, "manager@a", bytes("m2"), true);
  await fake.room(4);
  assert.deepEqual(fake.sent, ["m1", "p1"]);
  assert.deepEqual(fake.own, ["sent m1"]);
  await waitFor(fake.room(0, false), "the way to close");
  assert.deepEqual(fake.own, ["sent m1", "refused m2"]);
  assert.deepEqual(fake.refused, [], "the child never sent it");
});
