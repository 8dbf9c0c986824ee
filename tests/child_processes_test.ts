/**
 * The children's processes as a stop sees them, alone, on a clock the test
 * moves: the tiers in order, each child's own stopTimeout, the exit told
 * and the kill. Its processes are stand-ins that do their stop work in the
 * time the test gives them, and exit when told to unless it says they
 * hang. Real processes stopping are in tests/graceful_stop_test.ts.
 */

import assert from "node:assert/strict";
import type { Address } from "../mod.ts";
import { ChildProcesses } from "../src/child_processes.ts";
import { newSlot, type Slot } from "../src/child_slot.ts";
import { EXIT, STOP } from "../src/control.ts";
import type { SpawnedChild } from "../src/spawn.ts";
import { FakeClock, turn } from "./fake_clock.ts";

/** Beyond any pid Linux gives (at most 2^22): signalling its group reaches no process. */
const NO_PID = 2 ** 30;

/** How a stand-in child stops: its stop work takes `stopWork` ms (never: undefined). */
interface Stand {
  stopWork?: number;
  /** Whether it hangs when told to exit, until it is killed. */
  hangs?: boolean;
  /** Its own stopTimeout, in ms. */
  stopTimeout?: number;
}

/**
 * Children at the addresses of `stands`, each running a stand-in process,
 * and the processes of a cluster whose stopTimeout is 1 s. `log` says, at
 * the time on the clock, what each child was told (`stop`, `exit`), said
 * (`stopped`) and suffered (`SIGKILL`). Unless `connected`, nothing can
 * be sent to them.
 */
function stopping(stands: ReadonlyMap<Address, Stand>, { connected = true } = {}) {
  const clock = new FakeClock();
  const log: string[] = [];
  const reported: string[] = [];
  const note = (address: Address, what: string) => log.push(`${clock.now()} ${address} ${what}`);
  const children = new Map<Address, Slot>();
  const exits = new Map<Address, () => void>();
  for (const [address, { stopTimeout }] of stands) {
    const child = newSlot(address, { command: ["true"], labelOutput: false, stopTimeout }, null);
    const status = Promise.withResolvers<Deno.CommandStatus>();
    exits.set(address, () => status.resolve({ success: true, code: 0, signal: null }));
    child.process = {
      process: {
        pid: NO_PID,
        status: status.promise,
        kill: (signal: Deno.Signal) => {
          note(address, signal);
          status.resolve({ success: false, code: 137, signal });
        },
      },
      stdin: { close: () => {}, done: Promise.resolve() },
      startsOthers: false,
      output: Promise.resolve(),
      letGoOfOutput: () => {},
    } as unknown as SpawnedChild;
    children.set(address, child);
  }
  const processes = new ChildProcesses({
    clock,
    stopTimeout: 1000,
    tell: (address, action, data) => {
      const child = children.get(address)!;
      const { stopWork, hangs } = stands.get(address)!;
      const alone = (data as { alone?: boolean } | undefined)?.alone ? " alone" : "";
      note(address, action === STOP ? `stop${alone}` : action === EXIT ? "exit" : action);
      if (action === STOP && stopWork !== undefined) {
        clock.setTimeout(() => {
          note(address, "stopped");
          child.saidStopped = true;
          child.stopped.resolve();
        }, stopWork);
      }
      if (action === EXIT && !hangs) exits.get(address)!();
      return connected;
    },
    exiting: () => {},
    report: (error) => reported.push(error.message),
  });
  return { clock, log, reported, children: [...children.values()], processes };
}

/**
 * Lets what was set off run, then moves `clock` `ms` forward, 100 ms at a
 * time, letting what each step sets off run too.
 */
async function pass(clock: FakeClock, ms: number): Promise<void> {
  await turn();
  for (let passed = 0; passed < ms; passed += 100) {
    clock.advance(100);
    await turn();
  }
}

/** Stops every child of `stands` as the clock passes `ms`, and says what happened. */
async function stopAllOver(stands: ReadonlyMap<Address, Stand>, ms: number) {
  const { clock, log, reported, children, processes } = stopping(stands);
  const stopped = processes.stopAll(children);
  await pass(clock, ms);
  await stopped;
  return { log, reported, timers: clock.timers };
}

Deno.test("stopAll() stops the workers first, both phases, then the services", async () => {
  const { log, timers } = await stopAllOver(
    new Map<Address, Stand>([
      ["svc", { stopWork: 100 }],
      [0, { stopWork: 100 }],
      [1, { stopWork: 200 }],
    ]),
    300,
  );
  assert.deepEqual(log, [
    "0 0 stop",
    "0 1 stop",
    "100 0 stopped",
    "200 1 stopped",
    "200 0 exit",
    "200 1 exit",
    "200 svc stop",
    "300 svc stopped",
    "300 svc exit",
  ]);
  assert.equal(timers, 0);
});

Deno.test("stopAll(): a child done with its stop work in time is told to exit with the rest of its tier", async () => {
  const { log } = await stopAllOver(new Map([[0, { stopWork: 100 }], [1, { stopWork: 700 }]]), 700);
  assert.deepEqual(log.filter((line) => line.endsWith("exit")), ["700 0 exit", "700 1 exit"]);
});

Deno.test("stopAll(): a child past its own stopTimeout is told to exit then, and killed its own stopTimeout later", async () => {
  const { log, reported } = await stopAllOver(
    new Map<Address, Stand>([
      ["quick", { stopTimeout: 200, hangs: true }],
      ["slow", { stopWork: 800 }],
    ]),
    800,
  );
  assert.deepEqual(log, [
    "0 quick stop",
    "0 slow stop",
    "200 quick exit",
    "400 quick SIGKILL",
    "800 slow stopped",
    "800 slow exit",
  ]);
  assert.deepEqual(reported, [
    'service "quick" did not finish its stop work (its onStop handlers, its running handlers) ' +
    "within stopTimeout (200 ms): it was told to exit",
    'service "quick" did not exit within stopTimeout (200 ms) after it was told to: it was killed',
  ]);
});

Deno.test("stopAll() kills a child that cannot be asked at once", async () => {
  const { log, children, processes } = stopping(new Map([[0, { stopWork: 100 }]]), {
    connected: false,
  });
  await processes.stopAll(children);
  assert.deepEqual(log, ["0 0 stop", "0 0 SIGKILL"]);
});

Deno.test("stopAlone() asks the child alone, tells it to exit once its stop work is done, and kills it its stopTimeout later", async () => {
  const { clock, log, reported, children: [child], processes } = stopping(
    new Map([[0, { stopWork: 300, hangs: true }]]),
  );
  const stopped = processes.stopAlone(child, child.process!);
  await pass(clock, 1300);
  await stopped;
  assert.deepEqual(log, ["0 0 stop alone", "300 0 stopped", "300 0 exit", "1300 0 SIGKILL"]);
  assert.deepEqual(reported, [
    "worker 0 did not exit within stopTimeout (1000 ms) after it was told to: it was killed",
  ]);
});
