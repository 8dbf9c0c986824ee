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
import { FakeClock } from "./fake_clock.ts";
import { POLICY, standIn } from "./one_child_on_clock.ts";

/**
 * Reloads of the ready workers `addresses` under `restart`, with
 * `startTimeout` 500 ms. `log` says what was done to each, in order:
 * `reload` (the event, with its reason), `stop` (its process stopped
 * alone), `spawn`, `kill`, `restart in <delay>`, and `fatal`; `state` says
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
  return { clock, log, state, slots, reloads, ready };
}

/** A task of the machine's: the microtasks pending all run before it. */
function turn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

Deno.test("reload() replaces the children in the order asked, each once, the next only once the one before is ready", async () => {
  const { log, slots, reloads, ready } = reloadsOnClock([0, 1, 2]);
  const reloaded = reloads.reload([2, 0, 2]);
  await turn();
  assert.deepEqual(log, ["reload 2", "stop 2", "spawn 2"]);
  assert.equal(slots.get(2)!.state, "starting");
  ready(2);
  await turn();
  assert.deepEqual(log.slice(3), ["reload 0", "stop 0", "spawn 0"]);
  ready(0);
  await reloaded;
  assert.equal(log.length, 6);
});

Deno.test("reload() loads new code: its restart budget starts afresh, and it is unproven until ready", async () => {
  const { slots, reloads, ready } = reloadsOnClock([0]);
  const child = slots.get(0)!;
  child.budget!.onExit(0);
  child.budget!.onExit(0);
  const reloaded = reloads.reload([0]);
  await turn();
  assert.equal(child.newCodeUnproven, true);
  assert.equal(child.budget!.onExit(0), POLICY.backoff);
  ready(0);
  await reloaded;
});

Deno.test("reload() waits for the one asked before it, and one alike asked while that one waits is that one", async () => {
  const { log, reloads, ready } = reloadsOnClock([0, 1]);
  const first = reloads.reload([0]);
  const second = reloads.reload([1]);
  assert.equal(reloads.reload([1]), second);
  await turn();
  assert.deepEqual(log, ["reload 0", "stop 0", "spawn 0"]);
  ready(0);
  await first;
  await turn();
  assert.deepEqual(log.slice(3), ["reload 1", "stop 1", "spawn 1"]);
  // Begun: one alike asked now is another reload.
  const third = reloads.reload([1]);
  assert.notEqual(third, second);
  ready(1);
  await second;
  await turn();
  assert.deepEqual(log.slice(6), ["reload 1", "stop 1", "spawn 1"]);
  ready(1);
  await third;
});

Deno.test("reload() asked while the start waits begins once it is done, a timer later on the clock", async () => {
  const { clock, log, state, reloads, ready } = reloadsOnClock([0]);
  state.started = false;
  const start = Promise.withResolvers<void>();
  reloads.after(start.promise);
  const reloaded = reloads.reload([0]);
  assert.equal(reloads.reload([0]), reloaded);
  state.started = true;
  start.resolve();
  await turn();
  assert.deepEqual(log, []);
  clock.advance(0);
  await turn();
  assert.deepEqual(log, ["reload 0", "stop 0", "spawn 0"]);
  ready(0);
  await reloaded;
});

Deno.test("reload() asked while the start waits rejects with ClosedError when the start fails", async () => {
  const { clock, log, state, reloads } = reloadsOnClock([0]);
  state.started = false;
  const start = Promise.withResolvers<void>();
  reloads.after(start.promise);
  const reloaded = reloads.reload([0]);
  start.reject(new Error("worker 1 exited"));
  await turn();
  clock.advance(0);
  await assert.rejects(reloaded, (error) => {
    assert.ok(error instanceof ClosedError);
    assert.equal(error.message, "Cannot reload worker 0: the cluster did not start");
    return true;
  });
  assert.deepEqual(log, []);
});

Deno.test("reload() of a replacement not ready within startTimeout kills it, rejects, and reloads none after it", async () => {
  const { clock, log, reloads, ready } = reloadsOnClock([0, 1]);
  const reloaded = reloads.reload([0, 1]);
  let settled = false;
  reloaded.catch(() => {}).finally(() => settled = true);
  await turn();
  clock.advance(499);
  await turn();
  assert.deepEqual(log, ["reload 0", "stop 0", "spawn 0"]);
  assert.equal(settled, false);
  clock.advance(1);
  await turn();
  assert.equal(settled, true);
  await assert.rejects(reloaded, (error) => {
    assert.ok(error instanceof SwitchboardError);
    assert.equal(error.message, "worker 0 was not ready within 500 ms after its reload");
    assert.equal(error.peer, 0);
    return true;
  });
  assert.deepEqual(log.slice(3), ["kill 0 new"]);
  // The reloads asked next are not held by the one that failed.
  const next = reloads.reload([1]);
  await turn();
  assert.deepEqual(log.slice(4), ["reload 1", "stop 1", "spawn 1"]);
  ready(1);
  await next;
});

