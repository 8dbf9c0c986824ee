/**
 * The memory limit as the supervisor runs it (`maxMemory`), on a clock the
 * test moves and with memory the test says: a ready child over its limit
 * is replaced as a reload replaces it, said so; one under it, starting, or
 * without a limit is left alone; and one over it at every start is given
 * up once it was replaced `maxRestarts` times within `period`.
 */

import assert from "node:assert/strict";
import {
  type Address,
  type LifecycleEvent,
  MemoryLimitError,
  type SwitchboardError,
} from "../mod.ts";
import type { ForeignChildSpec } from "../src/child_slot.ts";
import type { RestartPolicy } from "../src/restart_policy.ts";
import { EXIT, STOP } from "../src/control.ts";
import { MEMORY_CHECK_INTERVAL } from "../src/memory_watch.ts";
import { MEBIBYTE } from "../src/resident_memory.ts";
import type { Supervisor } from "../src/supervisor.ts";
import { FakeClock } from "./fake_clock.ts";
import { waitFor } from "./helpers.ts";
import { end, ready, started, supervisorOnClock } from "./supervisor_on_clock.ts";

const LIMIT = 200 * MEBIBYTE;
const UNDER = 150 * MEBIBYTE;
const OVER = 300 * MEBIBYTE;
/** Two restarts a minute, each after 100 ms. */
const POLICY: RestartPolicy = { maxRestarts: 2, period: 60_000, backoff: 100, maxBackoff: 100 };
/**
 * The same, but a child must run 5 s (`maxBackoff`) before it is taken to
 * have grown past its limit: two checks of a second do not do.
 */
const PATIENT: RestartPolicy = { ...POLICY, maxBackoff: 5_000 };

/**
 * A supervisor of worker 0, with no limit, and worker 1, with `maxMemory`,
 * each a `sleep` that the test says is ready, on a fake clock; a child told
 * to stop says it did at once, and one told to exit is killed, as a Deno
 * child would exit. With what it announced and reported, the processes
 * whose memory it read, and how much each holds (by address: `held`).
 */
function supervised(restart: RestartPolicy = POLICY) {
  const clock = new FakeClock();
  const events: LifecycleEvent[] = [];
  const reported: Error[] = [];
  const gaveUp: SwitchboardError[] = [];
  const stoppedAlone: Address[] = [];
  const reads: number[] = [];
  const held = new Map<Address, number>([[0, OVER], [1, UNDER]]);
  let spawned = Promise.withResolvers<void>();
  const heard = new Map<string, PromiseWithResolvers<LifecycleEvent>>();
  const sleep: ForeignChildSpec = { command: ["sleep", "3600"], labelOutput: false };
  const supervisor: Supervisor = supervisorOnClock(
    clock,
    new Map([[0, sleep], [1, { ...sleep, maxMemory: LIMIT }]]),
    {
      restart,
      stopTimeout: 5_000,
      spawning: () => spawned.resolve(),
      tell: (address, action) => {
        if (action === STOP) queueMicrotask(() => supervisor.stopped(address));
        if (action === EXIT) Deno.kill(supervisor.pid(address)!, "SIGTERM");
        return true;
      },
      announce: (event) => {
        events.push(event);
        heard.get(event.type)?.resolve(event);
      },
      stoppingAlone: (address) => stoppedAlone.push(address),
      report: (error) => reported.push(error),
      gaveUp: (error) => gaveUp.push(error),
      residentBytes: (pid) => {
        reads.push(pid);
        const address = [0, 1].find((child) => supervisor.pid(child) === pid);
        return address === undefined ? undefined : held.get(address);
      },
    },
  );
  /** The next event of `type` announced from now. */
  const next = (type: string): Promise<LifecycleEvent> => {
    heard.set(type, Promise.withResolvers<LifecycleEvent>());
    return waitFor(heard.get(type)!.promise, `a "${type}" event`);
  };
  /** The next process spawned from now: once it resolves, that process runs. */
  const nextSpawn = (): Promise<void> => {
    spawned = Promise.withResolvers<void>();
    return waitFor(spawned.promise, "a process spawned");
  };
  /** One interval of the memory checks passes. */
  const tick = () => clock.advance(MEMORY_CHECK_INTERVAL);
  /**
   * Worker 1 is read within its limit for `checksUnder` checks, then over
   * it: it is replaced, and its next process said ready.
   */
  const replacedAfter = async (checksUnder: number): Promise<void> => {
    held.set(1, UNDER);
    for (let n = 0; n < checksUnder; n++) tick();
    held.set(1, OVER);
    const spawn = nextSpawn();
    tick();
    await spawn;
    const back = next("ready");
    ready(supervisor, 1);
    await back;
  };
  return {
    supervisor,
    clock,
    events,
    reported,
    gaveUp,
    stoppedAlone,
    reads,
    held,
    next,
    nextSpawn,
    tick,
    replacedAfter,
  };
}

