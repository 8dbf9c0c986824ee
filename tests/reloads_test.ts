/**
 * Reloads alone, on a clock the test moves: the order of a rolling reload,
 * one at a time, what a failed replacement does, and a reload during a
 * stop. The children's processes are stand-ins: each stops alone at once
 * when asked, and the test says when a new one is ready. Reloads of real
 * processes are in tests/reload_test.ts.
 */

import assert from "node:assert/strict";
import { type Address, ClosedError, SwitchboardError } from "../mod.ts";
import type { ChildProcesses } from "../src/child_processes.ts";
import { newSlot, type Slot } from "../src/child_slot.ts";
import type { RestartPolicy } from "../src/restart_policy.ts";
import { Reloads } from "../src/reloads.ts";
import { FakeClock, turn } from "./fake_clock.ts";
import { POLICY, standIn } from "./one_child_on_clock.ts";

/**
 * Reloads of the ready workers `addresses` under `restart`, with
 * `startTimeout` 500 ms. `log` says what was done to each, in order:
 * `reload` (the event, with its reason), `stop` (its process stopped
 * alone), `spawn`, `kill`, `restart in <delay>`, and `fatal`; `said()`
 * takes what it says since it was last asked. `state` says
 * whether the start is done, the cluster stops, and a spawn fails, and
 * `state.stoppingAlone` runs as an old process stops.
 */
function reloadsOnClock(addresses: Address[], restart: RestartPolicy | null = POLICY) {
  const clock = new FakeClock();
  const log: string[] = [];
  const state = { started: true, stopping: false, failSpawn: false, stoppingAlone: () => {} };
  const slots = new Map<Address, Slot>();
  for (const address of addresses) {
    const child = newSlot(address, { command: ["true"], labelOutput: false }, restart);
    child.state = "ready";
    child.process = standIn(`${address} old`);
    slots.set(address, child);
  }
  const processes = {
    stopAlone: (child: Slot) => {
      log.push(`stop ${child.address}`);
      state.stoppingAlone();
      child.process = undefined;
      return Promise.resolve();
    },
    kill: (spawned: { name: string } | undefined) => log.push(`kill ${spawned?.name}`),
  } as unknown as ChildProcesses;
  const reloads = new Reloads({
    clock,
    processes,
    startTimeout: 500,
    slot: (address) => slots.get(address),
    started: () => state.started,
    stopping: () => state.stopping,
    announce: (event) => {
      const reason = "reason" in event ? ` ${event.reason}` : "";
      log.push(`${event.type} ${event.address}${reason}`);
    },
    spawn: (child) => {
      if (state.failSpawn) throw new Error("out of processes");
      log.push(`spawn ${child.address}`);
      child.ready = Promise.withResolvers<void>();
      child.process = standIn(`${child.address} new`);
    },
    afterFailure: (child, delay, what) => log.push(`${child.address} ${what}: restart in ${delay}`),
  });
  /** Says the new process of `address` is ready, as the supervisor would. */
  const ready = (address: Address) => {
    const child = slots.get(address)!;
    child.state = "ready";
    child.ready.resolve();
  };
  /** What was done since this was last asked, once what was set off ran. */
  const said = async () => {
    await turn();
    return log.splice(0);
  };
  return { clock, log, said, state, slots, reloads, ready };
}

/** What a reload does to the child at `address`, until its new process is ready. */
function replacing(address: Address, reason = ""): string[] {
  return [`reload ${address}${reason}`, `stop ${address}`, `spawn ${address}`];
}

/** Asserts that `promise` rejects with a ClosedError about worker 0 that says `message`. */
async function assertClosed(promise: Promise<void>, message: string): Promise<void> {
  await assert.rejects(promise, (error) => {
    assert.ok(error instanceof ClosedError);
    assert.equal(error.message, message);
    assert.equal(error.peer, 0);
    return true;
  });
}