Deno.test("reload() of a child that cannot be spawned rejects, and the restart policy takes it from there", async () => {
  const { log, state, reloads } = reloadsOnClock([0, 1]);
  state.failSpawn = true;
  await assert.rejects(reloads.reload([0, 1]), (error) => {
    assert.ok(error instanceof SwitchboardError);
    assert.equal(error.message, "Could not start worker 0 after its reload");
    assert.equal((error.cause as Error).message, "out of processes");
    return true;
  });
  assert.deepEqual(log, [
    "reload 0",
    "stop 0",
    `0 could not be started: restart in ${POLICY.backoff}`,
  ]);
});

Deno.test("reload() of a child that cannot be spawned and is never restarted: it is stopped, and said fatal", async () => {
  const { log, state, slots, reloads } = reloadsOnClock([0], null);
  state.failSpawn = true;
  await assert.rejects(reloads.reload([0]), /Could not start worker 0 after its reload/);
  assert.deepEqual(log, ["reload 0", "stop 0", "fatal 0"]);
  assert.equal(slots.get(0)!.state, "stopped");
});

Deno.test("reload() during a stop rejects with ClosedError and touches no child", async () => {
  const { log, state, reloads } = reloadsOnClock([0]);
  state.stopping = true;
  await assert.rejects(reloads.reload([0]), (error) => {
    assert.ok(error instanceof ClosedError);
    assert.equal(error.message, "Cannot reload worker 0: the cluster is stopping");
    return true;
  });
  assert.deepEqual(log, []);
});

Deno.test("reload() that the stop meets as the old process stops starts no new one", async () => {
  const { log, state, reloads } = reloadsOnClock([0]);
  state.stoppingAlone = () => state.stopping = true;
  await assert.rejects(reloads.reload([0]), (error) => {
    assert.ok(error instanceof ClosedError);
    assert.equal(error.message, "Reload of worker 0 stopped: the cluster is stopping");
    return true;
  });
  assert.deepEqual(log, ["reload 0", "stop 0"]);
});

Deno.test("reload() replaces a restart armed as the old process stopped (a SIGTERM's stop it met)", async () => {
  const { clock, log, state, slots, reloads, ready } = reloadsOnClock([0]);
  const child = slots.get(0)!;
  state.stoppingAlone = () => {
    child.backoff = clock.setTimeout(() => log.push("restarted"), 100);
  };
  const reloaded = reloads.reload([0]);
  await turn();
  ready(0);
  await reloaded;
  assert.equal(clock.timers, 0);
  clock.advance(100);
  assert.deepEqual(log, ["reload 0", "stop 0", "spawn 0"]);
});

Deno.test("reload() of a replacement ready as the stop began rejects: it will be stopped, not kept", async () => {
  const { log, state, reloads, ready } = reloadsOnClock([0]);
  const reloaded = reloads.reload([0]);
  await turn();
  state.stopping = true;
  ready(0);
  await assert.rejects(reloaded, (error) => {
    assert.ok(error instanceof ClosedError);
    assert.equal(error.message, "Reload of worker 0 stopped: the cluster is stopping");
    return true;
  });
  assert.deepEqual(log, ["reload 0", "stop 0", "spawn 0"]);
});

Deno.test("reload() of an address that is no child throws a TypeError at once", () => {
  const { reloads } = reloadsOnClock([0]);
  assert.throws(
    () => reloads.reload([0, 7]),
    new TypeError("Cannot reload worker 7: not a child of this cluster"),
  );
});

Deno.test("queue() runs a task after the reloads asked before it, and those asked after wait for it", async () => {
  const { log, reloads, ready } = reloadsOnClock([0, 1]);
  const reloaded = reloads.reload([0]);
  const task = Promise.withResolvers<void>();
  const queued = reloads.queue(() => {
    log.push("task");
    return task.promise;
  });
  const after = reloads.reload([1]);
  await turn();
  ready(0);
  await reloaded;
  await turn();
  assert.deepEqual(log.slice(3), ["task"]);
  task.resolve();
  await queued;
  await turn();
  assert.deepEqual(log.slice(4), ["reload 1", "stop 1", "spawn 1"]);
  ready(1);
  await after;
});

Deno.test("replace() runs the same code for memory: said so, and its restart budget is kept", async () => {
  const { log, slots, reloads, ready } = reloadsOnClock([0]);
  const child = slots.get(0)!;
  child.budget!.onExit(0);
  const replaced = reloads.queue(() => reloads.replace(child, "memory"));
  await turn();
  assert.deepEqual(log, ["reload 0 memory", "stop 0", "spawn 0"]);
  assert.equal(child.newCodeUnproven, false);
  ready(0);
  await replaced;
  assert.equal(child.budget!.onExit(0), POLICY.maxBackoff);
});
