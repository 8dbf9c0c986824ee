/**
 * Restarts alone, on a clock the test moves: a child down is restarted
 * after the delay it is given, or given up; its processes are stand-ins
 * (nothing is spawned), and the test says when the start is done.
 */

import assert from "node:assert/strict";
import type { SwitchboardError } from "../mod.ts";
import { oneChildOnClock, standIn } from "./one_child_on_clock.ts";

Deno.test("a child down is restarted once its delay passes on the clock, and counted", async () => {
  const { clock, child, restarts, events, spawned } = await oneChildOnClock();
  restarts.afterFailure(child, 100, "exited with code 3");
  assert.equal(child.state, "restarting");
  clock.advance(99);
  assert.deepEqual(events, []);
  clock.advance(1);
  assert.deepEqual(events, [{ type: "restart", address: 0, attempt: 1 }]);
  assert.equal(child.state, "starting");
  assert.equal(child.restarts, 1);
  assert.equal(child.process, spawned[0]);
  assert.equal(child.backoff, undefined);
});

Deno.test("a child with no delay left is given up: a fatal event, and an error reported and escalated", async () => {
  const { clock, child, restarts, events, reported, gaveUp } = await oneChildOnClock();
  restarts.afterFailure(child, undefined, "exited with code 3");
  assert.equal(child.state, "failed");
  assert.deepEqual(events, [{ type: "fatal", address: 0, restarts: 2, period: 1000 }]);
  assert.deepEqual(reported.map((error) => error.message), [
    "worker 0 exited with code 3 after 2 restarts within 1000 ms; it stays down",
  ]);
  assert.deepEqual(gaveUp, reported);
  assert.equal((gaveUp[0] as SwitchboardError).peer, 0);
  assert.equal(clock.timers, 0);
});

Deno.test("new code never ready since its reload, given up, is reported but not escalated", async () => {
  const { child, restarts, reported, gaveUp } = await oneChildOnClock();
  child.newCodeUnproven = true;
  restarts.afterFailure(child, undefined, "exited with code 1");
  assert.match(reported[0].message, /stays down \(it was never ready since its reload, so the/);
  assert.deepEqual(gaveUp, []);
});

Deno.test("a child given up before the start is done fails the start with the error, said nowhere else", async () => {
  const { child, startUp, restarts, reported, gaveUp } = await oneChildOnClock({ started: false });
  restarts.afterFailure(child, undefined, "exited with code 3");
  await assert.rejects(startUp.wait(60_000), {
    message: "worker 0 exited with code 3 after 2 restarts within 1000 ms; it stays down",
  });
  assert.deepEqual(reported, []);
  assert.deepEqual(gaveUp, []);
});

Deno.test("a restart not ready within startTimeout is killed and said so; a ready one is left", async () => {
  const { clock, child, restarts, reported, killed, spawned } = await oneChildOnClock();
  restarts.afterFailure(child, 100, "exited with code 3");
  clock.advance(100);
  clock.advance(500);
  assert.deepEqual(killed, [spawned[0]]);
  assert.deepEqual(reported.map((error) => error.message), [
    "worker 0 was not ready within 500 ms after its restart",
  ]);
  // Its exit, then its next restart: ready in time, it is not killed.
  child.process = undefined;
  restarts.afterFailure(child, 100, "exited on signal SIGKILL");
  clock.advance(100);
  child.state = "ready";
  clock.advance(500);
  assert.deepEqual(killed, [spawned[0]]);
  assert.equal(reported.length, 1);
});

Deno.test("a restart that cannot be spawned is said, and its budget decides again", async () => {
  const { clock, child, restarts, events, reported, gaveUp, state } = await oneChildOnClock();
  state.failSpawn = true;
  // A first crash spent one restart of the two: the failed spawn spends the second.
  child.budget!.onExit(clock.now());
  restarts.afterFailure(child, 100, "exited with code 3");
  clock.advance(100);
  assert.equal(child.state, "restarting");
  assert.deepEqual(reported.map((error) => error.message), ["Could not restart worker 0"]);
  assert.equal((reported[0].cause as Error).message, "out of processes");
  clock.advance(200);
  assert.deepEqual(events.map((event) => event.type), ["restart", "restart", "fatal"]);
  assert.equal(
    reported[2].message,
    "worker 0 could not be started after 2 restarts within 1000 ms; it stays down",
  );
  assert.deepEqual(gaveUp, [reported[2]]);
});

Deno.test("nothing is restarted once the cluster stops, nor a child whose process is back", async () => {
  const { clock, child, restarts, events, spawned, state } = await oneChildOnClock();
  restarts.afterFailure(child, 100, "exited with code 3");
  state.stopping = true;
  clock.advance(100);
  assert.deepEqual(events, []);
  state.stopping = false;
  restarts.afterFailure(child, 100, "exited with code 3");
  child.process = standIn("another");
  clock.advance(100);
  assert.deepEqual(events, []);
  assert.deepEqual(spawned, []);
  assert.equal(child.restarts, 0);
});
