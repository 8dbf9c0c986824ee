/** What the tests of hung children expect to be reported of one. */

import assert from "node:assert/strict";
import { TimeoutError } from "../mod.ts";
import { PING } from "../src/control.ts";

/**
 * `reported` holds one error, and it says worker 0 was killed as hung,
 * silent past a `hangTimeout` of 2000 ms.
 */
export function assertKilledAsHung(reported: readonly Error[]): void {
  assert.equal(reported.length, 1);
  const [error] = reported as TimeoutError[];
  assert.ok(error instanceof TimeoutError);
  assert.equal(
    error.message,
    "worker 0 did not answer the watchdog's $ping within 2000 ms (hangTimeout: is its event " +
      "loop blocked?): it was killed",
  );
  assert.equal(error.peer, 0);
  assert.equal(error.action, PING);
}
