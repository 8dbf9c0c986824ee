/**
 * The grace after a child's `$term`, alone, on a clock the test moves: the
 * child is stopped alone and restarted `TERM_GRACE` ms later, once, unless
 * the cluster stops first. SIGTERM to real children is in
 * tests/replacement_test.ts and tests/exit_after_stopped_test.ts.
 */

import assert from "node:assert/strict";
import type { Address } from "../mod.ts";
import { TERM_GRACE, TermGrace } from "../src/term_grace.ts";
import { FakeClock, turn } from "./fake_clock.ts";

/**
 * The grace of a manager whose children are workers 0 and 1, with the
 * pids in `pids` (100 and 101); `restarted` says whom it restarted, with
 * the pid it was given, and `state` whether the cluster stops and a
 * restart fails.
 */
function graceOnClock() {
  const clock = new FakeClock();
  const restarted: string[] = [];
  const reported: string[] = [];
  const state = { stopping: false, restartFails: false };
  const pids = new Map<Address, number>([[0, 100], [1, 101]]);
  const grace = new TermGrace({
    clock,
    stopping: () => state.stopping,
    isChild: (address) => pids.has(address),
    pid: (address) => pids.get(address),
    restartAlone: (address: Address, pid: number | undefined) => {
      restarted.push(`${address} (pid ${pid})`);
      return state.restartFails
        ? Promise.reject(new Error("could not stop it"))
        : Promise.resolve();
    },
    report: (error) => reported.push(error.message),
  });
  return { clock, restarted, reported, state, pids, grace };
}

Deno.test("a child's $term restarts it alone TERM_GRACE ms later on the clock, naming the process that said it", () => {
  const { clock, restarted, pids, grace } = graceOnClock();
  grace.heard(1);
  // Restarted meanwhile: the restart after the $term leaves the new process as is.
  pids.set(1, 201);
  clock.advance(TERM_GRACE - 1);
  assert.deepEqual(restarted, []);
  clock.advance(1);
  assert.deepEqual(restarted, ["1 (pid 101)"]);
  assert.equal(clock.timers, 0);
});

Deno.test("a $term said again within the grace restarts the child once; one said after it, again", () => {
  const { clock, restarted, grace } = graceOnClock();
  grace.heard(0);
  clock.advance(50);
  grace.heard(0);
  clock.advance(TERM_GRACE);
  assert.deepEqual(restarted, ["0 (pid 100)"]);
  grace.heard(0);
  clock.advance(TERM_GRACE);
  assert.deepEqual(restarted, ["0 (pid 100)", "0 (pid 100)"]);
});

Deno.test("a $term goes unheeded once the cluster stops: before it, within its grace, or as the grace ends", () => {
  const { clock, restarted, state, grace } = graceOnClock();
  grace.heard(0);
  state.stopping = true;
  clock.advance(TERM_GRACE);
  grace.heard(1);
  assert.equal(clock.timers, 0);
  state.stopping = false;
  grace.heard(1);
  grace.clear();
  assert.equal(clock.timers, 0);
  clock.advance(TERM_GRACE);
  assert.deepEqual(restarted, []);
});

Deno.test("a $term from no child of this manager's is unheeded", () => {
  const { clock, restarted, grace } = graceOnClock();
  grace.heard("svc");
  assert.equal(clock.timers, 0);
  clock.advance(TERM_GRACE);
  assert.deepEqual(restarted, []);
});

Deno.test("a restart after a $term that fails is reported", async () => {
  const { clock, reported, state, grace } = graceOnClock();
  state.restartFails = true;
  grace.heard(0);
  clock.advance(TERM_GRACE);
  await turn();
  assert.deepEqual(reported, ["could not stop it"]);
});
