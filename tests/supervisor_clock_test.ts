/**
 * The restart policy as the supervisor applies it (maxRestarts, period,
 * back-off), on a clock the test moves: real processes crash (SIGKILL),
 * and only the clock decides when each is restarted, or given up.
 */

import assert from "node:assert/strict";
import type { LifecycleEvent } from "../mod.ts";
import type { ForeignChildSpec } from "../src/child_slot.ts";
import type { RestartPolicy } from "../src/restart_policy.ts";
import { FakeClock } from "./fake_clock.ts";
import { waitFor } from "./helpers.ts";
import { end, ready, started, supervisorOnClock } from "./supervisor_on_clock.ts";

const POLICY: RestartPolicy = { maxRestarts: 2, period: 1000, backoff: 100, maxBackoff: 150 };

/**
 * A supervisor of one child, `command` (default `sleep`: it never connects,
 * the test says when it is ready), on a fake clock; with the events it
 * announced, the errors it reported, and ways to kill its process and to
 * wait for its exit.
 */
function supervised(policy: RestartPolicy, command = ["sleep", "3600"]) {
  const clock = new FakeClock();
  const events: LifecycleEvent[] = [];
  const reported: Error[] = [];
  const gaveUp: Error[] = [];
  let waiting: { type: string; resolve: (event: LifecycleEvent) => void } | undefined;
  const spec: ForeignChildSpec = { command, labelOutput: false };
  const supervisor = supervisorOnClock(clock, new Map([[0, spec]]), {
    restart: policy,
    tell: () => false,
    isConnected: () => false,
    announce: (event) => {
      events.push(event);
      if (event.type === waiting?.type) waiting.resolve(event);
    },
    report: (error) => reported.push(error),
    gaveUp: (error) => gaveUp.push(error),
  });
  /** The next exit the supervisor hears of. */
  const exit = (): Promise<LifecycleEvent> => {
    const next = Promise.withResolvers<LifecycleEvent>();
    waiting = { type: "exit", resolve: next.resolve };
    return waitFor(next.promise, "the exit");
  };
  /** Kills the child's process, and waits for the supervisor to hear of its exit. */
  const crash = (): Promise<LifecycleEvent> => {
    const exited = exit();
    Deno.kill(supervisor.pid(0)!, "SIGKILL");
    return exited;
  };
  return { supervisor, clock, events, reported, gaveUp, exit, crash };
}

/** The types of `events` from `from` on, with a restart's attempt. */
function told(events: LifecycleEvent[], from = 0): string[] {
  return events.slice(from).map((event) =>
    event.type === "restart" ? `restart ${event.attempt}` : event.type
  );
}

Deno.test("the supervisor restarts after the back-off on its clock, doubled, and gives up after maxRestarts within period", async () => {
  const { supervisor, clock, events, reported, gaveUp, crash } = supervised(POLICY);
  await started(supervisor, [0]);
  try {
    for (const [attempt, delay] of [[1, 100], [2, 150]]) {
      const seen = events.length;
      assert.equal((await crash()).type, "exit");
      assert.equal(supervisor.stats()[0].state, "restarting");
      clock.advance(delay - 1);
      assert.deepEqual(told(events, seen), ["exit"], `not restarted before ${delay} ms`);
      clock.advance(1);
      assert.deepEqual(told(events, seen), ["exit", `restart ${attempt}`]);
      ready(supervisor, 0);
      assert.deepEqual(told(events, seen), ["exit", `restart ${attempt}`, "ready"]);
    }
    // A third crash within the period: given up.
    const seen = events.length;
    await crash();
    assert.deepEqual(told(events, seen), ["exit", "fatal"]);
    assert.equal(supervisor.stats()[0].state, "failed");
    assert.equal(clock.timers, 0, "no restart is waiting");
    assert.deepEqual(gaveUp.map((error) => error.message), [
      "worker 0 exited on signal SIGKILL after 2 restarts within 1000 ms; it stays down",
    ]);
    assert.deepEqual(reported, gaveUp);
  } finally {
    await end(supervisor);
  }
});

Deno.test("the supervisor forgets crashes older than period on its clock: the back-off starts afresh, and nothing is given up", async () => {
  const { supervisor, clock, events, gaveUp, crash } = supervised(POLICY);
  await started(supervisor, [0]);
  try {
    for (let round = 1; round <= 4; round++) {
      const seen = events.length;
      await crash();
      // Each crash is the only one within the period: the first back-off.
      clock.advance(99);
      assert.deepEqual(told(events, seen), ["exit"], `round ${round}`);
      clock.advance(1);
      ready(supervisor, 0);
      assert.deepEqual(told(events, seen), ["exit", `restart ${round}`, "ready"]);
      clock.advance(POLICY.period);
    }
    assert.deepEqual(gaveUp, []);
    assert.equal(supervisor.stats()[0].state, "ready");
  } finally {
    await end(supervisor);
  }
});

Deno.test("the supervisor restarts a child that exits cleanly for ever, the back-off doubling, afresh after one that ran maxBackoff", async () => {
  // `cat` ends as its stdin does: at the go-ahead, once it is ready.
  const { supervisor, clock, events, gaveUp, exit } = supervised(
    { ...POLICY, maxRestarts: 0 },
    ["cat"],
  );
  const starting = supervisor.start();
  let exited = exit();
  ready(supervisor, 0);
  await waitFor(starting, "the start");
  try {
    // [how long it ran, on the clock; the back-off that follows]
    for (const [ran, delay] of [[0, 100], [0, 150], [150, 100], [0, 150]]) {
      const seen = events.length;
      clock.advance(ran);
      assert.deepEqual(await exited, {
        type: "exit",
        address: 0,
        code: 0,
        signal: null,
        restart: true,
      });
      clock.advance(delay - 1);
      assert.deepEqual(told(events, seen), ["exit"], `not restarted before ${delay} ms`);
      exited = exit();
      clock.advance(1);
      assert.equal(told(events, seen)[1]?.split(" ")[0], "restart", `restarted after ${delay} ms`);
      ready(supervisor, 0);
    }
    assert.equal((await exited).type, "exit");
    assert.deepEqual(gaveUp, [], "maxRestarts: 0 counts no clean exit");
  } finally {
    await end(supervisor);
  }
});

Deno.test("a child stopped alone (SIGTERM) is restarted after the first back-off, capped by maxBackoff as a crash's is", async () => {
  // A back-off over maxBackoff: a crash's first wait is maxBackoff.
  const { supervisor, clock, events, exit } = supervised({ ...POLICY, backoff: 500 });
  await started(supervisor, [0]);
  try {
    const seen = events.length;
    const exited = exit();
    // It never connected, so it cannot be asked: killed, as its stop.
    const stopping = supervisor.restartAlone(0, supervisor.pid(0));
    assert.equal((await exited).type, "exit");
    await waitFor(stopping, "the stop alone");
    clock.advance(POLICY.maxBackoff - 1);
    assert.deepEqual(told(events, seen), ["exit"], "not restarted before maxBackoff");
    clock.advance(1);
    assert.deepEqual(told(events, seen), ["exit", "restart 1"], "restarted at maxBackoff");
  } finally {
    await end(supervisor);
  }
});
