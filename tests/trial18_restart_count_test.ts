/**
 * Trial 18: README, Supervision: "After `maxRestarts` restarts within
 * `period` … it stays down". A count of restarts that is not a whole
 * number (`maxRestarts: 1.5`, a value from a config file) was taken: the
 * child was restarted twice, and the `fatal` event and the error said
 * "after 1.5 restarts" while `stats()` said 2.
 */

import assert from "node:assert/strict";
import { Cluster } from "../mod.ts";
import { runningChildren } from "./helpers.ts";

const CRASHING = new URL("./fixtures/crashing_worker.ts", import.meta.url);

Deno.test("Cluster.start() refuses a maxRestarts that is not a whole number", async () => {
  await assert.rejects(
    () => Cluster.start({ worker: CRASHING, workers: 1, restart: { maxRestarts: 1.5 } }),
    (error: Error) => {
      assert.ok(error instanceof TypeError, `${error}`);
      assert.match(error.message, /"restart\.maxRestarts" must be a whole number >= 0, got 1\.5/);
      return true;
    },
  );
  assert.deepEqual(runningChildren(), []);
});
