import assert from "node:assert/strict";
import { type ForeignChildSpec, newSlot, type Slot, whyLate } from "../src/child_slot.ts";
import { workerSlot } from "./worker_slot.ts";

Deno.test("whyLate says how far a child got, and what went wrong before", () => {
  const child = workerSlot(2);
  const connected = { isConnected: () => true };
  const notConnected = { isConnected: () => false };
  assert.equal(whyLate(child, notConnected), "worker 2 did not connect (did it call connect()?)");
  assert.match(whyLate(child, connected), /^worker 2 connected but did not become ready/);
  child.wentAhead = true;
  child.trouble = new Error("Bad frame from worker 2");
  assert.equal(
    whyLate(child, connected),
    'worker 2 had the go-ahead but never sent $running (see README "Protocol"), after: Bad frame from worker 2',
  );
});

Deno.test("whyLate asks a command service that never connected to speak the protocol, not to call connect()", () => {
  const command: ForeignChildSpec = { command: ["python3", "-u", "thumbs.py"], labelOutput: false };
  const child = newSlot("thumbs", command, null);
  assert.equal(
    whyLate(child, { isConnected: () => false }),
    'service "thumbs" did not connect (its program must speak the protocol: see README ' +
      '"Processes in other languages")',
  );
});

Deno.test("whyLate says a child ready once, stopped alone as the start waited, is on its way back", () => {
  const child = workerSlot(0);
  const connected = { isConnected: () => true };
  child.wasReady = true;
  child.wentAhead = true;
  child.leaving = true;
  child.process = {} as Slot["process"];
  // Before, it was said to have had the go-ahead and never sent $running.
  assert.equal(whyLate(child, connected), "worker 0 was stopping alone, to be restarted");
  child.process = undefined;
  assert.equal(whyLate(child, connected), "worker 0 was waiting to be restarted");
});
