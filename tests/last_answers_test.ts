/**
 * A manager's last answers alone, on a router the test stands in for: the
 * order of its steps, and their bound. A host that answers over NATS as
 * it stops is in tests/nats/host_stop_test.ts.
 */

import assert from "node:assert/strict";
import { type AnsweringRouter, lastAnswers } from "../src/last_answers.ts";

/**
 * A router that reads other hosts unless `readsOtherHosts` is false, and
 * records each step asked of it; its running handlers settle when
 * `running` does.
 */
function recordingRouter(
  { readsOtherHosts = true, running = Promise.resolve() } = {},
): AnsweringRouter & { steps: string[] } {
  const steps: string[] = [];
  const step = (name: string) => {
    steps.push(name);
    return Promise.resolve();
  };
  return {
    steps,
    readsOtherHosts,
    refuseAllRequests: () => void steps.push("refuse all requests"),
    runningHandlersSettled: () => step("running handlers settled").then(() => running),
    answersHeldSent: () => step("answers held sent"),
    stopReading: () => step("stop reading"),
    handlersSettled: () => step("handlers settled"),
  };
}

Deno.test("the last answers refuse new requests, let the running handlers settle and the held answers go, then stop reading", async () => {
  const router = recordingRouter();
  await lastAnswers(router, 60_000);
  assert.deepEqual(router.steps, [
    "refuse all requests",
    "running handlers settled",
    "answers held sent",
    "stop reading",
    "handlers settled",
    // Read to the end, also when the steps before outlived stopTimeout.
    "stop reading",
  ]);
});

Deno.test("a handler that outlives stopTimeout holds the last answers no longer: reading stops all the same", async () => {
  const router = recordingRouter({ running: new Promise(() => {}) });
  await lastAnswers(router, 1);
  assert.deepEqual(router.steps, [
    "refuse all requests",
    "running handlers settled",
    "stop reading",
  ]);
});

Deno.test("a manager on one host has no last answers to give", async () => {
  const router = recordingRouter({ readsOtherHosts: false });
  await lastAnswers(router, 60_000);
  assert.deepEqual(router.steps, []);
});