Deno.test("reload() replaces the children in the order asked, each once, the next only once the one before is ready", async () => {
  const { said, slots, reloads, ready } = reloadsOnClock([0, 1, 2]);
  const reloaded = reloads.reload([2, 0, 2]);
  assert.deepEqual(await said(), replacing(2));
  assert.equal(slots.get(2)!.state, "starting");
  ready(2);
  assert.deepEqual(await said(), replacing(0));
  ready(0);
  await reloaded;
  assert.deepEqual(await said(), []);
});

Deno.test("reload() loads new code: its restart budget starts afresh, and it is unproven until ready", async () => {
  const { said, slots, reloads, ready } = reloadsOnClock([0]);
  const child = slots.get(0)!;
  child.budget!.onExit(0);
  child.budget!.onExit(0);
  const reloaded = reloads.reload([0]);
  await said();
  assert.equal(child.newCodeUnproven, true);
  assert.equal(child.budget!.onExit(0), POLICY.backoff);
  ready(0);
  await reloaded;
});

Deno.test("reload() waits for the one asked before it, and one alike asked while that one waits is that one", async () => {
  const { said, reloads, ready } = reloadsOnClock([0, 1]);
  const first = reloads.reload([0]);
  const second = reloads.reload([1]);
  assert.equal(reloads.reload([1]), second);
  assert.deepEqual(await said(), replacing(0));
  ready(0);
  await first;
  assert.deepEqual(await said(), replacing(1));
  // Begun: one alike asked now is another reload.
  const third = reloads.reload([1]);
  assert.notEqual(third, second);
  ready(1);
  await second;
  assert.deepEqual(await said(), replacing(1));
  ready(1);
  await third;
});

Deno.test("reload() asked while the start waits begins once it is done, a timer later on the clock", async () => {
  const { clock, said, state, reloads, ready } = reloadsOnClock([0]);
  state.started = false;
  const start = Promise.withResolvers<void>();
  reloads.after(start.promise);
  const reloaded = reloads.reload([0]);
  assert.equal(reloads.reload([0]), reloaded);
  state.started = true;
  start.resolve();
  assert.deepEqual(await said(), []);
  clock.advance(0);
  assert.deepEqual(await said(), replacing(0));
  ready(0);
  await reloaded;
});

Deno.test("reload() asked while the start waits rejects with ClosedError when the start fails", async () => {
  const { clock, said, state, reloads } = reloadsOnClock([0]);
  state.started = false;
  const start = Promise.withResolvers<void>();
  reloads.after(start.promise);
  const reloaded = reloads.reload([0]);
  start.reject(new Error("worker 1 exited"));
  await said();
  clock.advance(0);
  await assertClosed(reloaded, "Cannot reload worker 0: the cluster did not start");
  assert.deepEqual(await said(), []);
});

Deno.test("reload() of a replacement not ready within startTimeout kills it, rejects, and reloads none after it", async () => {
  const { clock, said, reloads, ready } = reloadsOnClock([0, 1]);
  const reloaded = reloads.reload([0, 1]);
  let settled = false;
  reloaded.catch(() => {}).finally(() => settled = true);
  assert.deepEqual(await said(), replacing(0));
  clock.advance(499);
  assert.deepEqual(await said(), []);
  assert.equal(settled, false);
  clock.advance(1);
  assert.deepEqual(await said(), ["kill 0 new"]);
  assert.equal(settled, true);
  await assert.rejects(reloaded, (error) => {
    assert.ok(error instanceof SwitchboardError);
    assert.equal(error.message, "worker 0 was not ready within 500 ms after its reload");
    assert.equal(error.peer, 0);
    return true;
  });
  // The reloads asked next are not held by the one that failed.
  const next = reloads.reload([1]);
  assert.deepEqual(await said(), replacing(1));
  ready(1);
  await next;
});

Deno.test("reload() of a child that cannot be spawned rejects, and the restart policy takes it from there", async () => {
  const { said, state, reloads } = reloadsOnClock([0, 1]);
  state.failSpawn = true;
  await assert.rejects(reloads.reload([0, 1]), (error) => {
    assert.ok(error instanceof SwitchboardError);
    assert.equal(error.message, "Could not start worker 0 after its reload");
    assert.equal((error.cause as Error).message, "out of processes");
    return true;
  });
  assert.deepEqual(await said(), [
    "reload 0",
    "stop 0",
    `0 could not be started: restart in ${POLICY.backoff}`,
  ]);
});

