/**
 * The watchdog as the supervisor runs it (`hangTimeout`), on a clock the
 * test moves: a real process that never answers `$ping` (`sleep`) is
 * killed once `hangTimeout` passed, as a crash; one that answers is not;
 * and without `hangTimeout` nothing is sent, nor any timer armed.
 */

import assert from "node:assert/strict";
import { type LifecycleEvent, TimeoutError } from "../mod.ts";
import type { ForeignChildSpec } from "../src/child_slot.ts";
import { PING } from "../src/control.ts";
import { FakeClock } from "./fake_clock.ts";
import { waitFor } from "./helpers.ts";
import { assertKilledAsHung } from "./hung_error.ts";
import { end, ready, started, supervisorOnClock } from "./supervisor_on_clock.ts";

const HANG_TIMEOUT = 2000;

/**
 * A supervisor of worker 0, a `sleep` that the test says is ready and
 * connected, on a fake clock; with the control frames it told the child,
 * the events it announced and the errors it reported.
 */
function supervised(hangTimeout: number | undefined) {
  const clock = new FakeClock();
  const told: { action: string; data: unknown }[] = [];
  const events: LifecycleEvent[] = [];
  const reported: Error[] = [];
  const waiting = new Map<string, PromiseWithResolvers<LifecycleEvent>>();
  /** The first event of `type` announced. */
  const heard = (type: string): Promise<LifecycleEvent> => {
    if (!waiting.has(type)) waiting.set(type, Promise.withResolvers<LifecycleEvent>());
    return waitFor(waiting.get(type)!.promise, `a "${type}" event`);
  };
  const spec: ForeignChildSpec = {
    command: ["sleep", "3600"],
    labelOutput: false,
    ...(hangTimeout === undefined ? {} : { hangTimeout }),
  };
  const supervisor = supervisorOnClock(clock, new Map([[0, spec]]), {
    restart: { maxRestarts: 5, period: 60_000, backoff: 100, maxBackoff: 100 },
    tell: (_address, action, data) => {
      told.push({ action, data });
      return true;
    },
    announce: (event) => {
      events.push(event);
      if (!waiting.has(event.type)) waiting.set(event.type, Promise.withResolvers());
      waiting.get(event.type)!.resolve(event);
    },
    report: (error) => reported.push(error),
  });
  const pings = () => told.filter((frame) => frame.action === PING).map((frame) => frame.data);
  return { supervisor, clock, told, pings, events, reported, heard };
}

Deno.test("a ready child that answers no $ping within hangTimeout is killed, as a crash that says it hung", async () => {
  const { supervisor, clock, pings, events, reported, heard } = supervised(HANG_TIMEOUT);
  await started(supervisor, [0]);
  try {
    const pid = supervisor.pid(0);
    assert.deepEqual(pings(), [{ n: 1 }], "probed as it is ready");
    clock.advance(HANG_TIMEOUT - 1);
    assert.equal(reported.length, 0);
    clock.advance(1);
    const exit = await heard("exit");
    assert.deepEqual(exit, {
      type: "exit",
      address: 0,
      code: 137,
      signal: "SIGKILL",
      restart: true,
      hung: true,
    });
    assertKilledAsHung(reported);
    // Restarted after its back-off, as a crash is; its next process is probed afresh.
    clock.advance(100);
    assert.equal(events.at(-1)?.type, "restart");
    assert.notEqual(supervisor.pid(0), pid);
    ready(supervisor, 0);
    assert.deepEqual(pings(), [{ n: 1 }, { n: 1 }]);
  } finally {
    await end(supervisor);
  }
});

Deno.test("a ready child that answers each $ping is probed once per hangTimeout and never killed", async () => {
  const { supervisor, clock, pings, events, reported } = supervised(HANG_TIMEOUT);
  await started(supervisor, [0]);
  try {
    const pid = supervisor.pid(0);
    for (let n = 1; n <= 5; n++) {
      supervisor.answered(0, { n });
      clock.advance(HANG_TIMEOUT);
    }
    assert.deepEqual(pings(), [1, 2, 3, 4, 5, 6].map((n) => ({ n })));
    assert.equal(supervisor.pid(0), pid);
    assert.deepEqual(events, []);
    assert.deepEqual(reported, []);
  } finally {
    await end(supervisor);
  }
  // The stop dropped the watchdog's timer.
  assert.equal(clock.timers, 0);
});

Deno.test("without hangTimeout no $ping is sent and no watchdog timer is armed", async () => {
  const { supervisor, clock, told, events } = supervised(undefined);
  await started(supervisor, [0]);
  try {
    assert.equal(clock.timers, 0);
    clock.advance(60 * HANG_TIMEOUT);
    assert.deepEqual(told, []);
    assert.deepEqual(events, []);
  } finally {
    await end(supervisor);
  }
});

Deno.test("a child being stopped (a reload) is not judged by the watchdog: its stop has stopTimeout", async () => {
  const { supervisor, clock, pings, reported, heard } = supervised(HANG_TIMEOUT);
  await started(supervisor, [0]);
  const reloading = supervisor.reload([0]);
  reloading.catch(() => {});
  try {
    await heard("reload");
    assert.equal(supervisor.stats()[0].state, "stopping");
    // Its $ping of before goes unanswered, for far longer than hangTimeout.
    clock.advance(5 * HANG_TIMEOUT);
    assert.deepEqual(pings(), [{ n: 1 }]);
    assert.deepEqual(reported.filter((error) => error instanceof TimeoutError), []);
    assert.equal(clock.timers, 0);
  } finally {
    await end(supervisor);
  }
});

Deno.test("a child ready once the cluster's stop began is not probed, nor a watchdog timer armed again", async () => {
  const { supervisor, clock, pings, heard } = supervised(HANG_TIMEOUT);
  await started(supervisor, [0]);
  try {
    // It crashes, and its next process starts after its back-off.
    Deno.kill(supervisor.pid(0)!, "SIGKILL");
    await heard("exit");
    clock.advance(100);
    await heard("restart");
    // The stop begins (the manager halts first, then runs its own stop
    // work), and the new process says `$ready` and `$running` meanwhile.
    supervisor.halt();
    ready(supervisor, 0);
    assert.deepEqual(pings(), [{ n: 1 }], "no $ping after the stop began");
    assert.equal(clock.timers, 0, "no watchdog timer armed after the stop began");
  } finally {
    await end(supervisor);
  }
});