Deno.test("a ready child over its maxMemory is replaced as a reload replaces it, and said so", async () => {
  const { supervisor, events, reported, reads, held, next, nextSpawn, tick } = supervised();
  await started(supervisor, [0, 1]);
  try {
    const [pid0, pid1] = [supervisor.pid(0), supervisor.pid(1)];
    held.set(1, OVER);
    const reload = next("reload");
    const spawn = nextSpawn();
    tick();
    assert.deepEqual(await reload, { type: "reload", address: 1, reason: "memory" });
    assert.equal(reported.length, 1);
    const [error] = reported as MemoryLimitError[];
    assert.ok(error instanceof MemoryLimitError);
    assert.equal(
      error.message,
      "worker 1 used 300 MiB, over maxMemory (200 MiB): it is replaced",
    );
    assert.equal(error.peer, 1);
    assert.equal(error.rss, OVER);
    assert.equal(error.maxMemory, LIMIT);
    await spawn;
    assert.notEqual(supervisor.pid(1), pid1);
    // Starting, it is not read: its memory is judged once it is ready.
    const readsBefore = reads.length;
    tick();
    assert.deepEqual(reads.slice(readsBefore), []);
    const back = next("ready");
    ready(supervisor, 1);
    await back;
    assert.deepEqual(events.map((e) => [e.type, e.address]), [["reload", 1], ["ready", 1]]);
    // The worker without a limit is never read, though it holds more.
    assert.ok(!reads.includes(pid0!));
    assert.equal(supervisor.pid(0), pid0);
  } finally {
    await end(supervisor);
  }
});

Deno.test("a child under its maxMemory is read once an interval and never touched", async () => {
  const { supervisor, clock, events, reported, reads, tick } = supervised();
  await started(supervisor, [0, 1]);
  try {
    const pid1 = supervisor.pid(1);
    assert.equal(clock.timers, 1, "one timer: the memory checks");
    for (let n = 0; n < 5; n++) tick();
    assert.deepEqual(reads, Array(5).fill(pid1));
    assert.deepEqual(events, []);
    assert.deepEqual(reported, []);
    assert.equal(supervisor.pid(1), pid1);
  } finally {
    await end(supervisor);
  }
  // The stop dropped the memory checks' timer.
  assert.equal(clock.timers, 0);
});

Deno.test("a child over its maxMemory at every start is given up once its replacements spent its restart budget", async () => {
  const { supervisor, events, reported, gaveUp, stoppedAlone, next, tick, replacedAfter } =
    supervised();
  await started(supervisor, [0, 1]);
  try {
    // maxRestarts: 2 replacements within the period, each over at its first check.
    for (let n = 0; n < 2; n++) await replacedAfter(0);
    const fatal = next("fatal");
    tick();
    assert.deepEqual(await fatal, { type: "fatal", address: 1, restarts: 2, period: 60_000 });
    assert.deepEqual(events.map((e) => e.type), ["reload", "ready", "reload", "ready", "fatal"]);
    assert.deepEqual(stoppedAlone, [1]);
    assert.deepEqual(supervisor.stats()[1], {
      address: 1,
      pid: undefined,
      state: "failed",
      // Each replacement is a restart, as the fatal event and error say.
      restarts: 2,
    });
    assert.deepEqual(reported.map((e) => e.message), [
      "worker 1 used 300 MiB, over maxMemory (200 MiB): it is replaced",
      "worker 1 used 300 MiB, over maxMemory (200 MiB): it is replaced",
      "worker 1 used 300 MiB, over maxMemory (200 MiB): it is stopped, and stays down",
      "worker 1 used 300 MiB, over maxMemory (200 MiB), after 2 restarts within 60000 ms; it stays down",
    ]);
    assert.ok(reported.slice(0, 3).every((e) => e instanceof MemoryLimitError));
    assert.deepEqual(gaveUp, [reported[3]]);
  } finally {
    await end(supervisor);
  }
});

