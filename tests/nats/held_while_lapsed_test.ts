import assert from "node:assert/strict";
import { HeldWhileLapsed } from "../../src/nats/held_while_lapsed.ts";

/** A hold whose lapse the test sets, and what it handled, as numbers. */
function hold() {
  const state = { lapsed: false, handled: [] as number[] };
  const held = new HeldWhileLapsed(() => state.lapsed, (bytes) => state.handled.push(bytes[0]));
  return { state, held, take: (n: number) => held.take(Uint8Array.of(n)) };
}

Deno.test("what is read while the membership holds is handled at once", () => {
  const { state, take } = hold();
  take(1);
  take(2);
  assert.deepEqual(state.handled, [1, 2]);
});

Deno.test("what is read while it may have lapsed is handled once its keys are kept, in order", () => {
  const { state, held, take } = hold();
  state.lapsed = true;
  take(1);
  take(2);
  assert.deepEqual(state.handled, []);
  // Kept, by a round whose writes were sent before the pause: still lapsed, still held.
  assert.equal(held.settled(true), 0);
  assert.deepEqual(state.handled, []);
  state.lapsed = false;
  // Held still: order holds while the round that settles it runs.
  take(3);
  held.settled(true);
  take(4);
  assert.deepEqual(state.handled, [1, 2, 3, 4]);
});

Deno.test("what is read while it may have lapsed is dropped when a key was lost", () => {
  const { state, held, take } = hold();
  state.lapsed = true;
  take(1);
  take(2);
  // Left: the membership holds nothing now, so it no longer counts as lapsed.
  state.lapsed = false;
  assert.equal(held.settled(false), 2);
  assert.deepEqual(state.handled, []);
  assert.equal(held.settled(true), 0);
  assert.deepEqual(state.handled, []);
});
