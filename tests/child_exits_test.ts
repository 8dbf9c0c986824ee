/**
 * What follows a child's exit, decided alone on a clock the test moves:
 * its process a stand-in, its exit status the test's. How the supervisor
 * notices real exits is in supervision_test.ts and supervisor_clock_test.ts.
 */

import assert from "node:assert/strict";
import type { SwitchboardError } from "../mod.ts";
import { ChildExits } from "../src/child_exits.ts";
import type { RestartPolicy } from "../src/restart_policy.ts";
import { oneChildOnClock, standIn } from "./one_child_on_clock.ts";

const CRASH: Deno.CommandStatus = { success: false, code: 3, signal: null };
const KILLED: Deno.CommandStatus = { success: false, code: 137, signal: "SIGKILL" };
const CLEAN: Deno.CommandStatus = { success: true, code: 0, signal: null };

/**
 * Worker 0's exits (see `oneChildOnClock`), its process a stand-in, ready
 * unless `ready` is false; `exited` and `stoppedAlone` tell of its exit
 * once its slot let go of the process, as the supervisor does. `settled`
 * says how its ready promise settled.
 */
async function exitsOfOne(
  options: { restart?: RestartPolicy | null; started?: boolean; ready?: boolean } = {},
) {
  const one = await oneChildOnClock(options);
  const { clock, startUp, restarts, events, reported, child, state } = one;
  const exits = new ChildExits({
    clock,
    startUp,
    restarts,
    stopping: () => state.stopping,
    announce: (event) => events.push(event),
    report: (error) => reported.push(error),
  });
  const process = standIn("process 0");
  const settled: { error?: SwitchboardError } = {};
  child.ready.promise.catch((error) => settled.error = error);
  if (options.ready ?? true) {
    Object.assign(child, { state: "ready", wasReady: true, wentAhead: true, readyAt: 0 });
  } else child.state = "starting";
  const exited = (status: Deno.CommandStatus) => {
    child.process = undefined;
    exits.exited(child, process, status);
  };
  const stoppedAlone = (status: Deno.CommandStatus) => {
    child.process = undefined;
    exits.stoppedAlone(child, process, status);
  };
  return { ...one, exited, stoppedAlone, settled };
}

Deno.test("a crash is announced, spends the budget, and is restarted after its back-off", async () => {
  const { exited, clock, child, events } = await exitsOfOne();
  exited(CRASH);
  assert.deepEqual(events, [
    { type: "exit", address: 0, code: 3, signal: null, restart: true },
  ]);
  assert.equal(child.state, "restarting");
  clock.advance(100);
  assert.deepEqual(events.at(-1), { type: "restart", address: 0, attempt: 1 });
});

Deno.test("crashes past maxRestarts within period give the child up, said how it exited", async () => {
  const { exited, events, gaveUp } = await exitsOfOne();
  for (let n = 0; n < 3; n++) exited(KILLED);
  assert.deepEqual(events.map((event) => event.type === "exit" && event.restart), [
    true,
    true,
    false,
    false,
  ]);
  assert.deepEqual(gaveUp.map((error) => error.message), [
    "worker 0 exited on signal SIGKILL after 2 restarts within 1000 ms; it stays down",
  ]);
});

Deno.test("a clean exit never gives a child up; one that ran maxBackoff waits the first back-off", async () => {
  const { exited, clock, child, events, gaveUp } = await exitsOfOne({
    restart: { maxRestarts: 0, period: 1000, backoff: 100, maxBackoff: 150 },
  });
  exited(CLEAN);
  assert.equal(child.state, "restarting");
  clock.advance(100);
  Object.assign(child, { state: "ready", readyAt: clock.now() });
  clock.advance(150);
  exited(CLEAN);
  clock.advance(99);
  assert.deepEqual(events.map((event) => event.type), ["exit", "restart", "exit"]);
  clock.advance(1);
  assert.equal(events.at(-1)?.type, "restart");
  assert.deepEqual(gaveUp, []);
});

Deno.test("a clean exit before its process was ready is a failure to start, and asks whether it connected", async () => {
  const { exited, child, gaveUp } = await exitsOfOne({
    restart: { maxRestarts: 0, period: 1000, backoff: 100, maxBackoff: 150 },
    ready: false,
  });
  // A worker runs a module (the stand-in slot's spec is a command).
  child.spec = { module: "./worker.ts", permissions: {}, flags: [], args: [], labelOutput: false };
  exited(CLEAN);
  assert.equal(child.state, "failed");
  assert.deepEqual(gaveUp.map((error) => error.message), [
    "worker 0 exited with code 0 before it was ready (did it call connect()? A module that only " +
    "exports a function ends at once) after 0 restarts within 1000 ms; it stays down",
  ]);
});

