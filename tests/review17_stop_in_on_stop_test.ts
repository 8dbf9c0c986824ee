/** stop() is idempotent, also when the manager's own stop handlers call it. */

import assert from "node:assert/strict";
import { Cluster } from "../mod.ts";
import { waitFor, WORKER } from "./helpers.ts";

Deno.test("stop() called by the manager's onStop handler, as the stop runs it, is that stop", async () => {
  const cluster = await Cluster.start({ worker: WORKER, workers: 1 });
  const errors: Error[] = [];
  cluster.onError((error) => errors.push(error));
  let ran = 0;
  const again: Promise<void>[] = [];
  cluster.onStop(() => {
    ran++;
    // A cleanup that closes what it holds, the cluster included.
    again.push(cluster.close());
  });
  const stopping = cluster.stop();
  // Before, each call began another stop, running the handler again, until
  // the stack overflowed: a RangeError nobody caught.
  await waitFor(stopping, "the stop");
  assert.equal(ran, 1);
  assert.equal(again.length, 1);
  assert.equal(again[0], stopping, "the stop already running");
  await waitFor(cluster.closed, "closed");
  assert.deepEqual(errors, []);
});
