/**
 * The memory watch's checks (`maxMemory`), on a clock the test moves and
 * with memory the test says: one timer for every child, each read once an
 * interval, those over their limit said, and a read that fails said once.
 */

import assert from "node:assert/strict";
import { MEMORY_CHECK_INTERVAL, MemoryWatch } from "../src/memory_watch.ts";
import { MEBIBYTE } from "../src/resident_memory.ts";
import { FakeClock } from "./fake_clock.ts";

const LIMIT = 100 * MEBIBYTE;

/** A memory watch on a fake clock over `pids`, whose memory `rss` holds (a pid left out is gone). */
function watch(pids: number[]) {
  const clock = new FakeClock();
  const rss = new Map<number, number | Error>();
  const reads: number[] = [];
  const over: [number, number][] = [];
  const reported: Error[] = [];
  const memory = new MemoryWatch({
    clock,
    children: () => pids.map((pid) => ({ pid, limit: LIMIT })),
    residentBytes: (pid) => {
      reads.push(pid);
      const held = rss.get(pid);
      if (held instanceof Error) throw held;
      return held;
    },
    over: (child, bytes) => over.push([child.pid, bytes]),
    report: (error) => reported.push(error),
  });
  return { clock, rss, reads, over, reported, memory };
}

Deno.test("the memory watch reads every child once an interval, with one timer, and says who is over", () => {
  const { clock, rss, reads, over, memory } = watch([10, 11, 12]);
  rss.set(10, LIMIT).set(11, LIMIT / 2).set(12, LIMIT + 1);
  memory.start();
  memory.start();
  assert.equal(clock.timers, 1, "one timer for every child, started twice or not");
  clock.advance(MEMORY_CHECK_INTERVAL - 1);
  assert.deepEqual(reads, [], "nothing read before the first interval");
  clock.advance(1);
  assert.deepEqual(reads, [10, 11, 12]);
  // At the limit is not over it.
  assert.deepEqual(over, [[12, LIMIT + 1]]);
  for (let n = 0; n < 4; n++) clock.advance(MEMORY_CHECK_INTERVAL);
  assert.equal(reads.length, 15, "each child read once an interval");
  assert.equal(clock.timers, 1);
  memory.stop();
  assert.equal(clock.timers, 0);
  for (let n = 0; n < 4; n++) clock.advance(MEMORY_CHECK_INTERVAL);
  assert.equal(reads.length, 15, "nothing read once stopped");
});

Deno.test("the memory watch passes over a process gone, and says a failed read once while it lasts", () => {
  const { clock, rss, over, reported, memory } = watch([20, 21, 22]);
  const refused = new Error("read refused");
  rss.set(20, refused).set(22, LIMIT * 2);
  memory.start();
  for (let n = 0; n < 3; n++) clock.advance(MEMORY_CHECK_INTERVAL);
  assert.deepEqual(reported, [refused], "said once, not once a second");
  // The others were read all the same: 21 is gone (no memory), 22 is over.
  assert.deepEqual(over, [[22, LIMIT * 2], [22, LIMIT * 2], [22, LIMIT * 2]]);
  rss.set(20, LIMIT);
  clock.advance(MEMORY_CHECK_INTERVAL);
  rss.set(20, refused);
  clock.advance(MEMORY_CHECK_INTERVAL);
  assert.deepEqual(reported, [refused, refused], "a failure that comes back is said again");
  memory.stop();
});

Deno.test("a memory watch stopped by what it told leaves no timer", () => {
  const clock = new FakeClock();
  const memory: MemoryWatch<{ pid: number; limit: number }> = new MemoryWatch({
    clock,
    children: () => [{ pid: 1, limit: LIMIT }],
    residentBytes: () => LIMIT + 1,
    // As the cluster stopping on a child given up would.
    over: () => memory.stop(),
    report: () => {},
  });
  memory.start();
  clock.advance(MEMORY_CHECK_INTERVAL);
  assert.equal(clock.timers, 0);
});