Deno.test("a child that grows past its maxMemory is replaced each time, its restart budget untouched", async () => {
  const { supervisor, events, reported, gaveUp, replacedAfter } = supervised();
  await started(supervisor, [0, 1]);
  try {
    // Twice maxRestarts (2): a leak under steady traffic, each process read
    // within its limit first, then over it. None of it spends the budget
    // that would give the child up, and escalated, stop the whole server.
    for (let n = 0; n < 4; n++) await replacedAfter(1);
    assert.deepEqual(
      events.map((e) => e.type),
      Array(4).fill(["reload", "ready"]).flat(),
    );
    assert.ok(events.every((e) => e.type !== "reload" || e.reason === "memory"));
    assert.deepEqual(gaveUp, []);
    assert.equal(reported.length, 4);
    assert.ok(reported.every((e) => e.message.endsWith(": it is replaced")));
    assert.equal(supervisor.stats()[1].restarts, 4);
  } finally {
    await end(supervisor);
  }
});

Deno.test("a child over its maxMemory sooner than maxBackoff after its start, though read within it first, spends its restart budget", async () => {
  // maxBackoff 5 s: each process is read within its limit one check after
  // it is ready, over it the next (it fills its caches once it runs, say),
  // 2 s in. Before, that was taken for a leak, and the child was replaced
  // every two seconds for ever, never given up.
  const { supervisor, events, reported, gaveUp, held, next, tick, replacedAfter } = supervised(
    PATIENT,
  );
  await started(supervisor, [0, 1]);
  try {
    for (let n = 0; n < 2; n++) await replacedAfter(1);
    held.set(1, UNDER);
    tick();
    held.set(1, OVER);
    const fatal = next("fatal");
    tick();
    assert.deepEqual(await fatal, { type: "fatal", address: 1, restarts: 2, period: 60_000 });
    assert.deepEqual(events.map((e) => e.type), ["reload", "ready", "reload", "ready", "fatal"]);
    assert.equal(
      reported.at(-2)?.message,
      "worker 1 used 300 MiB, over maxMemory (200 MiB): it is stopped, and stays down",
    );
    assert.deepEqual(gaveUp, [reported.at(-1)]);
    assert.equal(supervisor.stats()[1].restarts, 2);
  } finally {
    await end(supervisor);
  }
});

Deno.test("a child that grows past its maxMemory maxBackoff or more after its start is replaced each time", async () => {
  // The same child as above, read over its limit 5 s after it was ready:
  // a leak, replaced each time, its budget untouched.
  const { supervisor, events, gaveUp, replacedAfter } = supervised(PATIENT);
  await started(supervisor, [0, 1]);
  try {
    for (let n = 0; n < 3; n++) await replacedAfter(4);
    assert.deepEqual(events.map((e) => e.type), Array(3).fill(["reload", "ready"]).flat());
    assert.deepEqual(gaveUp, []);
    assert.equal(supervisor.stats()[1].restarts, 3);
  } finally {
    await end(supervisor);
  }
});

Deno.test("without maxMemory no memory is read and no timer is armed", async () => {
  const clock = new FakeClock();
  const sleep: ForeignChildSpec = { command: ["sleep", "3600"], labelOutput: false };
  const reads: number[] = [];
  const supervisor = supervisorOnClock(clock, new Map([[0, sleep]]), {
    restart: POLICY,
    stopTimeout: 5_000,
    residentBytes: (pid) => {
      reads.push(pid);
      return OVER;
    },
  });
  await started(supervisor, [0]);
  try {
    assert.equal(clock.timers, 0);
    clock.advance(10 * MEMORY_CHECK_INTERVAL);
    assert.deepEqual(reads, []);
  } finally {
    await end(supervisor);
  }
});
