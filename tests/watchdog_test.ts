/**
 * The watchdog's verdicts, on a clock the test moves: a `$ping` each
 * `hangTimeout` while the last was answered, a child that does not answer
 * is hung, and a child not probed (stopping, closed) or a manager whose own
 * loop was held is not judged.
 */

import assert from "node:assert/strict";
import type { Address } from "../mod.ts";
import { LATE_TIMER, Watchdog } from "../src/watchdog.ts";
import { FakeClock } from "./fake_clock.ts";

const TIMEOUT = 1000;

/** A watchdog on a fake clock, with the pings it sent and the children it found hung. */
function watchdog(connected = () => true) {
  const clock = new FakeClock();
  const pings: [Address, number][] = [];
  const hung: [Address, number][] = [];
  const dog = new Watchdog({
    clock,
    ping: (address, data) => {
      if (!connected()) return false;
      pings.push([address, data.n]);
      return true;
    },
    hung: (address, timeout) => hung.push([address, timeout]),
  });
  return { clock, pings, hung, dog };
}

Deno.test("a child that answers each $ping in time is probed once per hangTimeout, never hung", () => {
  const { clock, pings, hung, dog } = watchdog();
  dog.watch(0, TIMEOUT, () => true);
  assert.deepEqual(pings, [[0, 1]]);
  for (let n = 1; n <= 5; n++) {
    clock.advance(TIMEOUT - 1);
    dog.answered(0, { n });
    assert.equal(pings.length, n, "no second $ping before the interval");
    clock.advance(1);
    assert.deepEqual(pings.at(-1), [0, n + 1]);
  }
  assert.deepEqual(hung, []);
  assert.equal(clock.timers, 1, "one timer per child, however many pings");
  dog.stop();
  assert.equal(clock.timers, 0);
});

Deno.test("a child that does not answer within hangTimeout is hung, and watched no more", () => {
  const { clock, pings, hung, dog } = watchdog();
  dog.watch(1, TIMEOUT, () => true);
  dog.answered(1, { n: 1 });
  clock.advance(TIMEOUT);
  clock.advance(TIMEOUT - 1);
  assert.deepEqual(hung, []);
  clock.advance(1);
  assert.deepEqual(hung, [[1, TIMEOUT]]);
  assert.deepEqual(pings, [[1, 1], [1, 2]]);
  assert.equal(clock.timers, 0);
  // A late answer changes nothing.
  dog.answered(1, { n: 2 });
  clock.advance(10 * TIMEOUT);
  assert.deepEqual(hung, [[1, TIMEOUT]]);
});

Deno.test("an answer to an older $ping, or without its number, answers nothing", () => {
  const { clock, hung, dog } = watchdog();
  dog.watch("svc", TIMEOUT, () => true);
  dog.answered("svc", { n: 1 });
  clock.advance(TIMEOUT);
  dog.answered("svc", { n: 1 });
  dog.answered("svc", undefined);
  dog.answered("svc", { n: "2" });
  dog.answered(7, { n: 2 });
  clock.advance(TIMEOUT);
  assert.deepEqual(hung, [["svc", TIMEOUT]]);
});

Deno.test("a child no longer watching (stopping, closed) is dropped, not judged", () => {
  const { clock, pings, hung, dog } = watchdog();
  let ready = true;
  dog.watch(0, TIMEOUT, () => ready);
  ready = false; // a reload began: its $stop has stopTimeout
  clock.advance(5 * TIMEOUT);
  assert.deepEqual(hung, []);
  assert.deepEqual(pings, [[0, 1]]);
  assert.equal(clock.timers, 0);
});

Deno.test("a $ping that cannot be sent (not connected) is not waited for", () => {
  let connected = true;
  const { clock, pings, hung, dog } = watchdog(() => connected);
  dog.watch(0, TIMEOUT, () => true);
  dog.answered(0, { n: 1 });
  connected = false;
  clock.advance(TIMEOUT);
  clock.advance(TIMEOUT);
  assert.deepEqual(hung, []);
  connected = true;
  clock.advance(TIMEOUT);
  assert.deepEqual(pings, [[0, 1], [0, 4]]);
});

Deno.test("a manager whose own loop was held past the deadline gives the child another hangTimeout", () => {
  const { clock, pings, hung, dog } = watchdog();
  dog.watch(0, TIMEOUT, () => true);
  // The manager was busy: its timer runs late, the $pong unread behind it.
  clock.advance(TIMEOUT + LATE_TIMER + 1);
  assert.deepEqual(hung, []);
  assert.deepEqual(pings, [[0, 1]], "the same $ping is still awaited");
  dog.answered(0, { n: 1 });
  clock.advance(TIMEOUT);
  assert.deepEqual(pings, [[0, 1], [0, 2]]);
  // A timer late by no more than a loaded machine's is on time: judged.
  clock.advance(TIMEOUT + LATE_TIMER);
  assert.deepEqual(hung, [[0, TIMEOUT]]);
});

Deno.test("watching a child again (its next process) replaces what watched it", () => {
  const { clock, pings, hung, dog } = watchdog();
  dog.watch(0, TIMEOUT, () => true);
  dog.forget(0);
  assert.equal(clock.timers, 0);
  dog.watch(0, 2 * TIMEOUT, () => true);
  clock.advance(TIMEOUT);
  assert.deepEqual(hung, []);
  clock.advance(TIMEOUT);
  assert.deepEqual(hung, [[0, 2 * TIMEOUT]]);
  assert.deepEqual(pings, [[0, 1], [0, 1]]);
});
