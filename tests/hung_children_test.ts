/**
 * Hung children found alone, on a clock the test moves: worker 0's process
 * is a stand-in, and the test says whether it answers each `$ping`. The
 * supervisor running it with a real process is in
 * supervisor_watchdog_test.ts.
 */

import assert from "node:assert/strict";
import { PING } from "../src/control.ts";
import { HungChildren } from "../src/hung_children.ts";
import type { SpawnedChild } from "../src/spawn.ts";
import { assertKilledAsHung } from "./hung_error.ts";
import { oneChildOnClock, standIn } from "./one_child_on_clock.ts";

const HANG_TIMEOUT = 2000;

/**
 * Worker 0, ready in a stand-in process and connected (until
 * `connection` says not), with a `hangTimeout` of 2 s unless not
 * `watched`; with the `$ping`s
 * sent it, the processes killed and what was reported. `answer()` answers
 * the last `$ping`.
 */
async function watchedOne({ watched = true } = {}) {
  const one = await oneChildOnClock({ hangTimeout: watched ? HANG_TIMEOUT : undefined });
  const { clock, child, slots, state, reported } = one;
  const pings: unknown[] = [];
  const killed: SpawnedChild[] = [];
  const connection = { connected: true };
  const hung = new HungChildren({
    clock,
    slots,
    stopping: () => state.stopping,
    tell: (address, action, data) => {
      assert.deepEqual([address, action], [0, PING]);
      pings.push(data);
      return true;
    },
    isConnected: () => connection.connected,
    kill: (spawned) => killed.push(spawned),
    report: (error) => reported.push(error),
  });
  Object.assign(child, { process: standIn("process 1", 1), state: "ready" });
  const answer = () => hung.answered(0, pings.at(-1));
  return { ...one, hung, pings, killed, connection, answer };
}

Deno.test("a ready child silent past its hangTimeout is killed, marked hung, and said so", async () => {
  const { clock, child, hung, pings, killed, reported } = await watchedOne();
  hung.watch(child);
  assert.deepEqual(pings, [{ n: 1 }]);
  clock.advance(HANG_TIMEOUT - 1);
  assert.deepEqual(killed, []);
  clock.advance(1);
  assert.deepEqual(killed, [child.process]);
  assert.equal(child.hung, true);
  assertKilledAsHung(reported);
  assert.equal(clock.timers, 0, "watched no more");
});

Deno.test("a child that answers each $ping is probed once a hangTimeout, and never killed", async () => {
  const { clock, child, hung, pings, killed, answer } = await watchedOne();
  hung.watch(child);
  for (let n = 0; n < 3; n++) {
    answer();
    clock.advance(HANG_TIMEOUT);
  }
  assert.deepEqual(pings, [{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }]);
  assert.deepEqual(killed, []);
  hung.forget(0);
  assert.equal(clock.timers, 0);
});

Deno.test("no child is probed without a hangTimeout, nor while the cluster stops", async () => {
  const off = await watchedOne({ watched: false });
  off.hung.watch(off.child);
  assert.deepEqual([off.pings, off.clock.timers], [[], 0]);
  const stopping = await watchedOne();
  stopping.state.stopping = true;
  stopping.hung.watch(stopping.child);
  assert.deepEqual([stopping.pings, stopping.clock.timers], [[], 0]);
});

Deno.test("a child no longer ready, leaving, another process, or not connected is dropped, not killed", async () => {
  const changes: ((one: Awaited<ReturnType<typeof watchedOne>>) => void)[] = [
    ({ child }) => child.state = "starting",
    ({ child }) => child.leaving = true,
    ({ child }) => child.process = standIn("process 2", 2),
    ({ connection }) => connection.connected = false,
    ({ state }) => state.stopping = true,
  ];
  for (const change of changes) {
    const one = await watchedOne();
    one.hung.watch(one.child);
    change(one);
    one.clock.advance(HANG_TIMEOUT);
    assert.deepEqual(one.killed, [], String(change));
    assert.equal(one.clock.timers, 0, String(change));
  }
});

Deno.test("stop() ends every probe: no timer is left", async () => {
  const { clock, child, hung } = await watchedOne();
  hung.watch(child);
  assert.equal(clock.timers, 1);
  hung.stop();
  assert.equal(clock.timers, 0);
});
