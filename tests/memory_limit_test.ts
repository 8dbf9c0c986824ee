/**
 * The memory limit alone, on a clock the test moves and with memory the
 * test says: worker 0's processes are stand-ins, replaced and stopped by
 * the test's hands. The supervisor running it with real processes is in
 * supervisor_memory_test.ts.
 */

import assert from "node:assert/strict";
import { type Address, MemoryLimitError } from "../mod.ts";
import type { Slot } from "../src/child_slot.ts";
import { MemoryLimit } from "../src/memory_limit.ts";
import { MEMORY_CHECK_INTERVAL } from "../src/memory_watch.ts";
import { MEBIBYTE } from "../src/resident_memory.ts";
import type { RestartPolicy } from "../src/restart_policy.ts";
import type { SpawnedChild } from "../src/spawn.ts";
import { oneChildOnClock, standIn } from "./one_child_on_clock.ts";

const LIMIT = 200 * MEBIBYTE;
const UNDER = 150 * MEBIBYTE;
const OVER = 300 * MEBIBYTE;
const REPLACED = "worker 0 used 300 MiB, over maxMemory (200 MiB): it is replaced";

/**
 * The memory limit of worker 0 (`maxMemory` 200 MiB), ready in a
 * stand-in process that holds `held.rss`; a replacement starts the next
 * stand-in, ready at once. With the pids read, the children replaced, the
 * addresses said to stop alone and the processes stopped alone; `settled()`
 * waits for the replacements begun, `check()` lets one interval pass first.
 */
async function limitOfOne(
  restart: RestartPolicy = { maxRestarts: 2, period: 60_000, backoff: 100, maxBackoff: 1000 },
) {
  const one = await oneChildOnClock({ restart, maxMemory: LIMIT });
  const { clock, child, slots, state, restarts, reported } = one;
  const held = { rss: UNDER };
  const reads: number[] = [];
  const replaced: Slot[] = [];
  const stoppingAlone: Address[] = [];
  const stoppedAlone: SpawnedChild[] = [];
  const runs: Promise<void>[] = [];
  let pid = 1;
  const readyAgain = (slot: Slot) => {
    Object.assign(slot, { process: standIn(`process ${pid}`, pid++), state: "ready" });
    slot.readyAt = clock.now();
  };
  const limit = new MemoryLimit({
    clock,
    restart,
    slots,
    stopping: () => state.stopping,
    residentBytes: (pid) => {
      reads.push(pid);
      return held.rss;
    },
    // As after the reloads asked before: in a later microtask.
    queue: (task) => {
      const run = Promise.resolve().then(task);
      runs.push(run);
      return run;
    },
    replace: (slot) => {
      replaced.push(slot);
      readyAgain(slot);
      return Promise.resolve();
    },
    stoppingAlone: (address) => stoppingAlone.push(address),
    stopAlone: (slot, spawned) => {
      stoppedAlone.push(spawned);
      slot.process = undefined;
      return Promise.resolve();
    },
    restarts,
    report: (error) => reported.push(error),
  });
  readyAgain(child);
  limit.start();
  const settled = () => Promise.all(runs);
  const check = () => {
    clock.advance(MEMORY_CHECK_INTERVAL);
    return settled();
  };
  return { ...one, limit, held, reads, replaced, stoppingAlone, stoppedAlone, check, settled };
}

Deno.test("a ready child over its maxMemory is replaced, counted as a restart, and said so", async () => {
  const { child, held, replaced, reported, check, limit } = await limitOfOne();
  held.rss = OVER;
  await check();
  assert.deepEqual(replaced, [child]);
  assert.equal(child.restarts, 1);
  assert.equal(reported.length, 1);
  const [error] = reported as MemoryLimitError[];
  assert.ok(error instanceof MemoryLimitError);
  assert.equal(error.message, REPLACED);
  assert.deepEqual([error.peer, error.rss, error.maxMemory], [0, OVER, LIMIT]);
  limit.stop();
});

Deno.test("a child over its maxMemory at every start spends its budget, then is stopped alone and given up", async () => {
  const {
    clock,
    child,
    held,
    replaced,
    reported,
    events,
    gaveUp,
    stoppingAlone,
    stoppedAlone,
    check,
  } = await limitOfOne();
  held.rss = OVER;
  for (let n = 0; n < 3; n++) await check();
  assert.deepEqual(replaced, [child, child]);
  const last = stoppedAlone[0];
  assert.deepEqual(stoppingAlone, [0]);
  assert.equal(last.process.pid, 3);
  assert.equal(child.state, "failed");
  assert.deepEqual(events, [{ type: "fatal", address: 0, restarts: 2, period: 60_000 }]);
  assert.deepEqual(reported.map((error) => error.message), [
    REPLACED,
    REPLACED,
    "worker 0 used 300 MiB, over maxMemory (200 MiB): it is stopped, and stays down",
    "worker 0 used 300 MiB, over maxMemory (200 MiB), after 2 restarts within 60000 ms; it stays down",
  ]);
  assert.deepEqual(gaveUp, [reported[3]]);
  assert.equal(clock.timers, 1, "the checks go on, for the other children");
});

Deno.test("a child that grows past its maxMemory maxBackoff or more after it was ready is replaced each time, its budget untouched", async () => {
  const { child, held, replaced, gaveUp, check, limit } = await limitOfOne();
  for (let n = 0; n < 4; n++) {
    held.rss = UNDER;
    await check();
    held.rss = OVER;
    await check();
  }
  assert.equal(replaced.length, 4);
  assert.equal(child.restarts, 4);
  assert.deepEqual(gaveUp, []);
  limit.stop();
});

Deno.test("only a ready child not leaving is read, and none while the cluster stops", async () => {
  const { clock, child, reads, state, check, limit } = await limitOfOne();
  await check();
  child.leaving = true;
  await check();
  child.leaving = false;
  child.state = "starting";
  await check();
  child.state = "ready";
  state.stopping = true;
  await check();
  assert.deepEqual(reads, [1]);
  limit.stop();
  assert.equal(clock.timers, 0);
});

Deno.test("a process found over is read no more while its replacement waits its turn", async () => {
  const { clock, held, reads, replaced, check, settled, limit } = await limitOfOne();
  held.rss = OVER;
  // Two intervals pass before the queued replacement runs.
  clock.advance(MEMORY_CHECK_INTERVAL);
  clock.advance(MEMORY_CHECK_INTERVAL);
  assert.deepEqual(reads, [1]);
  await settled();
  assert.equal(replaced.length, 1);
  held.rss = UNDER;
  await check();
  assert.deepEqual(reads, [1, 2]);
  limit.stop();
});