Deno.test("a command that exits cleanly before it joined is asked to speak the protocol, not to call connect()", async () => {
  const { exited, child, gaveUp } = await exitsOfOne({
    restart: { maxRestarts: 0, period: 1000, backoff: 100, maxBackoff: 150 },
    ready: false,
  });
  child.spec = { command: ["python3", "plain.py"], labelOutput: false };
  exited(CLEAN);
  assert.deepEqual(gaveUp.map((error) => error.message), [
    "worker 0 exited with code 0 before it was ready (its program must speak the protocol: see " +
    'README "Processes in other languages") after 0 restarts within 1000 ms; it stays down',
  ]);
});

Deno.test("with no restart policy a child that exits stays down, said unexpected", async () => {
  const { exited, child, events, reported } = await exitsOfOne({ restart: null });
  exited(CRASH);
  assert.equal(child.state, "stopped");
  assert.deepEqual(events, [
    { type: "exit", address: 0, code: 3, signal: null, restart: false },
  ]);
  assert.deepEqual(reported.map((error) => error.message), [
    "worker 0 exited unexpectedly with code 3",
  ]);
});

Deno.test("a child killed as hung says so in its exit event and its error", async () => {
  const { exited, child, events, reported } = await exitsOfOne({ restart: null });
  child.hung = true;
  exited(KILLED);
  assert.equal(events[0].type === "exit" && events[0].hung, true);
  assert.equal(
    reported[0].message,
    "worker 0 exited unexpectedly on signal SIGKILL (killed as hung: it did not answer the watchdog)",
  );
});

Deno.test("a child asked to go is no failure, unless it crashed before its stop work was done", async () => {
  const { exited, child, events, reported, settled } = await exitsOfOne();
  child.leaving = true;
  exited(CRASH);
  child.saidStopped = true;
  exited(CRASH);
  assert.deepEqual(events, []);
  assert.deepEqual(reported.map((error) => error.message), [
    "worker 0 exited with code 3 before its stop work was done",
  ]);
  assert.equal(child.state, "ready", "not restarted: the stop or reload decides what comes next");
  await Promise.resolve();
  assert.equal(settled.error?.message, "worker 0 exited with code 3 before it was ready");
});

Deno.test("a child that exits before the cluster has started fails the start, with what went wrong before", async () => {
  const { exited, child, startUp, events } = await exitsOfOne({
    started: false,
    ready: false,
  });
  child.trouble = new Error("Bad frame from worker 0");
  exited(CRASH);
  await assert.rejects(startUp.wait(60_000), {
    message: "worker 0 exited with code 3 before it was ready, after: Bad frame from worker 0",
  });
  assert.equal(child.state, "stopped");
  assert.deepEqual(events, []);
});

Deno.test("a child ready once that exits before the cluster has started says so", async () => {
  const { exited, startUp } = await exitsOfOne({ started: false });
  exited(KILLED);
  await assert.rejects(startUp.wait(60_000), {
    message: "worker 0 exited on signal SIGKILL before the cluster had started",
  });
});

Deno.test("a child stopped alone is restarted after the first back-off, its budget spent only by a crash", async () => {
  const { stoppedAlone, clock, child, events } = await exitsOfOne();
  // Twice cleanly, then code 1 after `$stopped` (its connection closed
  // first): none is a crash, each waits the first back-off.
  for (const status of [CLEAN, CLEAN, { ...CRASH, code: 1 }]) {
    child.saidStopped = status.code === 1;
    stoppedAlone(status);
    clock.advance(99);
    assert.equal(events.at(-1)?.type, "exit");
    clock.advance(1);
    assert.equal(events.at(-1)?.type, "restart");
  }
  // A crash in its stop work spends it: the second within the period waits 150 ms.
  child.saidStopped = false;
  stoppedAlone(CRASH);
  clock.advance(100);
  assert.equal(events.at(-1)?.type, "restart");
  stoppedAlone(CRASH);
  clock.advance(149);
  assert.equal(events.at(-1)?.type, "exit");
  clock.advance(1);
  assert.equal(events.at(-1)?.type, "restart");
});

Deno.test("a child stopped alone with no restart policy stays down, and fails a start not done", async () => {
  const { stoppedAlone, child, startUp, events } = await exitsOfOne({
    restart: null,
    started: false,
  });
  stoppedAlone(CLEAN);
  assert.equal(child.state, "stopped");
  assert.deepEqual(events, [{ type: "exit", address: 0, code: 0, signal: null, restart: false }]);
  await assert.rejects(startUp.wait(60_000), {
    message: "worker 0 was stopped alone (SIGTERM) before the cluster had started, and is not " +
      "restarted (restart: false)",
  });
});
