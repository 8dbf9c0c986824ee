import assert from "node:assert/strict";
import type { Address } from "../mod.ts";
import type { Slot } from "../src/child_slot.ts";
import { SwitchboardError } from "../src/errors.ts";
import { nextTask } from "../src/next_task.ts";
import { StartUp } from "../src/start_up.ts";
import { waitFor } from "./helpers.ts";
import { workerSlot } from "./worker_slot.ts";

/** The start of workers 0 and 1, neither ready yet nor connected. */
function startOfTwo(): { startUp: StartUp; slots: Map<Address, Slot> } {
  const slots = new Map<Address, Slot>([[0, workerSlot(0)], [1, workerSlot(1)]]);
  return { startUp: new StartUp(slots, { isConnected: () => false }), slots };
}

Deno.test("the start is done once every child is ready at one time, not once each was ready once", async () => {
  const { startUp, slots } = startOfTwo();
  const waiting = startUp.wait(60_000);
  let done = false;
  waiting.then(() => done = true);
  slots.get(0)!.state = "ready";
  startUp.readyNow();
  // Worker 0 stopped alone (a SIGTERM) before worker 1 was ready.
  slots.get(0)!.state = "restarting";
  slots.get(1)!.state = "ready";
  startUp.readyNow();
  // Every microtask the race would take has run by the next task.
  await nextTask();
  assert.equal(done, false);
  assert.equal(startUp.started, false);
  slots.get(0)!.state = "ready";
  startUp.readyNow();
  await waitFor(waiting, "the start");
  assert.equal(startUp.started, true);
});

Deno.test("a start that failed rejects with the error it failed with, and is not started", async () => {
  const { startUp } = startOfTwo();
  const error = new SwitchboardError("worker 1 exited with code 3 before it was ready");
  startUp.fail(error);
  await assert.rejects(startUp.wait(60_000), (thrown) => thrown === error);
  assert.equal(startUp.started, false);
});

Deno.test("a start past startTimeout says why each child not ready is late", async () => {
  const { startUp, slots } = startOfTwo();
  slots.get(0)!.state = "ready";
  startUp.readyNow();
  await assert.rejects(startUp.wait(1), {
    name: "SwitchboardError",
    message: "Cluster did not start within 1 ms: worker 1 did not connect (did it call connect()?)",
  });
  assert.equal(startUp.started, false);
});
