import assert from "node:assert/strict";
import { newSlot, whyLate } from "../src/child_slot.ts";

const SPEC = { module: "./worker.ts", permissions: {}, flags: [], args: [], labelOutput: false };

Deno.test("whyLate says how far a child got, and what went wrong before", () => {
  const child = newSlot(2, SPEC, null);
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
