/**
 * Worker 0's slot, with its start and its restarts, on a clock the test
 * moves: for the pieces of the supervisor tested alone. Its processes are
 * stand-ins (nothing is spawned), and the test says when it is ready.
 */

import type { Address, LifecycleEvent, SwitchboardError } from "../mod.ts";
import { newSlot, type Slot } from "../src/child_slot.ts";
import type { RestartPolicy } from "../src/restart_policy.ts";
import { Restarts } from "../src/restarts.ts";
import type { SpawnedChild } from "../src/spawn.ts";
import { StartUp } from "../src/start_up.ts";
import { FakeClock } from "./fake_clock.ts";

/** At most 2 restarts within 1 s, the first after 100 ms, the next after 150. */
export const POLICY: RestartPolicy = {
  maxRestarts: 2,
  period: 1000,
  backoff: 100,
  maxBackoff: 150,
};

/** A stand-in for a child's process: only its identity and its `pid` count. */
export function standIn(name: string, pid = 0): SpawnedChild {
  return { name, process: { pid } } as unknown as SpawnedChild;
}

/**
 * Worker 0 under `restart` (default {@linkcode POLICY}; null: never
 * restarted), with `startTimeout` 500 ms, and the `maxMemory` and
 * `hangTimeout` given. With what its pieces announced,
 * reported, gave up and killed, and the stand-in processes spawned, one a
 * restart unless `state.failSpawn` says it cannot; `state.stopping` is
 * whether the cluster stops. Once `started` (the default), the start is
 * done and the child is down: stopped, with no process.
 */
export async function oneChildOnClock(
  { restart = POLICY, started = true, maxMemory, hangTimeout }: {
    restart?: RestartPolicy | null;
    started?: boolean;
    maxMemory?: number;
    hangTimeout?: number;
  } = {},
) {
  const clock = new FakeClock();
  const child = newSlot(
    0,
    { command: ["true"], labelOutput: false, maxMemory, hangTimeout },
    restart,
  );
  const slots = new Map<Address, Slot>([[0, child]]);
  const startUp = new StartUp(slots, { isConnected: () => false });
  const events: LifecycleEvent[] = [];
  const reported: Error[] = [];
  const gaveUp: SwitchboardError[] = [];
  const killed: SpawnedChild[] = [];
  const spawned: SpawnedChild[] = [];
  const state = { stopping: false, failSpawn: false };
  const restarts = new Restarts({
    clock,
    restart,
    startTimeout: 500,
    startUp,
    stopping: () => state.stopping,
    spawn: (slot) => {
      if (state.failSpawn) throw new Error("out of processes");
      slot.process = standIn(`process ${spawned.length + 1}`);
      spawned.push(slot.process);
    },
    kill: (process) => killed.push(process),
    announce: (event) => events.push(event),
    report: (error) => reported.push(error),
    gaveUp: (error) => gaveUp.push(error),
  });
  if (started) {
    child.state = "ready";
    startUp.readyNow();
    await startUp.wait(60_000);
    child.state = "stopped";
  }
  return {
    clock,
    child,
    slots,
    startUp,
    restarts,
    events,
    reported,
    gaveUp,
    killed,
    spawned,
    state,
  };
}
