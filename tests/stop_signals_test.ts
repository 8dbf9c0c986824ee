/**
 * `StopSignals`: in a terminal, a SIGINT or SIGTERM heard twice within a
 * moment is one (a terminal's Ctrl-C reaches a manager run by `deno task`
 * twice); a second one after that stops at once. Elsewhere, a second
 * signal is always one.
 */

import assert from "node:assert/strict";
import { SAME_SIGNAL_WITHIN, StopSignals } from "../src/signals.ts";
import { FakeClock } from "./fake_clock.ts";

Deno.test("a stop signal heard again within the window is the same one; later, a second one", () => {
  const clock = new FakeClock();
  const stops = new StopSignals(undefined, clock);
  assert.equal(stops.heard(), "first");
  clock.advance(2);
  assert.equal(stops.heard(), "same", "deno task's forwarded copy");
  clock.advance(SAME_SIGNAL_WITHIN - 3);
  assert.equal(stops.heard(), "same");
  clock.advance(1);
  assert.equal(stops.heard(), "second", "a person's second Ctrl-C");
  assert.equal(stops.heard(), "second");
});

Deno.test("with no window (not a terminal), a second signal is a second one however soon", () => {
  const clock = new FakeClock();
  const stops = new StopSignals(undefined, clock, 0);
  assert.equal(stops.heard(), "first");
  assert.equal(stops.heard(), "second");
});

Deno.test("a first stop signal heard before the manager listened counts from when it came", () => {
  const clock = new FakeClock();
  clock.advance(1_000);
  assert.equal(new StopSignals(clock.now() - 1, clock).heard(), "same");
  assert.equal(new StopSignals(clock.now() - SAME_SIGNAL_WITHIN, clock).heard(), "second");
});

Deno.test("the window counts from when the first one was handled, which may take a while", () => {
  const clock = new FakeClock();
  const stops = new StopSignals(undefined, clock);
  assert.equal(stops.heard(), "first");
  clock.advance(400); // the manager's onStop handlers ran synchronously
  stops.handled();
  clock.advance(1);
  assert.equal(stops.heard(), "same", "the copy that came meanwhile");
  clock.advance(SAME_SIGNAL_WITHIN);
  assert.equal(stops.heard(), "second");
});