Deno.test("reload() of a child that cannot be spawned and is never restarted: it is stopped, and said fatal", async () => {
  const { said, state, slots, reloads } = reloadsOnClock([0], null);
  state.failSpawn = true;
  await assert.rejects(reloads.reload([0]), /Could not start worker 0 after its reload/);
  assert.deepEqual(await said(), ["reload 0", "stop 0", "fatal 0"]);
  assert.equal(slots.get(0)!.state, "stopped");
});

Deno.test("reload() during a stop rejects with ClosedError and touches no child", async () => {
  const { said, state, reloads } = reloadsOnClock([0]);
  state.stopping = true;
  await assertClosed(reloads.reload([0]), "Cannot reload worker 0: the cluster is stopping");
  assert.deepEqual(await said(), []);
});

Deno.test("reload() that the stop meets as the old process stops starts no new one", async () => {
  const { said, state, reloads } = reloadsOnClock([0]);
  state.stoppingAlone = () => state.stopping = true;
  await assertClosed(
    reloads.reload([0]),
    "Reload of worker 0 stopped: the cluster is stopping",
  );
  assert.deepEqual(await said(), ["reload 0", "stop 0"]);
});

Deno.test("reload() replaces a restart armed as the old process stopped (a SIGTERM's stop it met)", async () => {
  const { clock, log, said, state, slots, reloads, ready } = reloadsOnClock([0]);
  const child = slots.get(0)!;
  state.stoppingAlone = () => {
    child.backoff = clock.setTimeout(() => log.push("restarted"), 100);
  };
  const reloaded = reloads.reload([0]);
  assert.deepEqual(await said(), replacing(0));
  ready(0);
  await reloaded;
  assert.equal(clock.timers, 0);
  clock.advance(100);
  assert.deepEqual(await said(), []);
});

Deno.test("reload() of a replacement ready as the stop began rejects: it will be stopped, not kept", async () => {
  const { said, state, reloads, ready } = reloadsOnClock([0]);
  const reloaded = reloads.reload([0]);
  assert.deepEqual(await said(), replacing(0));
  state.stopping = true;
  ready(0);
  await assertClosed(reloaded, "Reload of worker 0 stopped: the cluster is stopping");
});

Deno.test("reload() of an address that is no child throws a TypeError at once", () => {
  const { reloads } = reloadsOnClock([0]);
  assert.throws(
    () => reloads.reload([0, 7]),
    new TypeError("Cannot reload worker 7: not a child of this cluster"),
  );
});

Deno.test("queue() runs a task after the reloads asked before it, and those asked after wait for it", async () => {
  const { log, said, reloads, ready } = reloadsOnClock([0, 1]);
  const reloaded = reloads.reload([0]);
  const task = Promise.withResolvers<void>();
  const queued = reloads.queue(() => {
    log.push("task");
    return task.promise;
  });
  const after = reloads.reload([1]);
  assert.deepEqual(await said(), replacing(0));
  ready(0);
  await reloaded;
  assert.deepEqual(await said(), ["task"]);
  task.resolve();
  await queued;
  assert.deepEqual(await said(), replacing(1));
  ready(1);
  await after;
});

Deno.test("replace() runs the same code for memory: said so, and its restart budget is kept", async () => {
  const { said, slots, reloads, ready } = reloadsOnClock([0]);
  const child = slots.get(0)!;
  child.budget!.onExit(0);
  const replaced = reloads.queue(() => reloads.replace(child, "memory"));
  assert.deepEqual(await said(), replacing(0, " memory"));
  assert.equal(child.newCodeUnproven, false);
  ready(0);
  await replaced;
  assert.equal(child.budget!.onExit(0), POLICY.maxBackoff);
});
